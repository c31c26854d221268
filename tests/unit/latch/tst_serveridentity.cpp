// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/serveridentity.h"
#include "opensslcli.h"

#include <QHash>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;

class TestServerIdentity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void presentedIdentifier_data();
    void presentedIdentifier();
    void certificate_data();
    void certificate();
    void noCertificate();
    void resultTexts();

private:
    QSslCertificate certificateFor(const QString& subject, const QString& subjectAltName,
                                   QString* error);

    QTemporaryDir m_directory;
    QHash<QString, QSslCertificate> m_certificates; // by subject + '|' + subjectAltName
};

void TestServerIdentity::initTestCase()
{
    QVERIFY(m_directory.isValid());
}

QSslCertificate TestServerIdentity::certificateFor(const QString& subject,
                                                   const QString& subjectAltName, QString* error)
{
    const QString key = subject + u'|' + subjectAltName;
    if (!m_certificates.contains(key)) {
        const QSslCertificate certificate = LatchmailTest::makeSelfSignedCertificate(
            m_directory.path(), subject, subjectAltName, error);
        if (certificate.isNull()) {
            return certificate;
        }
        m_certificates.insert(key, certificate);
    }
    return m_certificates.value(key);
}

void TestServerIdentity::presentedIdentifier_data()
{
    QTest::addColumn<QString>("reference");
    QTest::addColumn<QString>("presented");
    QTest::addColumn<IdentityResult>("expected");

    const auto row = [](const char* name, const char* reference, const char* presented,
                        IdentityResult expected) {
        QTest::newRow(name) << QString::fromUtf8(reference) << QString::fromUtf8(presented)
                            << expected;
    };
    using R = IdentityResult;

    row("exact", "mail.example.com", "mail.example.com", R::Matched);
    row("reference-upper-case", "MAIL.Example.COM", "mail.example.com", R::Matched);
    row("presented-upper-case", "mail.example.com", "MAIL.EXAMPLE.COM", R::Matched);
    row("reference-trailing-dot", "mail.example.com.", "mail.example.com", R::Matched);
    row("presented-trailing-dot", "mail.example.com", "mail.example.com.", R::Matched);
    row("single-label-host", "localhost", "localhost", R::Matched);
    row("other-name", "mail.example.com", "imap.example.com", R::NameMismatch);
    row("parent-domain-only", "mail.example.com", "example.com", R::NameMismatch);
    row("subdomain-of-reference", "example.com", "mail.example.com", R::NameMismatch);
    row("suffix-trick", "mail.example.com", "evilmail.example.com", R::NameMismatch);
    row("no-cname-canonicalisation", "mail.example.com", "mx1.hoster.example", R::NameMismatch);
    row("presented-empty", "mail.example.com", "", R::NameMismatch);
    row("presented-empty-label", "mail.example.com", "mail..example.com", R::NameMismatch);
    row("presented-embedded-nul-style-space", "mail.example.com", "mail.example.com evil",
        R::NameMismatch);

    row("wildcard-one-label", "mail.example.com", "*.example.com", R::Matched);
    row("wildcard-upper-case-reference", "MAIL.EXAMPLE.COM", "*.example.com", R::Matched);
    row("wildcard-not-two-labels", "a.mail.example.com", "*.example.com", R::NameMismatch);
    row("wildcard-not-bare-domain", "example.com", "*.example.com", R::NameMismatch);
    row("wildcard-other-domain", "mail.example.org", "*.example.com", R::NameMismatch);
    row("partial-wildcard-prefix", "foo.example.com", "f*.example.com", R::PartialWildcard);
    row("partial-wildcard-suffix", "foo.example.com", "*oo.example.com", R::PartialWildcard);
    row("partial-wildcard-middle", "foo.example.com", "f*o.example.com", R::PartialWildcard);
    row("partial-wildcard-not-matching-anyway", "bar.example.com", "f*.example.com",
        R::NameMismatch);
    row("wildcard-second-label", "mail.foo.example.com", "mail.*.example.com",
        R::WildcardNotLeftMost);
    row("wildcard-last-label", "example.com", "example.*", R::WildcardNotLeftMost);
    row("two-wildcards", "a.b.example.com", "*.*.example.com", R::WildcardNotLeftMost);
    row("wildcard-under-tld", "example.com", "*.com", R::WildcardTooBroad);
    row("wildcard-alone", "localhost", "*", R::WildcardTooBroad);
    row("wildcard-under-tld-trailing-dot", "example.com.", "*.com.", R::WildcardTooBroad);

    row("ip-reference-vs-dns-id", "127.0.0.1", "127.0.0.1", R::IpAddressMismatch);
    row("ip-reference-vs-wildcard", "127.0.0.1", "*.0.0.1", R::IpAddressMismatch);
    row("ipv6-reference-vs-dns-id", "::1", "localhost", R::IpAddressMismatch);
    row("bracketed-ipv6-reference", "[::1]", "::1", R::IpAddressMismatch);

    row("idn-u-label-reference",
        "b\xc3\xbc"
        "cher.example",
        "xn--bcher-kva.example", R::Matched);
    row("idn-a-label-reference", "xn--bcher-kva.example", "xn--bcher-kva.example", R::Matched);
    row("idn-u-label-upper-case",
        "B\xc3\x9c"
        "CHER.example",
        "xn--bcher-kva.example", R::Matched);
    row("idn-presented-u-label-refused",
        "b\xc3\xbc"
        "cher.example",
        "b\xc3\xbc"
        "cher.example",
        R::NameMismatch);
    row("idn-wildcard-never-stands-for-a-label",
        "b\xc3\xbc"
        "cher.example.com",
        "*.example.com", R::NameMismatch);
    row("idn-wildcard-inside-a-label", "xn--bcher-kva.example.com", "xn--*.example.com",
        R::PartialWildcard);

    row("invalid-reference-empty", "", "example.com", R::InvalidReferenceHost);
    row("invalid-reference-root-only", ".", "example.com", R::InvalidReferenceHost);
    row("invalid-reference-space", "mail example.com", "mail example.com", R::InvalidReferenceHost);
    row("invalid-reference-empty-label", "mail..example.com", "mail..example.com",
        R::InvalidReferenceHost);
    row("invalid-reference-wildcard", "*.example.com", "*.example.com", R::InvalidReferenceHost);
    row("invalid-reference-long-label",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
        R::InvalidReferenceHost);
    row("invalid-reference-ip-with-trailing-dot", "127.0.0.1.", "127.0.0.1",
        R::InvalidReferenceHost);
    row("invalid-reference-numeric-top-label", "mail.123", "mail.123", R::InvalidReferenceHost);
    row("numeric-inner-label", "mail.123.example", "mail.123.example", R::Matched);
    row("invalid-reference-bracketed-name", "[mail.example.com]", "mail.example.com",
        R::InvalidReferenceHost);
}

void TestServerIdentity::presentedIdentifier()
{
    QFETCH(QString, reference);
    QFETCH(QString, presented);
    QFETCH(IdentityResult, expected);

    QCOMPARE(matchPresentedIdentifier(reference, presented), expected);
}

void TestServerIdentity::certificate_data()
{
    QTest::addColumn<QString>("subject");
    QTest::addColumn<QString>("subjectAltName");
    QTest::addColumn<QString>("host");
    QTest::addColumn<IdentityResult>("expected");

    const auto row = [](const char* name, const char* subject, const char* san, const char* host,
                        IdentityResult expected) {
        QTest::newRow(name) << QString::fromLatin1(subject) << QString::fromLatin1(san)
                            << QString::fromLatin1(host) << expected;
    };
    using R = IdentityResult;

    row("san-dns-match", "/CN=other.example.test", "DNS:mail.example.test", "mail.example.test",
        R::Matched);
    row("san-dns-second-entry", "/CN=x", "DNS:imap.example.test,DNS:mail.example.test",
        "mail.example.test", R::Matched);
    row("san-dns-present-so-cn-ignored", "/CN=other.example.test", "DNS:mail.example.test",
        "other.example.test", R::NameMismatch);
    row("san-dns-vs-ip-host", "/CN=localhost", "DNS:localhost", "127.0.0.1", R::IpAddressMismatch);
    row("san-ip-match", "/CN=test", "IP:127.0.0.1", "127.0.0.1", R::Matched);
    row("san-ip-other-address", "/CN=test", "IP:127.0.0.1", "127.0.0.2", R::IpAddressMismatch);
    row("san-ip-not-a-dns-id", "/CN=localhost", "IP:127.0.0.1", "localhost", R::NameMismatch);
    row("san-ipv6-match", "/CN=test", "IP:::1", "::1", R::Matched);
    row("san-ipv6-bracketed-host", "/CN=test", "IP:::1", "[::1]", R::Matched);
    row("san-ipv6-long-form-host", "/CN=test", "IP:::1", "0:0:0:0:0:0:0:1", R::Matched);
    row("san-email-only-cn-fallback", "/CN=mail.example.test", "email:postmaster@example.test",
        "mail.example.test", R::Matched);
    row("cn-only-match", "/CN=mail.example.test", "", "mail.example.test", R::Matched);
    row("cn-only-case-insensitive", "/CN=Mail.Example.Test", "", "mail.example.TEST", R::Matched);
    row("cn-only-mismatch", "/CN=mail.example.test", "", "imap.example.test", R::NameMismatch);
    row("cn-only-most-specific", "/CN=mail.example.test/CN=imap.example.test", "",
        "mail.example.test", R::NameMismatch);
    row("cn-only-ip-host", "/CN=127.0.0.1", "", "127.0.0.1", R::IpAddressMismatch);
    row("wildcard-san-match", "/CN=x", "DNS:*.example.test", "imap.example.test", R::Matched);
    row("wildcard-san-two-labels", "/CN=x", "DNS:*.example.test", "a.imap.example.test",
        R::NameMismatch);
    row("wildcard-san-bare-domain", "/CN=x", "DNS:*.example.test", "example.test", R::NameMismatch);
    row("wildcard-san-too-broad", "/CN=x", "DNS:*.test", "example.test", R::WildcardTooBroad);
    row("wildcard-reason-beats-mismatch", "/CN=x", "DNS:other.example,DNS:m*.example.test",
        "mail.example.test", R::PartialWildcard);
    row("match-beats-refused-wildcard", "/CN=x", "DNS:*.test,DNS:example.test", "example.test",
        R::Matched);
    row("no-identifier", "/O=Nobody", "", "mail.example.test", R::NoUsableIdentifier);
    row("invalid-host", "/CN=mail.example.test", "", "mail example.test", R::InvalidReferenceHost);
}

void TestServerIdentity::certificate()
{
    QFETCH(QString, subject);
    QFETCH(QString, subjectAltName);
    QFETCH(QString, host);
    QFETCH(IdentityResult, expected);

    QString error;
    const QSslCertificate leaf = certificateFor(subject, subjectAltName, &error);
    QVERIFY2(!leaf.isNull(), qPrintable(error));
    QCOMPARE(checkServerIdentity(host, leaf), expected);
}

void TestServerIdentity::noCertificate()
{
    QCOMPARE(checkServerIdentity(QStringLiteral("mail.example.test"), QSslCertificate()),
             IdentityResult::NoCertificate);
}

void TestServerIdentity::resultTexts()
{
    const QList<IdentityResult> results{
        IdentityResult::Matched,
        IdentityResult::NoCertificate,
        IdentityResult::NoUsableIdentifier,
        IdentityResult::NameMismatch,
        IdentityResult::WildcardNotLeftMost,
        IdentityResult::PartialWildcard,
        IdentityResult::WildcardTooBroad,
        IdentityResult::IpAddressMismatch,
        IdentityResult::InvalidReferenceHost,
    };
    QSet<QString> texts;
    for (IdentityResult result : results) {
        const QString text = identityResultText(result);
        QVERIFY(text.endsWith(u'.'));
        QVERIFY(text.size() > 20);
        texts.insert(text);
    }
    QCOMPARE(texts.size(), results.size());
}

QTEST_GUILESS_MAIN(TestServerIdentity)
#include "tst_serveridentity.moc"
