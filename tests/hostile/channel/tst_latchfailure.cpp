// SPDX-License-Identifier: GPL-3.0-or-later
// What the user reads when a server falls below its latches (DEEP 3.3), and which channel
// errors count as security refusals (exit status 3).
#include "core/latchfailure.h"

#include <QTest>

using namespace Latchmail;

namespace {

TlsObservation tls12WithoutPfs()
{
    TlsObservation observation;
    observation.transport = TransportSecurity::ImplicitTls;
    observation.protocol = TlsVersion::Tls12;
    observation.cipherIana = QStringLiteral("TLS_RSA_WITH_AES_128_CBC_SHA");
    observation.cipherOpenSsl = QStringLiteral("AES128-SHA");
    observation.keyBits = 128;
    observation.certificateVerified = false;
    observation.verificationErrors = {
        QStringLiteral("The certificate is self-signed, and untrusted")};
    return observation;
}

const LatchSet everything{QStringLiteral("tls10"),     QStringLiteral("tls11"),
                          QStringLiteral("tls12"),     QStringLiteral("tls13"),
                          QStringLiteral("tls-cert"),  QStringLiteral("tls-nomd5"),
                          QStringLiteral("tls-norc4"), QStringLiteral("tls-pfs")};

} // namespace

class tst_LatchFailure : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void userMessage_data();
    void userMessage();
    void securityRefusal_data();
    void securityRefusal();
};

void tst_LatchFailure::userMessage_data()
{
    QTest::addColumn<int>("service");
    QTest::addColumn<QStringList>("failed");
    QTest::addColumn<bool>("handshakeRefused");
    QTest::addColumn<bool>("observed");
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QStringList>("mustContain");
    QTest::addColumn<QStringList>("mustNotContain");

    const QStringList always{
        QStringLiteral("mail.example.com"),
        QStringLiteral("port 993"),
        QStringLiteral("Until now this server always provided TLS 1.3, a verified certificate, "
                       "a cipher suite without MD5, a cipher suite without RC4 and forward "
                       "secrecy."),
        QStringLiteral("Nothing was sent to the server: no password and no message."),
        QStringLiteral("someone is interfering"),
    };

    QTest::newRow("imap-fell-to-tls12")
        << int(Service::MessageAccess)
        << QStringList{QStringLiteral("tls13"), QStringLiteral("tls-cert"),
                       QStringLiteral("tls-pfs")}
        << false << true << QStringLiteral("Example Mail")
        << always + QStringList{QStringLiteral("incoming mail server (IMAP)"),
                                QStringLiteral("did not provide TLS 1.3, a verified certificate or "
                                               "forward secrecy."),
                                QStringLiteral("It offered TLS 1.2 with the cipher suite "
                                               "TLS_RSA_WITH_AES_128_CBC_SHA (128-bit key, without "
                                               "forward secrecy)"),
                                QStringLiteral("The certificate is self-signed, and untrusted"),
                                QStringLiteral("contact Example Mail, your email service provider")}
        << QStringList{QStringLiteral("second connection")};
    QTest::newRow("handshake-refused")
        << int(Service::MessageAccess) << QStringList{QStringLiteral("tls13")} << true << true
        << QString()
        << always + QStringList{QStringLiteral("did not provide TLS 1.3."),
                                QStringLiteral("It refused a connection with these protections"),
                                QStringLiteral("now offers TLS 1.2"),
                                QStringLiteral("contact your email service provider")}
        << QStringList{QStringLiteral("It offered")};
    QTest::newRow("submission-no-observation")
        << int(Service::MessageSubmission) << QStringList{QStringLiteral("tls-pfs")} << true
        << false << QString()
        << QStringList{QStringLiteral("outgoing mail server (submission)"),
                       QStringLiteral("did not provide forward secrecy."),
                       QStringLiteral("did not complete a secure connection"),
                       QStringLiteral("no password and no message")}
        << QStringList{QStringLiteral("It offered"), QStringLiteral("now offers")};
    QTest::newRow("unknown-latch")
        << int(Service::MessageAccess) << QStringList{QStringLiteral("tls-dane-tlsa")} << false
        << true << QString()
        << QStringList{QStringLiteral("the security property \u201ctls-dane-tlsa\u201d, which this "
                                      "version of Latchmail cannot check")}
        << QStringList();
}

void tst_LatchFailure::userMessage()
{
    QFETCH(int, service);
    QFETCH(QStringList, failed);
    QFETCH(bool, handshakeRefused);
    QFETCH(bool, observed);
    QFETCH(QString, provider);
    QFETCH(QStringList, mustContain);
    QFETCH(QStringList, mustNotContain);

    LatchFailure failure;
    failure.service = Service(service);
    failure.host = QStringLiteral("mail.example.com");
    failure.port = 993;
    failure.required = everything.united(LatchSet::fromList(failed));
    failure.failed = LatchSet::fromList(failed);
    failure.handshakeRefused = handshakeRefused;
    if (observed) {
        failure.observation = tls12WithoutPfs();
    }

    const QString message = failure.userMessage(provider);
    for (const QString& text : mustContain) {
        QVERIFY2(message.contains(text), qPrintable(text + QStringLiteral(" not in:\n") + message));
    }
    for (const QString& text : mustNotContain) {
        QVERIFY2(!message.contains(text), qPrintable(text + QStringLiteral(" in:\n") + message));
    }
}

void tst_LatchFailure::securityRefusal_data()
{
    QTest::addColumn<ChannelError::Kind>("kind");
    QTest::addColumn<bool>("refusal");

    QTest::newRow("network") << ChannelError::Kind::Network << false;
    QTest::newRow("timeout") << ChannelError::Kind::Timeout << false;
    QTest::newRow("tls") << ChannelError::Kind::Tls << false;
    QTest::newRow("starttls-refused") << ChannelError::Kind::StartTlsRefused << true;
    QTest::newRow("plaintext-injection") << ChannelError::Kind::PlaintextInjection << true;
    QTest::newRow("cleartext-refused") << ChannelError::Kind::CleartextRefused << true;
    QTest::newRow("protocol") << ChannelError::Kind::Protocol << false;
}

void tst_LatchFailure::securityRefusal()
{
    QFETCH(ChannelError::Kind, kind);
    QFETCH(bool, refusal);

    const ChannelError error{kind, QString()};
    QCOMPARE(error.isSecurityRefusal(), refusal);
}

QTEST_GUILESS_MAIN(tst_LatchFailure)
#include "tst_latchfailure.moc"
