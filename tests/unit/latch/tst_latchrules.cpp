// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/ciphersuites.h"
#include "core/latchrules.h"
#include "latchprinting.h"

#include <QSslCipher>
#include <QTest>

using namespace Latchmail;

namespace {

// The facts of one negotiated session, as the secure channel would record them.
struct Session
{
    TransportSecurity transport = TransportSecurity::ImplicitTls;
    TlsVersion protocol = TlsVersion::Tls12;
    QString cipher; // OpenSSL name, for the reader of the table
    int keyBits = 128;
    bool forwardSecrecy = false;
    bool md5 = false;
    bool rc4 = false;
    bool verified = false;

    [[nodiscard]] TlsObservation observation() const
    {
        TlsObservation result;
        result.transport = transport;
        result.protocol = protocol;
        result.cipherOpenSsl = cipher;
        result.keyBits = keyBits;
        result.forwardSecrecy = forwardSecrecy;
        result.cipherUsesMd5 = md5;
        result.cipherUsesRc4 = rc4;
        result.certificateVerified = verified;
        return result;
    }
};

Session dheRsaAes128Sha()
{
    return {TransportSecurity::StartTls,
            TlsVersion::Tls12,
            QStringLiteral("DHE-RSA-AES128-SHA"),
            128,
            true,
            false,
            false,
            false};
}

Session rsaAes128Sha()
{
    return {TransportSecurity::ImplicitTls,
            TlsVersion::Tls12,
            QStringLiteral("AES128-SHA"),
            128,
            false,
            false,
            false,
            false};
}

Session tls13Aes128Gcm(bool verified)
{
    return {TransportSecurity::ImplicitTls,
            TlsVersion::Tls13,
            QStringLiteral("TLS_AES_128_GCM_SHA256"),
            128,
            true,
            false,
            false,
            verified};
}

Session ecdheRsaAes128GcmTls12(bool verified)
{
    return {TransportSecurity::ImplicitTls,
            TlsVersion::Tls12,
            QStringLiteral("ECDHE-RSA-AES128-GCM-SHA256"),
            128,
            true,
            false,
            false,
            verified};
}

Session with(Session session, TlsVersion protocol)
{
    session.protocol = protocol;
    return session;
}

LatchSet latches(const char* tokens)
{
    return LatchSet::fromList(QString::fromLatin1(tokens).split(u' ', Qt::SkipEmptyParts));
}

} // namespace

Q_DECLARE_METATYPE(Session)

class TestLatchRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void earnedLatches_data();
    void earnedLatches();
    void earnedFromNegotiatedSuite_data();
    void earnedFromNegotiatedSuite();
    void violatedLatches_data();
    void violatedLatches();
};

void TestLatchRules::earnedLatches_data()
{
    QTest::addColumn<Session>("session");
    QTest::addColumn<LatchSet>("expected");

    // DEEP 5.3 cases.
    QTest::newRow("deep-dhe-rsa-aes128-sha-tls12")
        << dheRsaAes128Sha() << latches("tls10 tls11 tls12 tls-nomd5 tls-norc4 tls-pfs");
    QTest::newRow("deep-aes128-sha-tls12-no-pfs")
        << rsaAes128Sha() << latches("tls10 tls11 tls12 tls-nomd5 tls-norc4");
    QTest::newRow("tls12-earns-no-tls13")
        << ecdheRsaAes128GcmTls12(true)
        << latches("tls10 tls11 tls12 tls-cert tls-nomd5 tls-norc4 tls-pfs");
    QTest::newRow("tls13-aes128-gcm-verified-earns-all")
        << tls13Aes128Gcm(true)
        << latches("tls10 tls11 tls12 tls13 tls-cert tls-nomd5 tls-norc4 tls-pfs");
    QTest::newRow("tls13-unverified-no-tls-cert")
        << tls13Aes128Gcm(false) << latches("tls10 tls11 tls12 tls13 tls-nomd5 tls-norc4 tls-pfs");
    QTest::newRow("expired-certificate-still-tls10")
        << ecdheRsaAes128GcmTls12(false)
        << latches("tls10 tls11 tls12 tls-nomd5 tls-norc4 tls-pfs");
    QTest::newRow("self-signed-starttls-still-tls10")
        << Session{TransportSecurity::StartTls,
                   TlsVersion::Tls12,
                   QStringLiteral("AES256-SHA"),
                   256,
                   false,
                   false,
                   false,
                   false}
        << latches("tls10 tls11 tls12 tls-nomd5 tls-norc4");
    QTest::newRow("tls11-aes128-sha")
        << with(rsaAes128Sha(), TlsVersion::Tls11) << latches("tls10 tls11 tls-nomd5 tls-norc4");
    QTest::newRow("tls10-dhe-rsa-aes128-sha") << with(dheRsaAes128Sha(), TlsVersion::Tls10)
                                              << latches("tls10 tls-nomd5 tls-norc4 tls-pfs");
    QTest::newRow("rc4-md5-128-bit-earns-only-tls10") << Session{TransportSecurity::ImplicitTls,
                                                                 TlsVersion::Tls10,
                                                                 QStringLiteral("RC4-MD5"),
                                                                 128,
                                                                 false,
                                                                 true,
                                                                 true,
                                                                 true}
                                                      << latches("tls10 tls-cert");
    QTest::newRow("rc4-sha-earns-nomd5") << Session{TransportSecurity::ImplicitTls,
                                                    TlsVersion::Tls10,
                                                    QStringLiteral("RC4-SHA"),
                                                    128,
                                                    false,
                                                    false,
                                                    true,
                                                    false}
                                         << latches("tls10 tls-nomd5");

    // Nothing below 128 bits, nothing without encryption, nothing for an unnamed version.
    QTest::newRow("des-56-bit-key-earns-nothing") << Session{TransportSecurity::ImplicitTls,
                                                             TlsVersion::Tls10,
                                                             QStringLiteral("DES-CBC-SHA"),
                                                             56,
                                                             false,
                                                             false,
                                                             false,
                                                             true}
                                                  << LatchSet();
    QTest::newRow("export-40-bit-key-earns-nothing")
        << Session{TransportSecurity::ImplicitTls,
                   TlsVersion::Tls10,
                   QStringLiteral("EXP-EDH-RSA-DES-CBC-SHA"),
                   40,
                   true,
                   false,
                   false,
                   true}
        << LatchSet();
    QTest::newRow("127-bit-key-earns-nothing") << Session{TransportSecurity::ImplicitTls,
                                                          TlsVersion::Tls13,
                                                          QString(),
                                                          127,
                                                          true,
                                                          false,
                                                          false,
                                                          true}
                                               << LatchSet();
    QTest::newRow("null-cipher-earns-nothing") << Session{TransportSecurity::ImplicitTls,
                                                          TlsVersion::Tls12,
                                                          QStringLiteral("NULL-SHA256"),
                                                          0,
                                                          false,
                                                          false,
                                                          false,
                                                          true}
                                               << LatchSet();
    QTest::newRow("cleartext-earns-nothing") << Session{TransportSecurity::Cleartext,
                                                        TlsVersion::None,
                                                        QString(),
                                                        0,
                                                        false,
                                                        false,
                                                        false,
                                                        false}
                                             << LatchSet();
    QTest::newRow("cleartext-with-stray-tls-facts-earns-nothing")
        << Session{TransportSecurity::Cleartext,
                   TlsVersion::Tls13,
                   QStringLiteral("TLS_AES_128_GCM_SHA256"),
                   128,
                   true,
                   false,
                   false,
                   true}
        << LatchSet();
    QTest::newRow("unknown-version-earns-nothing")
        << with(tls13Aes128Gcm(true), TlsVersion::Unknown) << LatchSet();
    QTest::newRow("no-version-earns-nothing")
        << with(tls13Aes128Gcm(true), TlsVersion::None) << LatchSet();
}

void TestLatchRules::earnedLatches()
{
    QFETCH(Session, session);
    QFETCH(LatchSet, expected);

    const LatchSet result = earned(session.observation());
    QCOMPARE(result, expected);
    QVERIFY(result.unknownTokens().isEmpty());
    QCOMPARE(violations(result, session.observation()), LatchSet());
}

void TestLatchRules::earnedFromNegotiatedSuite_data()
{
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<TlsVersion>("protocol");
    QTest::addColumn<LatchSet>("expected");

    QTest::newRow("deep-dhe-rsa-aes128-sha")
        << QStringLiteral("DHE-RSA-AES128-SHA") << TlsVersion::Tls12
        << latches("tls10 tls11 tls12 tls-nomd5 tls-norc4 tls-pfs");
    QTest::newRow("deep-aes128-sha") << QStringLiteral("AES128-SHA") << TlsVersion::Tls12
                                     << latches("tls10 tls11 tls12 tls-nomd5 tls-norc4");
    QTest::newRow("tls13-aes128-gcm")
        << QStringLiteral("TLS_AES_128_GCM_SHA256") << TlsVersion::Tls13
        << latches("tls10 tls11 tls12 tls13 tls-nomd5 tls-norc4 tls-pfs");
    QTest::newRow("ecdhe-rsa-aes256-gcm")
        << QStringLiteral("ECDHE-RSA-AES256-GCM-SHA384") << TlsVersion::Tls12
        << latches("tls10 tls11 tls12 tls-nomd5 tls-norc4 tls-pfs");
}

// The same rules fed with what cipherFacts() reports for the real suite.
void TestLatchRules::earnedFromNegotiatedSuite()
{
    QFETCH(QString, cipher);
    QFETCH(TlsVersion, protocol);
    QFETCH(LatchSet, expected);

    const QSslCipher suite(cipher);
    QVERIFY2(!suite.isNull(), qPrintable(cipher));
    const CipherFacts facts = cipherFacts(suite);

    TlsObservation observation;
    observation.transport = TransportSecurity::StartTls;
    observation.protocol = protocol;
    observation.cipherIana = facts.iana;
    observation.cipherOpenSsl = facts.openSsl;
    observation.keyBits = facts.keyBits;
    observation.forwardSecrecy = facts.forwardSecrecy;
    observation.cipherUsesMd5 = facts.usesMd5;
    observation.cipherUsesRc4 = facts.usesRc4;
    QCOMPARE(earned(observation), expected);
}

void TestLatchRules::violatedLatches_data()
{
    QTest::addColumn<LatchSet>("required");
    QTest::addColumn<Session>("session");
    QTest::addColumn<LatchSet>("expected");

    QTest::newRow("nothing-required") << LatchSet() << rsaAes128Sha() << LatchSet();
    QTest::newRow("pfs-required-vs-aes128-sha")
        << latches("tls10 tls12 tls-pfs") << rsaAes128Sha() << latches("tls-pfs");
    QTest::newRow("pfs-required-vs-dhe-rsa-aes128-sha")
        << latches("tls10 tls12 tls-pfs tls-nomd5 tls-norc4") << dheRsaAes128Sha() << LatchSet();
    QTest::newRow("tls13-required-vs-tls12")
        << latches("tls10 tls12 tls13") << ecdheRsaAes128GcmTls12(true) << latches("tls13");
    QTest::newRow("tls12-required-vs-tls11")
        << latches("tls10 tls11 tls12") << with(rsaAes128Sha(), TlsVersion::Tls11)
        << latches("tls12");
    QTest::newRow("tls-cert-required-vs-unverified")
        << latches("tls10 tls-cert") << ecdheRsaAes128GcmTls12(false) << latches("tls-cert");
    QTest::newRow("tls-cert-required-vs-verified")
        << latches("tls10 tls-cert") << ecdheRsaAes128GcmTls12(true) << LatchSet();
    QTest::newRow("unknown-tls-dane-tlsa-always-violated")
        << latches("tls10 tls-dane-tlsa") << tls13Aes128Gcm(true) << latches("tls-dane-tlsa");
    QTest::newRow("unknown-future-token-always-violated")
        << latches("x-future") << tls13Aes128Gcm(true) << latches("x-future");
    QTest::newRow("md5-and-rc4-latched-vs-rc4-md5") << latches("tls10 tls-nomd5 tls-norc4")
                                                    << Session{TransportSecurity::ImplicitTls,
                                                               TlsVersion::Tls10,
                                                               QStringLiteral("RC4-MD5"),
                                                               128,
                                                               false,
                                                               true,
                                                               true,
                                                               false}
                                                    << latches("tls-nomd5 tls-norc4");
    QTest::newRow("tls10-required-vs-weak-key") << latches("tls10 tls-nomd5")
                                                << Session{TransportSecurity::ImplicitTls,
                                                           TlsVersion::Tls12,
                                                           QStringLiteral("DES-CBC-SHA"),
                                                           56,
                                                           false,
                                                           false,
                                                           false,
                                                           false}
                                                << latches("tls10 tls-nomd5");
    QTest::newRow("everything-required-vs-cleartext")
        << LatchSet::fromList(knownLatches()) << Session{TransportSecurity::Cleartext,
                                                         TlsVersion::None,
                                                         QString(),
                                                         0,
                                                         false,
                                                         false,
                                                         false,
                                                         false}
        << LatchSet::fromList(knownLatches());
    QTest::newRow("everything-known-met-by-verified-tls13")
        << LatchSet::fromList(knownLatches()) << tls13Aes128Gcm(true) << LatchSet();
}

void TestLatchRules::violatedLatches()
{
    QFETCH(LatchSet, required);
    QFETCH(Session, session);
    QFETCH(LatchSet, expected);

    const LatchSet failed = violations(required, session.observation());
    QCOMPARE(failed, expected);

    // A violation is always something that was required.
    QCOMPARE(failed.subtracted(required), LatchSet());
}

QTEST_GUILESS_MAIN(TestLatchRules)
#include "tst_latchrules.moc"
