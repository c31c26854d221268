// SPDX-License-Identifier: GPL-3.0-or-later
// The secure channel's gate against scripted peers: no credential before TLS, no write while
// handshaking, plaintext injection caught in the socket's and the kernel's buffers, a latched
// certificate refused right after the handshake, the system store consulted beside an extra CA
// file, and the diagnostic second handshake that tells a latch failure from a broken server.
// Every test checks what the server received.
#include "channeloutcome.h"
#include "scriptedserver.h"

#include "core/latchrules.h"
#include "core/securechannel.h"
#include "core/starttlspreamble.h"
#include "tests/support/testcertificates.h"

#include <QFile>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

Q_DECLARE_METATYPE(Latchmail::Test::CertVariant)

namespace {

const QByteArray secret = "sentinel-password-7f3a";
const QByteArray login = "A1 LOGIN alice " + secret + "\r\n";

Script tlsScript(CertVariant variant, bool implicitTls)
{
    Script script;
    script.imapTags = true;
    script.implicitTls = implicitTls;
    script.certificateFile = TestCertificates::shared().certificateFile(variant);
    script.keyFile = TestCertificates::shared().keyFile(variant);
    return script;
}

ChannelOptions loopbackOptions(quint16 port, const QStringList& required = {})
{
    ChannelOptions options;
    options.host = QStringLiteral("127.0.0.1");
    options.port = port;
    options.required = LatchSet::fromList(required);
    options.extraCaFile = TestCertificates::shared().caFile();
    options.timeoutMs = 20000;
    return options;
}

} // namespace

class tst_SecureChannel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void writeSensitiveBeforeTls_data();
    void writeSensitiveBeforeTls();
    void noWriteWhileHandshaking();
    void injectionInSocketBuffer();
    void injectionInKernelBuffer();
    void certificateGate_data();
    void certificateGate();
    void systemStoreBesideExtraCa_data();
    void systemStoreBesideExtraCa();
    void diagnosticHandshake_data();
    void diagnosticHandshake();
    void handshakeTimeout();
    void connectionRefused();
};

void tst_SecureChannel::initTestCase()
{
    QVERIFY2(TestCertificates::shared().isValid(),
             qPrintable(TestCertificates::shared().errorString()));
}

void tst_SecureChannel::writeSensitiveBeforeTls_data()
{
    QTest::addColumn<bool>("allowCleartext");
    QTest::addColumn<QStringList>("required");
    QTest::addColumn<bool>("sent");

    QTest::newRow("cleartext-not-allowed") << false << QStringList() << false;
    QTest::newRow("cleartext-allowed-but-latched")
        << true << QStringList{QStringLiteral("tls10")} << false;
    // The control row: proves the server would have recorded the credential had it been sent.
    QTest::newRow("cleartext-allowed-no-latch") << true << QStringList() << true;
}

void tst_SecureChannel::writeSensitiveBeforeTls()
{
    QFETCH(bool, allowCleartext);
    QFETCH(QStringList, required);
    QFETCH(bool, sent);

    Script script;
    script.greeting = "* OK ready\r\n";
    ScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    ChannelOptions options = loopbackOptions(server.serverPort(), required);
    options.allowCleartext = allowCleartext;
    SecureChannel channel(options);
    ChannelOutcome result;
    result.watch(&channel);

    channel.connectPlaintext();
    QTRY_COMPARE(channel.state(), SecureChannel::State::Plaintext);
    QCOMPARE(channel.mayAuthenticate(), sent);
    if (!sent) {
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("refused to send a credential")));
    }
    QCOMPARE(channel.writeSensitive(login), sent);
    QVERIFY(channel.write("A2 NOOP\r\n")); // protocol bytes without a secret are allowed

    channel.close();
    QTRY_VERIFY(server.clientClosed());
    QCOMPARE(server.plaintextReceived(), (sent ? login : QByteArray()) + "A2 NOOP\r\n");
}

void tst_SecureChannel::noWriteWhileHandshaking()
{
    // The server accepts STARTTLS but never answers the ClientHello.
    Script script;
    script.greeting = "* OK ready\r\n";
    ScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    SecureChannel channel(loopbackOptions(server.serverPort()));
    ChannelOutcome result;
    result.watch(&channel);

    channel.connectPlaintext();
    QTRY_COMPARE(channel.bytesAvailable(), qsizetype(script.greeting.size()));
    QCOMPARE(channel.readAll(), script.greeting);
    QVERIFY(channel.startTls(0));
    QCOMPARE(channel.state(), SecureChannel::State::Handshaking);

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("refused to write")));
    QVERIFY(!channel.write("A2 NOOP\r\n"));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("refused to send a credential")));
    QVERIFY(!channel.writeSensitive(login));
    QVERIFY(!channel.mayAuthenticate());

    // Only the ClientHello (a TLS handshake record, content type 22) reached the server.
    QTRY_VERIFY(!server.plaintextReceived().isEmpty());
    channel.abort();
    QTRY_VERIFY(server.clientClosed());
    QCOMPARE(server.plaintextReceived().at(0), char(0x16));
    QVERIFY(!server.plaintextReceived().contains("NOOP"));
    QVERIFY(!server.plaintextReceived().contains(secret));
    QVERIFY(result.kind.isEmpty());
}

void tst_SecureChannel::injectionInSocketBuffer()
{
    // The reply and the injected line arrive together; the engine read neither.
    Script script;
    script.greeting = "A1 OK begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n";
    ScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    SecureChannel channel(loopbackOptions(server.serverPort()));
    ChannelOutcome result;
    result.watch(&channel);

    channel.connectPlaintext();
    QTRY_COMPARE(channel.bytesAvailable(), qsizetype(script.greeting.size()));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("plaintext injection")));
    QVERIFY(!channel.startTls(0));
    QCOMPARE(result.kind, QStringLiteral("plaintext-injection"));
    QVERIFY(result.error.isSecurityRefusal());
    QCOMPARE(channel.state(), SecureChannel::State::Closed);

    QTRY_VERIFY(server.clientClosed());
    QCOMPARE(server.plaintextReceived(), QByteArray()); // not even a ClientHello
}

void tst_SecureChannel::injectionInKernelBuffer()
{
    Script script;
    script.greeting = "A1 OK begin TLS\r\n";
    ScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    SecureChannel channel(loopbackOptions(server.serverPort()));
    ChannelOutcome result;
    result.watch(&channel);

    channel.connectPlaintext();
    QTRY_COMPARE(channel.bytesAvailable(), qsizetype(script.greeting.size()));
    QCOMPARE(channel.readAll(), script.greeting);

    // Written and flushed on loopback without running the event loop: the bytes sit in the
    // client's kernel buffer, where the socket has not looked yet.
    const QByteArray injected = "* OK injected\r\n";
    server.sendNow(injected);
    QCOMPARE(channel.bytesAvailable(), qsizetype(0));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("plaintext injection")));
    QVERIFY(!channel.startTls(0));
    QCOMPARE(result.kind, QStringLiteral("plaintext-injection"));
    QVERIFY2(result.error.message.startsWith(QString::number(injected.size())),
             qPrintable(result.error.message));

    QTRY_VERIFY(server.clientClosed());
    QCOMPARE(server.plaintextReceived(), QByteArray());
}

void tst_SecureChannel::certificateGate_data()
{
    QTest::addColumn<CertVariant>("variant");
    QTest::addColumn<QStringList>("required");
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<bool>("verified");

    const QStringList cert{QStringLiteral("tls10"), QStringLiteral("tls-cert")};
    QTest::newRow("ca-signed-latched") << CertVariant::CaSigned << cert << "secured" << true;
    QTest::newRow("self-signed-unlatched")
        << CertVariant::SelfSigned << QStringList() << "secured" << false;
    QTest::newRow("self-signed-latched")
        << CertVariant::SelfSigned << cert << "latch-failure" << false;
    QTest::newRow("expired-latched") << CertVariant::Expired << cert << "latch-failure" << false;
    QTest::newRow("wrong-host-latched")
        << CertVariant::WrongHost << cert << "latch-failure" << false;
}

void tst_SecureChannel::certificateGate()
{
    QFETCH(CertVariant, variant);
    QFETCH(QStringList, required);
    QFETCH(QString, outcome);
    QFETCH(bool, verified);

    ScriptedServer server(tlsScript(variant, true));
    QVERIFY(server.listenOnLoopback());
    SecureChannel channel(loopbackOptions(server.serverPort(), required));
    ChannelOutcome result;
    result.watch(&channel);

    if (outcome != QLatin1String("secured")) {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("REFUSED")));
    }
    channel.connectImplicitTls();
    QTRY_VERIFY_WITH_TIMEOUT(!result.kind.isEmpty(), 20000);
    QCOMPARE(result.kind, outcome);

    // Encryption works whatever the certificate (DEEP 5.3); the verdict only decides tls-cert.
    const TlsObservation observation =
        outcome == QLatin1String("secured") ? result.observation : result.latchFailure.observation;
    QVERIFY(observation.isEncrypted());
    QVERIFY(observation.keyBits >= 128);
    QCOMPARE(observation.certificateVerified, verified);
    QCOMPARE(observation.verificationErrors.isEmpty(), verified);
    QCOMPARE(earned(observation).contains(QStringLiteral("tls-cert")), verified);
    QVERIFY(earned(observation).contains(QStringLiteral("tls12")));

    if (outcome == QLatin1String("secured")) {
        QTRY_VERIFY(server.handshakeCompleted());
        QVERIFY(channel.writeSensitive(login));
        QTRY_COMPARE(server.tlsReceived(), login); // the control: sent bytes are seen
        channel.close();
    } else {
        QCOMPARE(result.latchFailure.failed, LatchSet{QStringLiteral("tls-cert")});
        QVERIFY(!result.latchFailure.handshakeRefused);
        QCOMPARE(channel.state(), SecureChannel::State::Closed);
        QVERIFY(!channel.writeSensitive(login));
    }
    QTRY_VERIFY(server.clientClosed());
    if (outcome != QLatin1String("secured")) {
        QCOMPARE(server.tlsReceived(), QByteArray());
    }
}

// An account's extra CA file adds trust: the handshake trusts its CAs alone and a chain they
// do not vouch for is verified against the system store. The system store here is OpenSSL's
// default file as SSL_CERT_FILE sets it (with an empty SSL_CERT_DIR), and the extra CA is the CA
// of a second, unrelated certificate set.
void tst_SecureChannel::systemStoreBesideExtraCa_data()
{
    QTest::addColumn<CertVariant>("variant");
    QTest::addColumn<bool>("systemHasServerCa");
    QTest::addColumn<bool>("verified");

    QTest::newRow("system-store-vouches") << CertVariant::CaSigned << true << true;
    QTest::newRow("neither-vouches") << CertVariant::CaSigned << false << false;
    QTest::newRow("expired-system-store-refuses") << CertVariant::Expired << true << false;
    QTest::newRow("self-signed-system-store-refuses") << CertVariant::SelfSigned << true << false;
}

void tst_SecureChannel::systemStoreBesideExtraCa()
{
    QFETCH(CertVariant, variant);
    QFETCH(bool, systemHasServerCa);
    QFETCH(bool, verified);

    static const TestCertificates unrelated;
    QVERIFY2(unrelated.isValid(), qPrintable(unrelated.errorString()));
    QTemporaryDir emptyDirectory;
    QVERIFY(emptyDirectory.isValid());
    const QString systemFile =
        systemHasServerCa ? TestCertificates::shared().caFile() : unrelated.caFile();
    qputenv("SSL_CERT_FILE", QFile::encodeName(systemFile));
    qputenv("SSL_CERT_DIR", QFile::encodeName(emptyDirectory.path()));
    const auto restore = qScopeGuard([] {
        qunsetenv("SSL_CERT_FILE");
        qunsetenv("SSL_CERT_DIR");
    });

    ScriptedServer server(tlsScript(variant, true));
    QVERIFY(server.listenOnLoopback());
    ChannelOptions options = loopbackOptions(server.serverPort());
    options.extraCaFile = unrelated.caFile();
    SecureChannel channel(options);
    ChannelOutcome result;
    result.watch(&channel);

    channel.connectImplicitTls();
    QTRY_VERIFY_WITH_TIMEOUT(!result.kind.isEmpty(), 20000);
    QCOMPARE(result.kind, QStringLiteral("secured"));
    QCOMPARE(result.observation.certificateVerified, verified);
    QCOMPARE(result.observation.verificationErrors.isEmpty(), verified);
    QCOMPARE(earned(result.observation).contains(QStringLiteral("tls-cert")), verified);
    QTRY_VERIFY(server.handshakeCompleted());
    channel.close();
}

void tst_SecureChannel::diagnosticHandshake_data()
{
    QTest::addColumn<bool>("startTls");

    QTest::newRow("implicit-tls") << false;
    QTest::newRow("starttls") << true;
}

void tst_SecureChannel::diagnosticHandshake()
{
    QFETCH(bool, startTls);

    // The account latched TLS 1.3; the server now stops at TLS 1.2, so the narrowed offer
    // (TLS 1.3 only) fails in the handshake.
    Script script = tlsScript(CertVariant::CaSigned, !startTls);
    script.protocol = QSsl::TlsV1_2;
    if (startTls) {
        script.greeting = "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n";
        script.steps = {{"STARTTLS", "%TAG% OK begin TLS\r\n", true}};
    }
    ScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    const QStringList required{QStringLiteral("tls10"), QStringLiteral("tls11"),
                               QStringLiteral("tls12"), QStringLiteral("tls13"),
                               QStringLiteral("tls-cert")};
    SecureChannel channel(loopbackOptions(server.serverPort(), required));
    StartTlsPreamble preamble(StartTlsDialect::Imap, &channel);
    ChannelOutcome result;
    result.watch(&channel);
    result.watch(&preamble);
    connect(&channel, &SecureChannel::plaintextConnected, &preamble, &StartTlsPreamble::start);

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("REFUSED")));
    startTls ? channel.connectPlaintext() : channel.connectImplicitTls();
    QTRY_VERIFY_WITH_TIMEOUT(!result.kind.isEmpty(), 20000);
    QCOMPARE(result.kind, QStringLiteral("latch-failure"));
    QVERIFY(result.latchFailure.handshakeRefused);
    QCOMPARE(result.latchFailure.failed, LatchSet{QStringLiteral("tls13")});
    QCOMPARE(result.latchFailure.observation.protocol, TlsVersion::Tls12);
    QCOMPARE(result.latchFailure.observation.transport,
             startTls ? TransportSecurity::StartTls : TransportSecurity::ImplicitTls);
    QVERIFY(result.latchFailure.userMessage().contains(QStringLiteral("TLS 1.3")));

    // Two connections: the refused one, and the diagnostic one that completed its handshake
    // and then sent nothing.
    QTRY_COMPARE(server.connectionCount(), 2);
    QTRY_VERIFY(server.clientClosed(0));
    QTRY_VERIFY(server.clientClosed(1));
    QVERIFY(!server.handshakeCompleted(0));
    QVERIFY(server.handshakeCompleted(1));
    QCOMPARE(server.tlsReceived(0), QByteArray());
    QCOMPARE(server.tlsReceived(1), QByteArray());
    if (startTls) {
        QCOMPARE(server.plaintextReceived(0), QByteArray("A1 STARTTLS\r\n"));
        QCOMPARE(server.plaintextReceived(1), QByteArray("A1 STARTTLS\r\n"));
    }
    QCOMPARE(server.problems(), QStringList());
}

void tst_SecureChannel::handshakeTimeout()
{
    // A peer that accepts the connection and never answers the ClientHello.
    ScriptedServer server(Script{});
    QVERIFY(server.listenOnLoopback());
    ChannelOptions options = loopbackOptions(server.serverPort());
    options.timeoutMs = 300;
    SecureChannel channel(options);
    ChannelOutcome result;
    result.watch(&channel);

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("no progress")));
    channel.connectImplicitTls();
    QTRY_VERIFY_WITH_TIMEOUT(!result.kind.isEmpty(), 20000);
    QCOMPARE(result.kind, QStringLiteral("timeout"));
    QVERIFY(!result.error.isSecurityRefusal());
    QCOMPARE(channel.state(), SecureChannel::State::Closed);
}

void tst_SecureChannel::connectionRefused()
{
    quint16 port = 0;
    {
        ScriptedServer closed(Script{});
        QVERIFY(closed.listenOnLoopback());
        port = closed.serverPort();
    }
    SecureChannel channel(loopbackOptions(port));
    ChannelOutcome result;
    result.watch(&channel);

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("cannot connect")));
    channel.connectImplicitTls();
    QTRY_VERIFY_WITH_TIMEOUT(!result.kind.isEmpty(), 20000);
    QCOMPARE(result.kind, QStringLiteral("network"));
    QVERIFY(!result.error.isSecurityRefusal());
}

QTEST_GUILESS_MAIN(tst_SecureChannel)
#include "tst_securechannel.moc"
