// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/ciphersuites.h"
#include "opensslcli.h"

#include <QHash>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QTest>

#include <thread>
#include <vector>

using namespace Latchmail;

class TestCipherSuites : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void concurrentFirstUse();
    void ianaNames_data();
    void ianaNames();
    void everySuiteMatchesOpenSslTool();
    void unknownNames_data();
    void unknownNames();
    void factsOfSupportedSuites_data();
    void factsOfSupportedSuites();
    void factsAgreeWithQtDescription();
    void factsOfSuitesQtCannotUse_data();
    void factsOfSuitesQtCannotUse();
    void nullCipher();

private:
    QHash<QString, QString> m_toolIanaByOpenSsl; // from `openssl ciphers -stdname`
};

// `openssl ciphers -stdname` prints "IANA-NAME - OPENSSL-NAME VERSION Kx=… Au=… Enc=… Mac=…".
void TestCipherSuites::initTestCase()
{
    QString error;
    const QByteArray output =
        LatchmailTest::runOpenSsl({QStringLiteral("ciphers"), QStringLiteral("-stdname"),
                                   QStringLiteral("ALL:COMPLEMENTOFALL:@SECLEVEL=0")},
                                  &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    for (const QByteArray& line : output.split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() < 3) {
            continue;
        }
        QCOMPARE(fields.at(1), QByteArray("-"));
        m_toolIanaByOpenSsl.insert(QString::fromLatin1(fields.at(2)),
                                   QString::fromLatin1(fields.at(0)));
    }
    QVERIFY2(m_toolIanaByOpenSsl.size() > 50, qPrintable(QString::fromLatin1(output)));
}

void TestCipherSuites::ianaNames_data()
{
    QTest::addColumn<QString>("openSsl");
    QTest::addColumn<QString>("iana");

    QTest::newRow("deep-aes128-sha")
        << QStringLiteral("AES128-SHA") << QStringLiteral("TLS_RSA_WITH_AES_128_CBC_SHA");
    QTest::newRow("deep-dhe-rsa-aes128-sha") << QStringLiteral("DHE-RSA-AES128-SHA")
                                             << QStringLiteral("TLS_DHE_RSA_WITH_AES_128_CBC_SHA");
    QTest::newRow("ecdhe-rsa-aes256-gcm-sha384")
        << QStringLiteral("ECDHE-RSA-AES256-GCM-SHA384")
        << QStringLiteral("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    QTest::newRow("ecdhe-ecdsa-chacha20")
        << QStringLiteral("ECDHE-ECDSA-CHACHA20-POLY1305")
        << QStringLiteral("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
    QTest::newRow("tls13-aes128-gcm-unchanged")
        << QStringLiteral("TLS_AES_128_GCM_SHA256") << QStringLiteral("TLS_AES_128_GCM_SHA256");
    QTest::newRow("tls13-aes256-gcm-unchanged")
        << QStringLiteral("TLS_AES_256_GCM_SHA384") << QStringLiteral("TLS_AES_256_GCM_SHA384");
}

void TestCipherSuites::ianaNames()
{
    QFETCH(QString, openSsl);
    QFETCH(QString, iana);

    QCOMPARE(m_toolIanaByOpenSsl.value(openSsl), iana);
    QCOMPARE(ianaCipherName(openSsl), iana);
    QCOMPARE(openSslCipherName(iana), openSsl);
}

void TestCipherSuites::everySuiteMatchesOpenSslTool()
{
    for (auto it = m_toolIanaByOpenSsl.cbegin(); it != m_toolIanaByOpenSsl.cend(); ++it) {
        QCOMPARE(ianaCipherName(it.key()), it.value());
        QCOMPARE(openSslCipherName(it.value()), it.key());
    }
}

void TestCipherSuites::unknownNames_data()
{
    QTest::addColumn<QString>("name");

    QTest::newRow("empty") << QString();
    QTest::newRow("made-up") << QStringLiteral("NOT-A-CIPHER");
    QTest::newRow("lower-case-openssl-name") << QStringLiteral("aes128-sha");
    QTest::newRow("rc4-md5-not-compiled-in") << QStringLiteral("RC4-MD5");
    QTest::newRow("cipher-string-keyword") << QStringLiteral("ALL");
}

void TestCipherSuites::unknownNames()
{
    QFETCH(QString, name);

    QCOMPARE(ianaCipherName(name), QString());
    QCOMPARE(openSslCipherName(name), QString());
    QVERIFY(!m_toolIanaByOpenSsl.contains(name));
}

void TestCipherSuites::factsOfSupportedSuites_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("iana");
    QTest::addColumn<int>("keyBits");
    QTest::addColumn<bool>("forwardSecrecy");

    QTest::newRow("deep-aes128-sha-rsa-key-transport")
        << QStringLiteral("AES128-SHA") << QStringLiteral("TLS_RSA_WITH_AES_128_CBC_SHA") << 128
        << false;
    QTest::newRow("deep-dhe-rsa-aes128-sha")
        << QStringLiteral("DHE-RSA-AES128-SHA")
        << QStringLiteral("TLS_DHE_RSA_WITH_AES_128_CBC_SHA") << 128 << true;
    QTest::newRow("ecdhe-rsa-aes256-gcm")
        << QStringLiteral("ECDHE-RSA-AES256-GCM-SHA384")
        << QStringLiteral("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384") << 256 << true;
    QTest::newRow("rsa-aes256-gcm")
        << QStringLiteral("AES256-GCM-SHA384") << QStringLiteral("TLS_RSA_WITH_AES_256_GCM_SHA384")
        << 256 << false;
    QTest::newRow("tls13-aes128-gcm") << QStringLiteral("TLS_AES_128_GCM_SHA256")
                                      << QStringLiteral("TLS_AES_128_GCM_SHA256") << 128 << true;
    QTest::newRow("tls13-chacha20")
        << QStringLiteral("TLS_CHACHA20_POLY1305_SHA256")
        << QStringLiteral("TLS_CHACHA20_POLY1305_SHA256") << 256 << true;
    QTest::newRow("dhe-psk-is-ephemeral")
        << QStringLiteral("DHE-PSK-AES128-GCM-SHA256")
        << QStringLiteral("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256") << 128 << true;
    QTest::newRow("plain-psk-is-not")
        << QStringLiteral("PSK-AES128-GCM-SHA256")
        << QStringLiteral("TLS_PSK_WITH_AES_128_GCM_SHA256") << 128 << false;
}

void TestCipherSuites::factsOfSupportedSuites()
{
    QFETCH(QString, name);
    QFETCH(QString, iana);
    QFETCH(int, keyBits);
    QFETCH(bool, forwardSecrecy);

    const QSslCipher cipher(name);
    QVERIFY2(!cipher.isNull(), qPrintable(name));
    const CipherFacts facts = cipherFacts(cipher);
    QCOMPARE(facts.openSsl, name);
    QCOMPARE(facts.iana, iana);
    QCOMPARE(facts.keyBits, keyBits);
    QCOMPARE(facts.forwardSecrecy, forwardSecrecy);
    QVERIFY(!facts.usesMd5);
    QVERIFY(!facts.usesRc4);
}

// Every suite Qt can use: OpenSSL's key-exchange identifiers agree with the key-exchange text of
// Qt's description (in OpenSSL 3 "DH"/"ECDH" are always ephemeral).
void TestCipherSuites::factsAgreeWithQtDescription()
{
    static const QStringList ephemeral{QStringLiteral("ECDH"), QStringLiteral("DH"),
                                       QStringLiteral("ECDHEPSK"), QStringLiteral("DHEPSK")};
    const QList<QSslCipher> supported = QSslConfiguration::supportedCiphers();
    QVERIFY(!supported.isEmpty());

    for (const QSslCipher& cipher : supported) {
        const CipherFacts facts = cipherFacts(cipher);
        const bool expectedForwardSecrecy =
            cipher.protocol() == QSsl::TlsV1_3 || ephemeral.contains(cipher.keyExchangeMethod());
        QVERIFY2(facts.forwardSecrecy == expectedForwardSecrecy, qPrintable(cipher.name()));
        QCOMPARE(facts.iana, m_toolIanaByOpenSsl.value(cipher.name()));
        QCOMPARE(facts.keyBits, cipher.usedBits());
        QCOMPARE(facts.usesRc4, cipher.encryptionMethod().startsWith(QLatin1String("RC4")));
    }
}

void TestCipherSuites::factsOfSuitesQtCannotUse_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("keyBits");
    QTest::addColumn<bool>("md5");
    QTest::addColumn<bool>("rc4");

    // Not compiled into this OpenSSL at all: recognised by name, never called forward secret.
    QTest::newRow("imap-mandatory-rc4-md5") << QStringLiteral("RC4-MD5") << 128 << true << true;
    QTest::newRow("export-rc4-md5") << QStringLiteral("EXP-RC4-MD5") << 40 << true << true;
    QTest::newRow("rc4-sha") << QStringLiteral("RC4-SHA") << 128 << false << true;
    QTest::newRow("ecdhe-rc4-sha") << QStringLiteral("ECDHE-RSA-RC4-SHA") << 128 << false << true;
    QTest::newRow("des-cbc3-sha") << QStringLiteral("DES-CBC3-SHA") << 112 << false << false;
    // Known to OpenSSL but outside Qt's supported list (no encryption).
    QTest::newRow("null-md5") << QStringLiteral("NULL-MD5") << 0 << true << false;
    QTest::newRow("null-sha256") << QStringLiteral("NULL-SHA256") << 0 << false << false;
    QTest::newRow("ecdhe-null-sha") << QStringLiteral("ECDHE-RSA-NULL-SHA") << 0 << false << false;
}

void TestCipherSuites::factsOfSuitesQtCannotUse()
{
    QFETCH(QString, name);
    QFETCH(int, keyBits);
    QFETCH(bool, md5);
    QFETCH(bool, rc4);

    QVERIFY(QSslCipher(name).isNull());
    const CipherFacts facts = cipherFacts(name, keyBits);
    QCOMPARE(facts.openSsl, name);
    QCOMPARE(facts.iana, m_toolIanaByOpenSsl.value(name));
    QCOMPARE(facts.keyBits, keyBits);
    QCOMPARE(facts.usesMd5, md5);
    QCOMPARE(facts.usesRc4, rc4);
    QCOMPARE(facts.forwardSecrecy,
             name.startsWith(QLatin1String("ECDHE-")) && !facts.iana.isEmpty());
}

void TestCipherSuites::nullCipher()
{
    const CipherFacts facts = cipherFacts(QSslCipher());
    QCOMPARE(facts, CipherFacts());
}

// The name table is built on first use; several threads may get there at once.
void TestCipherSuites::concurrentFirstUse()
{
    std::vector<QString> results(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < results.size(); ++i) {
        threads.emplace_back(
            [&results, i] { results[i] = ianaCipherName(QStringLiteral("DHE-RSA-AES128-SHA")); });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    for (const QString& result : results) {
        QCOMPARE(result, QStringLiteral("TLS_DHE_RSA_WITH_AES_128_CBC_SHA"));
    }
}

QTEST_GUILESS_MAIN(TestCipherSuites)
#include "tst_ciphersuites.moc"
