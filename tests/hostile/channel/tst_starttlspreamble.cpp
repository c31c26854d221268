// SPDX-License-Identifier: GPL-3.0-or-later
// STARTTLS against scripted IMAP and SMTP servers: missing, refused and garbled STARTTLS,
// plaintext injection after the reply, PREAUTH, broken greetings. Every row checks the exact
// bytes the server received and that no TLS handshake started where none belonged.
#include "channeloutcome.h"
#include "scriptedserver.h"

#include "core/securechannel.h"
#include "core/starttlspreamble.h"
#include "tests/support/testcertificates.h"

#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

Q_DECLARE_METATYPE(Latchmail::Test::Script)

namespace {

Script imapScript(const QByteArray& greeting, const QList<ScriptStep>& steps)
{
    Script script;
    script.greeting = greeting;
    script.steps = steps;
    script.imapTags = true;
    script.certificateFile = TestCertificates::shared().certificateFile(CertVariant::CaSigned);
    script.keyFile = TestCertificates::shared().keyFile(CertVariant::CaSigned);
    return script;
}

Script smtpScript(const QByteArray& greeting, const QList<ScriptStep>& steps)
{
    Script script = imapScript(greeting, steps);
    script.imapTags = false;
    return script;
}

const QByteArray imapGreeting = "* OK IMAP4rev1 server ready\r\n";
const ScriptStep imapCapabilityWithStartTls{
    "CAPABILITY", "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n%TAG% OK done\r\n"};
const ScriptStep imapCapabilityWithoutStartTls{
    "CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n%TAG% OK done\r\n"};
const QByteArray imapCommands = "A1 CAPABILITY\r\nA2 STARTTLS\r\n";

const QByteArray smtpGreeting = "220 mx.example.test ESMTP\r\n";
const ScriptStep smtpEhloWithStartTls{
    "EHLO", "250-mx.example.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"};
const QByteArray smtpCommands = "EHLO [127.0.0.1]\r\nSTARTTLS\r\n";

} // namespace

class tst_StartTlsPreamble : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exchange_data();
    void exchange();
};

void tst_StartTlsPreamble::initTestCase()
{
    QVERIFY2(TestCertificates::shared().isValid(),
             qPrintable(TestCertificates::shared().errorString()));
}

void tst_StartTlsPreamble::exchange_data()
{
    QTest::addColumn<Script>("script");
    QTest::addColumn<bool>("smtp");
    QTest::addColumn<bool>("allowCleartext");
    QTest::addColumn<QStringList>("required");
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<QByteArray>("received"); // every byte the server received in plaintext

    const QStringList none;
    const QStringList tls10{QStringLiteral("tls10")};

    // IMAP (RFC 3501 section 6.2.1)
    QTest::newRow("imap-starttls-accepted")
        << imapScript(imapGreeting,
                      {imapCapabilityWithStartTls, {"STARTTLS", "%TAG% OK begin TLS\r\n", true}})
        << false << false << none << "secured" << imapCommands;
    QTest::newRow("imap-starttls-in-greeting-capability")
        << imapScript("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n",
                      {{"STARTTLS", "%TAG% OK begin TLS\r\n", true}})
        << false << false << none << "secured" << QByteArray("A1 STARTTLS\r\n");
    QTest::newRow("imap-untagged-before-ok-ignored")
        << imapScript(imapGreeting,
                      {imapCapabilityWithStartTls,
                       {"STARTTLS", "* OK [ALERT] read this\r\n%TAG% OK begin TLS\r\n", true}})
        << false << false << none << "secured" << imapCommands;
    QTest::newRow("imap-starttls-not-advertised")
        << imapScript(imapGreeting, {imapCapabilityWithoutStartTls}) << false << false << none
        << "starttls-refused" << QByteArray("A1 CAPABILITY\r\n");
    QTest::newRow("imap-starttls-not-advertised-in-greeting")
        << imapScript("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n", {}) << false << false
        << none << "starttls-refused" << QByteArray();
    QTest::newRow("imap-starttls-no")
        << imapScript(imapGreeting,
                      {imapCapabilityWithStartTls, {"STARTTLS", "%TAG% NO not now\r\n"}})
        << false << false << none << "starttls-refused" << imapCommands;
    QTest::newRow("imap-starttls-bad")
        << imapScript(imapGreeting,
                      {imapCapabilityWithStartTls, {"STARTTLS", "%TAG% BAD unknown\r\n"}})
        << false << false << none << "starttls-refused" << imapCommands;
    QTest::newRow("imap-starttls-garbled")
        << imapScript(imapGreeting, {imapCapabilityWithStartTls, {"STARTTLS", "+ go on\r\n"}})
        << false << false << none << "starttls-refused" << imapCommands;
    QTest::newRow("imap-starttls-wrong-tag")
        << imapScript(imapGreeting, {imapCapabilityWithStartTls, {"STARTTLS", "A9 OK\r\n"}})
        << false << false << none << "starttls-refused" << imapCommands;
    QTest::newRow("imap-injection-after-ok")
        << imapScript(imapGreeting,
                      {imapCapabilityWithStartTls,
                       {"STARTTLS", "%TAG% OK begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"}})
        << false << false << none << "plaintext-injection" << imapCommands;
    QTest::newRow("imap-injection-tagged-after-ok")
        << imapScript(imapGreeting, {imapCapabilityWithStartTls,
                                     {"STARTTLS", "%TAG% OK begin TLS\r\nA3 OK LOGIN done\r\n"}})
        << false << false << none << "plaintext-injection" << imapCommands;
    QTest::newRow("imap-injection-partial-line-after-ok")
        << imapScript(imapGreeting,
                      {imapCapabilityWithStartTls, {"STARTTLS", "%TAG% OK begin TLS\r\n*"}})
        << false << false << none << "plaintext-injection" << imapCommands;
    QTest::newRow("imap-preauth-greeting")
        << imapScript("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\r\n", {}) << false << false
        << none << "starttls-refused" << QByteArray();
    QTest::newRow("imap-bye-greeting") << imapScript("* BYE go away\r\n", {}) << false << false
                                       << none << "protocol" << QByteArray();
    QTest::newRow("imap-smtp-greeting")
        << imapScript(smtpGreeting, {}) << false << false << none << "protocol" << QByteArray();
    QTest::newRow("imap-capability-rejected")
        << imapScript(imapGreeting, {{"CAPABILITY", "%TAG% BAD no\r\n"}}) << false << false << none
        << "protocol" << QByteArray("A1 CAPABILITY\r\n");
    QTest::newRow("imap-overlong-greeting") << imapScript("* OK " + QByteArray(9000, 'x'), {})
                                            << false << false << none << "protocol" << QByteArray();
    QTest::newRow("imap-unsolicited-data-before-command")
        << imapScript("* OK ready\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\n", {}) << false << false
        << none << "protocol" << QByteArray();
    QTest::newRow("imap-cleartext-allowed")
        << imapScript(imapGreeting, {imapCapabilityWithoutStartTls}) << false << true << none
        << "cleartext" << QByteArray("A1 CAPABILITY\r\n");
    QTest::newRow("imap-cleartext-allowed-but-latched")
        << imapScript(imapGreeting, {imapCapabilityWithoutStartTls}) << false << true << tls10
        << "starttls-refused" << QByteArray("A1 CAPABILITY\r\n");

    // SMTP submission (RFC 3207 section 4)
    QTest::newRow("smtp-starttls-accepted")
        << smtpScript(smtpGreeting,
                      {smtpEhloWithStartTls, {"STARTTLS", "220 2.0.0 ready for TLS\r\n", true}})
        << true << false << none << "secured" << smtpCommands;
    QTest::newRow("smtp-multiline-greeting")
        << smtpScript("220-mx.example.test hello\r\n220 ESMTP\r\n",
                      {smtpEhloWithStartTls, {"STARTTLS", "220 ready\r\n", true}})
        << true << false << none << "secured" << smtpCommands;
    QTest::newRow("smtp-starttls-not-advertised")
        << smtpScript(smtpGreeting, {{"EHLO", "250-mx.example.test\r\n250 8BITMIME\r\n"}}) << true
        << false << none << "starttls-refused" << QByteArray("EHLO [127.0.0.1]\r\n");
    QTest::newRow("smtp-starttls-only-as-domain")
        << smtpScript(smtpGreeting, {{"EHLO", "250 STARTTLS\r\n"}}) << true << false << none
        << "starttls-refused" << QByteArray("EHLO [127.0.0.1]\r\n");
    QTest::newRow("smtp-starttls-454")
        << smtpScript(smtpGreeting,
                      {smtpEhloWithStartTls, {"STARTTLS", "454 4.7.0 TLS not available\r\n"}})
        << true << false << none << "starttls-refused" << smtpCommands;
    QTest::newRow("smtp-starttls-502")
        << smtpScript(smtpGreeting, {smtpEhloWithStartTls, {"STARTTLS", "502 5.5.1 no\r\n"}})
        << true << false << none << "starttls-refused" << smtpCommands;
    QTest::newRow("smtp-starttls-garbled")
        << smtpScript(smtpGreeting, {smtpEhloWithStartTls, {"STARTTLS", "OK go\r\n"}}) << true
        << false << none << "starttls-refused" << smtpCommands;
    QTest::newRow("smtp-injection-after-220")
        << smtpScript(smtpGreeting,
                      {smtpEhloWithStartTls, {"STARTTLS", "220 ready\r\n250-AUTH PLAIN\r\n"}})
        << true << false << none << "plaintext-injection" << smtpCommands;
    QTest::newRow("smtp-greeting-554") << smtpScript("554 no service\r\n", {}) << true << false
                                       << none << "protocol" << QByteArray();
    QTest::newRow("smtp-imap-greeting")
        << smtpScript(imapGreeting, {}) << true << false << none << "protocol" << QByteArray();
    QTest::newRow("smtp-ehlo-rejected")
        << smtpScript(smtpGreeting, {{"EHLO", "502 5.5.2 no EHLO\r\n"}}) << true << false << none
        << "starttls-refused" << QByteArray("EHLO [127.0.0.1]\r\n");
    QTest::newRow("smtp-ehlo-mixed-codes")
        << smtpScript(smtpGreeting, {{"EHLO", "250-mx\r\n251 STARTTLS\r\n"}}) << true << false
        << none << "starttls-refused" << QByteArray("EHLO [127.0.0.1]\r\n");
    QTest::newRow("smtp-cleartext-allowed-but-latched")
        << smtpScript(smtpGreeting, {{"EHLO", "250 mx\r\n"}}) << true << true << tls10
        << "starttls-refused" << QByteArray("EHLO [127.0.0.1]\r\n");
}

void tst_StartTlsPreamble::exchange()
{
    QFETCH(Script, script);
    QFETCH(bool, smtp);
    QFETCH(bool, allowCleartext);
    QFETCH(QStringList, required);
    QFETCH(QString, outcome);
    QFETCH(QByteArray, received);

    ScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    ChannelOptions options;
    options.service = smtp ? Service::MessageSubmission : Service::MessageAccess;
    options.host = QStringLiteral("127.0.0.1");
    options.port = server.serverPort();
    options.required = LatchSet::fromList(required);
    options.extraCaFile = TestCertificates::shared().caFile();
    options.allowCleartext = allowCleartext;
    options.timeoutMs = 20000;
    SecureChannel channel(options);
    StartTlsPreamble preamble(startTlsDialectFor(options.service), &channel);
    ChannelOutcome result;
    result.watch(&channel);
    result.watch(&preamble);
    connect(&channel, &SecureChannel::plaintextConnected, &preamble, &StartTlsPreamble::start);

    channel.connectPlaintext();
    QTRY_VERIFY_WITH_TIMEOUT(!result.kind.isEmpty(), 20000);
    QCOMPARE(result.kind, outcome);
    QCOMPARE(result.outcomes, 1);

    if (outcome == QLatin1String("secured")) {
        QVERIFY(result.handedOver);
        QVERIFY(preamble.startTlsAdvertised());
        QCOMPARE(result.observation.transport, TransportSecurity::StartTls);
        QVERIFY2(result.observation.certificateVerified,
                 qPrintable(result.observation.verificationErrors.join(QLatin1String("; "))));
        QVERIFY(channel.earnedLatches().contains(QStringLiteral("tls-cert")));
        QVERIFY(channel.mayAuthenticate());
        QTRY_VERIFY(server.handshakeCompleted());
    } else if (outcome == QLatin1String("cleartext")) {
        QCOMPARE(channel.state(), SecureChannel::State::Plaintext);
        QVERIFY(channel.mayAuthenticate());
    } else {
        QCOMPARE(channel.state(), SecureChannel::State::Closed);
        QVERIFY(!channel.mayAuthenticate());
        QVERIFY(!channel.writeSensitive("A9 LOGIN alice sentinel-password\r\n"));
        QVERIFY(!result.error.message.isEmpty());
        QVERIFY(!server.handshakeCompleted());
    }

    channel.close();
    QTRY_VERIFY(server.clientClosed());
    // Exactly these bytes, so neither a credential nor a TLS ClientHello slipped out.
    QCOMPARE(server.plaintextReceived(), received);
    QCOMPARE(server.tlsReceived(), QByteArray());
    QCOMPARE(server.connectionCount(), 1);
    if (!outcome.contains(QLatin1String("protocol"))) {
        QCOMPARE(server.problems(), QStringList());
    }
}

QTEST_GUILESS_MAIN(tst_StartTlsPreamble)
#include "tst_starttlspreamble.moc"
