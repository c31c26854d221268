// SPDX-License-Identifier: GPL-3.0-or-later
// End-to-end latch cycles through the SecureChannel against real servers on loopback: a
// connection earns latches, a later connection to a server that no longer meets them is
// refused — with nothing sent after the handshake. Peers: `openssl s_server` (which prints
// every application byte it receives), a real Dovecot, and a scripted SMTP server for STARTTLS
// (which records every byte).
#include "sserveroutput.h"

#include "core/latchrules.h"
#include "core/securechannel.h"
#include "core/starttlspreamble.h"
#include "tests/hostile/channel/channeloutcome.h"
#include "tests/hostile/channel/scriptedserver.h"
#include "tests/support/mailstack.h"
#include "tests/support/sserver.h"
#include "tests/support/testcertificates.h"

#include <QTest>

#include <memory>

using namespace Latchmail;
using namespace Latchmail::Test;

Q_DECLARE_METATYPE(Latchmail::Test::CertVariant)

namespace {

constexpr int kOutcomeTimeoutMs = 30000;

LatchSet latches(std::initializer_list<const char*> tokens)
{
    LatchSet set;
    for (const char* token : tokens) {
        set.insert(QString::fromLatin1(token));
    }
    return set;
}

/// One connection through the channel (and, for STARTTLS, the preamble), run to its outcome.
struct Connection
{
    std::unique_ptr<SecureChannel> channel;
    std::unique_ptr<StartTlsPreamble> preamble;
    ChannelOutcome outcome;

    Connection(const ChannelOptions& options, bool startTls)
        : channel(std::make_unique<SecureChannel>(options))
        , preamble(std::make_unique<StartTlsPreamble>(startTlsDialectFor(options.service),
                                                      channel.get()))
    {
        outcome.watch(channel.get());
        outcome.watch(preamble.get());
        if (startTls) {
            QObject::connect(channel.get(), &SecureChannel::plaintextConnected, preamble.get(),
                             &StartTlsPreamble::start);
            channel->connectPlaintext();
        } else {
            channel->connectImplicitTls();
        }
        if (!QTest::qWaitFor([this] { return !outcome.kind.isEmpty(); }, kOutcomeTimeoutMs)) {
            outcome.kind = QStringLiteral("no outcome in time");
        }
    }
};

ChannelOptions loopback(quint16 port, const LatchSet& required = {},
                        Service service = Service::MessageAccess)
{
    ChannelOptions options;
    options.service = service;
    options.host = QStringLiteral("127.0.0.1");
    options.port = port;
    options.required = required;
    options.extraCaFile = TestCertificates::shared().caFile();
    options.timeoutMs = kOutcomeTimeoutMs;
    return options;
}

SServer::Options sserverOptions(SServer::Protocol protocol, const QString& cipher = {},
                                CertVariant cert = CertVariant::CaSigned)
{
    SServer::Options options;
    options.protocol = protocol;
    options.cipher = cipher;
    options.cert = cert;
    return options;
}

} // namespace

class tst_LatchCycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void forwardSecrecy_data();
    void forwardSecrecy();
    void tls13();
    void certificate_data();
    void certificate();
    void startTlsImap();
    void startTlsSubmission();
    void badCertificatesStillEncrypt_data();
    void badCertificatesStillEncrypt();
    void offerFollowsLatches_data();
    void offerFollowsLatches();

private:
    /// Waits until `server` finished `connections` connections, then checks that it printed
    /// no application data: nothing reached it after any handshake.
    void checkRefusedWithoutApplicationData(SServer& server, int connections);
};

void tst_LatchCycle::initTestCase()
{
    QVERIFY2(TestCertificates::shared().isValid(),
             qPrintable(TestCertificates::shared().errorString()));
}

void tst_LatchCycle::checkRefusedWithoutApplicationData(SServer& server, int connections)
{
    QTRY_VERIFY2_WITH_TIMEOUT(
        sserverFinishedConnections(server.output() + server.errorOutput()) >= connections,
        QByteArray(server.output() + "\n--- stderr\n" + server.errorOutput()).constData(),
        kOutcomeTimeoutMs);
    QCOMPARE(sserverApplicationData(server.output()), QByteArray());
}

void tst_LatchCycle::forwardSecrecy_data()
{
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<QString>("iana");

    QTest::newRow("ecdhe") << "ECDHE-RSA-AES128-GCM-SHA256"
                           << "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    // DEEP 5.3: this suite earns tls-norc4, tls-nomd5 and tls-pfs.
    QTest::newRow("dhe-deep-mandatory") << "DHE-RSA-AES128-SHA"
                                        << "TLS_DHE_RSA_WITH_AES_128_CBC_SHA";
}

void tst_LatchCycle::forwardSecrecy()
{
    QFETCH(QString, cipher);
    QFETCH(QString, iana);

    SServer first(sserverOptions(SServer::Protocol::Tls1_2, cipher));
    QVERIFY2(first.start(), qPrintable(first.errorString()));
    LatchSet earnedLatches;
    {
        Connection earn(loopback(first.port()), false);
        QCOMPARE(earn.outcome.kind, QStringLiteral("secured"));
        QCOMPARE(earn.outcome.observation.cipherIana, iana);
        earnedLatches = earn.channel->earnedLatches();
        earn.channel->close();
    }
    QCOMPARE(earnedLatches,
             latches({"tls10", "tls11", "tls12", "tls-cert", "tls-nomd5", "tls-norc4", "tls-pfs"}));
    first.stop();

    // Now only TLS_RSA_WITH_AES_128_CBC_SHA. tls-pfs keeps it out of the offer, so the
    // handshake fails, and the diagnostic handshake names the latch.
    SServer second(sserverOptions(SServer::Protocol::Tls1_2, QStringLiteral("AES128-SHA")));
    QVERIFY2(second.start(), qPrintable(second.errorString()));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("REFUSED")));
    Connection refused(loopback(second.port(), earnedLatches), false);
    QCOMPARE(refused.outcome.kind, QStringLiteral("latch-failure"));
    QCOMPARE(refused.outcome.latchFailure.failed, latches({"tls-pfs"}));
    QVERIFY(refused.outcome.latchFailure.handshakeRefused);
    QCOMPARE(refused.outcome.latchFailure.observation.cipherIana,
             QStringLiteral("TLS_RSA_WITH_AES_128_CBC_SHA"));
    QVERIFY(!refused.outcome.latchFailure.observation.forwardSecrecy);
    QVERIFY(refused.outcome.latchFailure.userMessage().contains(QStringLiteral("forward secrecy")));
    checkRefusedWithoutApplicationData(second, 2);
}

void tst_LatchCycle::tls13()
{
    SServer first(sserverOptions(SServer::Protocol::Tls1_3));
    QVERIFY2(first.start(), qPrintable(first.errorString()));
    LatchSet earnedLatches;
    {
        Connection earn(loopback(first.port()), false);
        QCOMPARE(earn.outcome.kind, QStringLiteral("secured"));
        QCOMPARE(earn.outcome.observation.protocol, TlsVersion::Tls13);
        earnedLatches = earn.channel->earnedLatches();
        earn.channel->close();
    }
    QVERIFY(earnedLatches.contains(QStringLiteral("tls13")));
    first.stop();

    // The TLS 1.2-only server fails the TLS 1.3 floor in the handshake; the diagnostic
    // handshake classifies it as a latch failure.
    SServer second(sserverOptions(SServer::Protocol::Tls1_2));
    QVERIFY2(second.start(), qPrintable(second.errorString()));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("REFUSED")));
    Connection refused(loopback(second.port(), earnedLatches), false);
    QCOMPARE(refused.outcome.kind, QStringLiteral("latch-failure"));
    QCOMPARE(refused.outcome.latchFailure.failed, latches({"tls13"}));
    QVERIFY(refused.outcome.latchFailure.handshakeRefused);
    QCOMPARE(refused.outcome.latchFailure.observation.protocol, TlsVersion::Tls12);
    checkRefusedWithoutApplicationData(second, 2);
}

void tst_LatchCycle::certificate_data()
{
    QTest::addColumn<CertVariant>("variant");

    QTest::newRow("self-signed") << CertVariant::SelfSigned;
    QTest::newRow("expired") << CertVariant::Expired;
    QTest::newRow("wrong-host") << CertVariant::WrongHost;
}

void tst_LatchCycle::certificate()
{
    QFETCH(CertVariant, variant);

    SServer first(sserverOptions(SServer::Protocol::Any));
    QVERIFY2(first.start(), qPrintable(first.errorString()));
    LatchSet earnedLatches;
    {
        Connection earn(loopback(first.port()), false);
        QCOMPARE(earn.outcome.kind, QStringLiteral("secured"));
        QVERIFY(earn.outcome.observation.certificateVerified);
        earnedLatches = earn.channel->earnedLatches();
        earn.channel->close();
    }
    QVERIFY(earnedLatches.contains(QStringLiteral("tls-cert")));
    first.stop();

    // The same TLS, a certificate that does not verify: refused right after the handshake.
    SServer second(sserverOptions(SServer::Protocol::Any, {}, variant));
    QVERIFY2(second.start(), qPrintable(second.errorString()));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("REFUSED")));
    Connection refused(loopback(second.port(), earnedLatches), false);
    QCOMPARE(refused.outcome.kind, QStringLiteral("latch-failure"));
    QCOMPARE(refused.outcome.latchFailure.failed, latches({"tls-cert"}));
    QVERIFY(!refused.outcome.latchFailure.handshakeRefused);
    QVERIFY(!refused.outcome.latchFailure.observation.verificationErrors.isEmpty());
    QVERIFY(!refused.channel->writeSensitive("A1 LOGIN alice sentinel-password\r\n"));
    checkRefusedWithoutApplicationData(second, 1);
}

void tst_LatchCycle::startTlsImap()
{
    LatchSet earnedLatches;
    {
        MailStack stack;
        QVERIFY2(stack.start(), qPrintable(stack.errorString()));
        Connection earn(loopback(stack.ports().imapPlain), true);
        QCOMPARE(earn.outcome.kind, QStringLiteral("secured"));
        QCOMPARE(earn.outcome.observation.transport, TransportSecurity::StartTls);
        QVERIFY(earn.preamble->startTlsAdvertised());
        earnedLatches = earn.channel->earnedLatches();
        earn.channel->close();
    }
    QVERIFY(earnedLatches.contains(QStringLiteral("tls10")));

    // The same Dovecot without TLS: no STARTTLS. Cleartext is allowed by the account, but a
    // latched account never falls back.
    MailStack::Options withoutTls;
    withoutTls.ssl = false;
    MailStack stack(withoutTls);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));
    ChannelOptions options = loopback(stack.ports().imapPlain, earnedLatches);
    options.allowCleartext = true;
    Connection refused(options, true);
    QCOMPARE(refused.outcome.kind, QStringLiteral("starttls-refused"));
    QVERIFY(refused.outcome.error.isSecurityRefusal());
    QVERIFY(!refused.preamble->startTlsAdvertised());
    QCOMPARE(refused.channel->state(), SecureChannel::State::Closed);
}

void tst_LatchCycle::startTlsSubmission()
{
    Script withStartTls;
    withStartTls.greeting = "220 mx.example.test ESMTP\r\n";
    withStartTls.steps = {{"EHLO", "250-mx.example.test\r\n250-STARTTLS\r\n250 DSN\r\n"},
                          {"STARTTLS", "220 2.0.0 go ahead\r\n", true}};
    withStartTls.certificateFile =
        TestCertificates::shared().certificateFile(CertVariant::CaSigned);
    withStartTls.keyFile = TestCertificates::shared().keyFile(CertVariant::CaSigned);
    LatchSet earnedLatches;
    {
        ScriptedServer server(withStartTls);
        QVERIFY(server.listenOnLoopback());
        Connection earn(loopback(server.serverPort(), {}, Service::MessageSubmission), true);
        QCOMPARE(earn.outcome.kind, QStringLiteral("secured"));
        earnedLatches = earn.channel->earnedLatches();
        earn.channel->close();
        QTRY_VERIFY(server.clientClosed());
        QCOMPARE(server.tlsReceived(), QByteArray());
    }
    QVERIFY(earnedLatches.contains(QStringLiteral("tls10")));

    Script withoutStartTls = withStartTls;
    withoutStartTls.steps = {{"EHLO", "250-mx.example.test\r\n250 DSN\r\n"}};
    ScriptedServer server(withoutStartTls);
    QVERIFY(server.listenOnLoopback());
    ChannelOptions options =
        loopback(server.serverPort(), earnedLatches, Service::MessageSubmission);
    options.allowCleartext = true;
    Connection refused(options, true);
    QCOMPARE(refused.outcome.kind, QStringLiteral("starttls-refused"));
    QVERIFY(refused.outcome.error.isSecurityRefusal());
    QTRY_VERIFY(server.clientClosed());
    QCOMPARE(server.plaintextReceived(), QByteArray("EHLO [127.0.0.1]\r\n"));
}

void tst_LatchCycle::badCertificatesStillEncrypt_data()
{
    QTest::addColumn<CertVariant>("variant");

    QTest::newRow("self-signed") << CertVariant::SelfSigned;
    QTest::newRow("expired") << CertVariant::Expired;
}

void tst_LatchCycle::badCertificatesStillEncrypt()
{
    QFETCH(CertVariant, variant);

    // DEEP 5.3: TLS is used even with an expired or self-signed certificate.
    SServer server(
        sserverOptions(SServer::Protocol::Tls1_2, QStringLiteral("AES128-SHA"), variant));
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    Connection connection(loopback(server.port()), false);
    QCOMPARE(connection.outcome.kind, QStringLiteral("secured"));
    const TlsObservation& observation = connection.outcome.observation;
    QCOMPARE(observation.protocol, TlsVersion::Tls12);
    QCOMPARE(observation.cipherIana, QStringLiteral("TLS_RSA_WITH_AES_128_CBC_SHA"));
    QVERIFY(!observation.certificateVerified);
    QVERIFY(!observation.verificationErrors.isEmpty());
    QCOMPARE(connection.channel->earnedLatches(),
             latches({"tls10", "tls11", "tls12", "tls-nomd5", "tls-norc4"}));

    // The control for every "no application data" check: what is sent does show up.
    QVERIFY(connection.channel->write("sentinel-application-data\n"));
    QTRY_VERIFY(sserverApplicationData(server.output()).contains("sentinel-application-data"));
    connection.channel->close();
}

void tst_LatchCycle::offerFollowsLatches_data()
{
    QTest::addColumn<QStringList>("required");
    QTest::addColumn<bool>("rsaKeyTransportOffered");

    QTest::newRow("no-latches") << QStringList() << true;
    QTest::newRow("tls-pfs") << QStringList{QStringLiteral("tls10"), QStringLiteral("tls-pfs")}
                             << false;
}

void tst_LatchCycle::offerFollowsLatches()
{
    QFETCH(QStringList, required);
    QFETCH(bool, rsaKeyTransportOffered);

    SServer::Options options = sserverOptions(
        SServer::Protocol::Tls1_2, QStringLiteral("ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA"));
    options.trace = true;
    SServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    Connection connection(loopback(server.port(), LatchSet::fromList(required)), false);
    QCOMPARE(connection.outcome.kind, QStringLiteral("secured"));
    connection.channel->close();

    QTRY_VERIFY(!sserverOfferedSuites(server.output()).isEmpty());
    const QByteArrayList offered = sserverOfferedSuites(server.output());
    QCOMPARE(offered.contains("TLS_RSA_WITH_AES_128_CBC_SHA"), rsaKeyTransportOffered);
    // DEEP 5.1: the DHE suite stays offered; RC4 and MD5 never are (RFC 7465).
    QVERIFY(offered.contains("TLS_DHE_RSA_WITH_AES_128_CBC_SHA"));
    for (const QByteArray& suite : offered) {
        QVERIFY2(!suite.contains("RC4") && !suite.contains("MD5"), suite.constData());
        QVERIFY2(rsaKeyTransportOffered || !suite.startsWith("TLS_RSA_"), suite.constData());
    }
}

QTEST_GUILESS_MAIN(tst_LatchCycle)
#include "tst_latchcycle.moc"
