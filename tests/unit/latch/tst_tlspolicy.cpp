// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/ciphersuites.h"
#include "core/tlspolicy.h"
#include "opensslcli.h"

#include <QSslCipher>
#include <QTemporaryDir>
#include <QTest>

#include <openssl/ssl.h>

#include <memory>

using namespace Latchmail;

namespace {

const QString DeepRsaSuite = QStringLiteral("AES128-SHA"); // TLS_RSA_WITH_AES_128_CBC_SHA
const QString DeepDheSuite =
    QStringLiteral("DHE-RSA-AES128-SHA"); // TLS_DHE_RSA_WITH_AES_128_CBC_SHA

QStringList names(const QList<QSslCipher>& ciphers)
{
    QStringList result;
    for (const QSslCipher& cipher : ciphers) {
        result.append(cipher.name());
    }
    return result;
}

// Judged from Qt's description of the suite, independently of cipherFacts().
bool describedAsForwardSecret(const QSslCipher& cipher)
{
    static const QStringList ephemeral{QStringLiteral("ECDH"), QStringLiteral("DH"),
                                       QStringLiteral("ECDHEPSK"), QStringLiteral("DHEPSK")};
    return cipher.protocol() == QSsl::TlsV1_3 || ephemeral.contains(cipher.keyExchangeMethod());
}

bool describedWithMd5OrRc4(const QSslCipher& cipher)
{
    return cipher.name().contains(QLatin1String("MD5")) ||
           cipher.name().contains(QLatin1String("RC4")) ||
           cipher.encryptionMethod().contains(QLatin1String("RC4"));
}

// The suites OpenSSL would put into a ClientHello for this offer, at the system's default
// security level, the way Qt hands the list over (SSL_CTX_set_cipher_list).
QStringList clientHelloSuites(const QSslConfiguration& configuration)
{
    const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(
        SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
    const int floor =
        configuration.protocol() == QSsl::TlsV1_3OrLater ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(context.get(), floor);
    const QByteArray list = names(configuration.ciphers()).join(u':').toLatin1();
    if (SSL_CTX_set_cipher_list(context.get(), list.constData()) != 1) {
        return {};
    }

    const std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), &SSL_free);
    STACK_OF(SSL_CIPHER)* offered = SSL_get1_supported_ciphers(ssl.get());
    QStringList result;
    for (int i = 0; i < sk_SSL_CIPHER_num(offered); ++i) {
        result.append(QString::fromLatin1(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(offered, i))));
    }
    sk_SSL_CIPHER_free(offered);
    return result;
}

} // namespace

class TestTlsPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void deepSuitesAreSupported();
    void offer_data();
    void offer();
    void preferenceOrder();
    void baseConfigurationPreserved();

private:
    QTemporaryDir m_directory;
};

void TestTlsPolicy::initTestCase()
{
    QVERIFY(m_directory.isValid());
}

void TestTlsPolicy::deepSuitesAreSupported()
{
    const QStringList supported = names(QSslConfiguration::supportedCiphers());
    QVERIFY2(supported.contains(DeepRsaSuite), qPrintable(supported.join(u' ')));
    QVERIFY2(supported.contains(DeepDheSuite), qPrintable(supported.join(u' ')));
}

void TestTlsPolicy::offer_data()
{
    QTest::addColumn<QStringList>("latches");
    QTest::addColumn<QSsl::SslProtocol>("protocol");
    QTest::addColumn<bool>("forwardSecretOnly");

    const auto row = [](const char* name, const char* tokens, QSsl::SslProtocol protocol,
                        bool forwardSecretOnly) {
        QTest::newRow(name) << QString::fromLatin1(tokens).split(u' ', Qt::SkipEmptyParts)
                            << protocol << forwardSecretOnly;
    };
    row("no-latches", "", QSsl::TlsV1_2OrLater, false);
    row("tls10", "tls10", QSsl::TlsV1_2OrLater, false);
    row("tls10-tls11", "tls10 tls11", QSsl::TlsV1_2OrLater, false);
    row("tls12", "tls10 tls11 tls12", QSsl::TlsV1_2OrLater, false);
    row("tls13", "tls10 tls11 tls12 tls13", QSsl::TlsV1_3OrLater, false);
    row("tls-cert", "tls10 tls-cert", QSsl::TlsV1_2OrLater, false);
    row("nomd5-norc4", "tls10 tls-nomd5 tls-norc4", QSsl::TlsV1_2OrLater, false);
    row("tls-pfs", "tls10 tls-pfs", QSsl::TlsV1_2OrLater, true);
    row("tls13-and-pfs", "tls13 tls-pfs", QSsl::TlsV1_3OrLater, true);
    row("all-known", "tls10 tls11 tls12 tls13 tls-cert tls-nomd5 tls-norc4 tls-pfs",
        QSsl::TlsV1_3OrLater, true);
    row("unknown-token-only", "tls-dane-tlsa", QSsl::TlsV1_2OrLater, false);
}

void TestTlsPolicy::offer()
{
    QFETCH(QStringList, latches);
    QFETCH(QSsl::SslProtocol, protocol);
    QFETCH(bool, forwardSecretOnly);

    const QSslConfiguration configuration = policyFor(LatchSet::fromList(latches));
    QCOMPARE(configuration.protocol(), protocol);

    const QList<QSslCipher> offered = configuration.ciphers();
    QVERIFY(!offered.isEmpty());
    for (const QSslCipher& cipher : offered) {
        QVERIFY2(cipher.usedBits() >= 128, qPrintable(cipher.name()));
        QVERIFY2(!describedWithMd5OrRc4(cipher), qPrintable(cipher.name()));
        QVERIFY2(cipher.authenticationMethod() != QLatin1String("None"), qPrintable(cipher.name()));
        if (forwardSecretOnly) {
            QVERIFY2(describedAsForwardSecret(cipher), qPrintable(cipher.name()));
        }
    }

    // DEEP 5.1's suites: RSA key transport goes once `tls-pfs` is latched; the DHE suite is
    // forward secret (DEEP 5.3 has it earn `tls-pfs`), so no latch excludes it.
    const QStringList offeredNames = names(offered);
    QCOMPARE(offeredNames.contains(DeepRsaSuite), !forwardSecretOnly);
    QVERIFY(offeredNames.contains(DeepDheSuite));
    QVERIFY(offeredNames.contains(QStringLiteral("ECDHE-RSA-AES128-GCM-SHA256")));

    // What really goes into the ClientHello at the default security level.
    const QStringList hello = clientHelloSuites(configuration);
    QVERIFY(!hello.isEmpty());
    if (protocol == QSsl::TlsV1_2OrLater) {
        QCOMPARE(hello.contains(DeepRsaSuite), !forwardSecretOnly);
        QVERIFY(hello.contains(DeepDheSuite));
    } else {
        QVERIFY(!hello.contains(DeepRsaSuite));
        QVERIFY(!hello.contains(DeepDheSuite));
    }
    for (const QString& name : hello) {
        const QSslCipher cipher(name);
        QVERIFY2(!cipher.isNull(), qPrintable(name));
        QVERIFY2(!forwardSecretOnly || describedAsForwardSecret(cipher), qPrintable(name));
        QVERIFY2(protocol != QSsl::TlsV1_3OrLater || cipher.protocol() == QSsl::TlsV1_3,
                 qPrintable(name));
    }
}

void TestTlsPolicy::preferenceOrder()
{
    const QStringList offered = names(policyFor(LatchSet()).ciphers());

    const qsizetype firstTls12 = offered.indexOf(QStringLiteral("ECDHE-ECDSA-AES256-GCM-SHA384"));
    QVERIFY(firstTls12 > 0);
    for (qsizetype i = 0; i < firstTls12; ++i) {
        QVERIFY2(offered.at(i).startsWith(QLatin1String("TLS_")), qPrintable(offered.at(i)));
    }

    // Forward-secret AEAD first; DEEP 5.2's order between its two suites.
    QVERIFY(offered.indexOf(QStringLiteral("ECDHE-RSA-AES128-GCM-SHA256")) <
            offered.indexOf(QStringLiteral("ECDHE-RSA-AES128-SHA")));
    QVERIFY(offered.indexOf(QStringLiteral("DHE-RSA-AES128-GCM-SHA256")) <
            offered.indexOf(QStringLiteral("AES128-GCM-SHA256")));
    QVERIFY(offered.indexOf(DeepDheSuite) < offered.indexOf(DeepRsaSuite));
}

void TestTlsPolicy::baseConfigurationPreserved()
{
    QString error;
    const QSslCertificate ca = LatchmailTest::makeSelfSignedCertificate(
        m_directory.path(), QStringLiteral("/CN=Latchmail Test CA"), QString(), &error);
    QVERIFY2(!ca.isNull(), qPrintable(error));

    QSslConfiguration base = QSslConfiguration::defaultConfiguration();
    base.setCaCertificates({ca});
    base.setPeerVerifyMode(QSslSocket::VerifyPeer);
    base.setProtocol(QSsl::TlsV1_2);
    base.setCiphers({QSslCipher(DeepRsaSuite)});
    base.setBackendConfigurationOption(QByteArrayLiteral("MinProtocol"),
                                       QByteArrayLiteral("TLSv1.2"));

    const QSslConfiguration configuration =
        policyFor(LatchSet{LatchToken::Tls10, LatchToken::TlsPfs}, base);
    QCOMPARE(configuration.caCertificates(), QList<QSslCertificate>{ca});
    QCOMPARE(configuration.peerVerifyMode(), QSslSocket::VerifyPeer);
    QCOMPARE(configuration.backendConfiguration().value(QByteArrayLiteral("MinProtocol")),
             QVariant(QByteArrayLiteral("TLSv1.2")));

    // The latches decide protocol and suites, whatever the base said.
    QCOMPARE(configuration.protocol(), QSsl::TlsV1_2OrLater);
    QVERIFY(!names(configuration.ciphers()).contains(DeepRsaSuite));
    QVERIFY(configuration.ciphers().size() > 1);
}

QTEST_GUILESS_MAIN(TestTlsPolicy)
#include "tst_tlspolicy.moc"
