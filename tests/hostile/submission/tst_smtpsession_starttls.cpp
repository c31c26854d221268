// SPDX-License-Identifier: GPL-3.0-or-later
// The submission session against hostile and broken peers before authentication: STARTTLS
// missing, refused (454, 502), garbled or answered wrongly; plaintext injected after the 220
// reply; AUTH mechanisms announced before TLS that must not influence the choice after it;
// cleartext only when the account allows it and holds no latch; a latch failure that sends no
// AUTH. Every row checks what reached the server.
#include "sessionharness.h"

#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

Q_DECLARE_METATYPE(Latchmail::SubmissionError::Kind)

namespace {

const QString kUser = QStringLiteral("alice");
const QString kPassword = QStringLiteral("correct horse");

} // namespace

class TestSmtpSessionStartTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startTlsProblemsAreFatal_data();
    void startTlsProblemsAreFatal();
    void cleartextOnlyWhenAllowedAndUnlatched_data();
    void cleartextOnlyWhenAllowedAndUnlatched();
    void mechanismChosenAfterTlsOnly_data();
    void mechanismChosenAfterTlsOnly();
    void authLoginAnswersBothPrompts();
    void wrongPasswordIsAuthenticationFailure();
    void latchFailureSendsNoAuth_data();
    void latchFailureSendsNoAuth();
    void preTlsGreetingTextIsNotShown();
};

void TestSmtpSessionStartTls::startTlsProblemsAreFatal_data()
{
    QTest::addColumn<QByteArray>("ehlo");
    QTest::addColumn<QByteArray>("startTlsReply"); // empty: STARTTLS must not be sent
    QTest::addColumn<QString>("expectedWords");

    const QByteArray withStartTls = ehloReply({"STARTTLS", "AUTH PLAIN"});
    QTest::newRow("starttls-missing")
        << ehloReply({"AUTH PLAIN", "PIPELINING"}) << QByteArray() << "does not offer STARTTLS";
    QTest::newRow("starttls-refused-454")
        << withStartTls << QByteArray("454 4.7.0 TLS not available due to temporary reason\r\n")
        << "refused STARTTLS (reply 454)";
    QTest::newRow("starttls-refused-502")
        << withStartTls << QByteArray("502 5.5.1 Command not implemented\r\n")
        << "refused STARTTLS (reply 502)";
    QTest::newRow("starttls-answered-250")
        << withStartTls << QByteArray("250 2.0.0 Ok\r\n") << "refused STARTTLS (reply 250)";
    QTest::newRow("starttls-garbled") << withStartTls << QByteArray("2x0 Ready for TLS\r\n")
                                      << "answered STARTTLS with something that is not";
    QTest::newRow("starttls-reply-unterminated-then-garbage")
        << withStartTls << QByteArray("220-Ready\r\n\x16\x03\x01garbage\r\n")
        << "answered STARTTLS with something that is not";
    QTest::newRow("plaintext-injected-after-220")
        << withStartTls << QByteArray("220 2.0.0 Ready\r\n250-evil.test\r\n250 AUTH PLAIN\r\n")
        << "plaintext injection";
    QTest::newRow("partial-line-injected-after-220")
        << withStartTls << QByteArray("220 2.0.0 Ready\r\n2") << "plaintext injection";
}

// None of these may end in anything but a security refusal (exit 3) with nothing sent after
// STARTTLS: no TLS ClientHello, no AUTH, no MAIL.
void TestSmtpSessionStartTls::startTlsProblemsAreFatal()
{
    QFETCH(QByteArray, ehlo);
    QFETCH(QByteArray, startTlsReply);
    QFETCH(QString, expectedWords);

    SmtpScript script;
    script.steps = {{"EHLO", ehlo, SmtpStep::Then::Continue}};
    if (!startTlsReply.isEmpty()) {
        script.steps.append({"STARTTLS", startTlsReply, SmtpStep::Then::Continue});
    }
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);

    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->kind, SubmissionError::Kind::SecurityRefusal);
    QVERIFY(outcome.error->isSecurityRefusal());
    QVERIFY2(outcome.error->message.contains(expectedWords), qPrintable(outcome.errorText()));
    QVERIFY(!outcome.readyForAuthentication);
    QVERIFY(!outcome.error->message.contains(QLatin1String("evil")));

    const QByteArray expectedLast =
        startTlsReply.isEmpty() ? QByteArray("\r\n") : QByteArray("STARTTLS\r\n");
    QTRY_VERIFY(server.clientClosed());
    QVERIFY2(server.plaintextReceived().endsWith(expectedLast),
             server.plaintextReceived().constData());
    QVERIFY(!server.plaintextReceived().contains("AUTH"));
    QVERIFY(!server.plaintextReceived().contains("MAIL"));
    QVERIFY(!server.handshakeCompleted());
    QVERIFY(server.problems().isEmpty());
}

void TestSmtpSessionStartTls::cleartextOnlyWhenAllowedAndUnlatched_data()
{
    QTest::addColumn<bool>("allowCleartext");
    QTest::addColumn<QStringList>("latches");
    QTest::addColumn<bool>("expectCleartextAuth");

    QTest::newRow("not-allowed") << false << QStringList() << false;
    QTest::newRow("allowed-no-latch") << true << QStringList() << true;
    QTest::newRow("allowed-but-tls10-latched")
        << true << QStringList{QStringLiteral("tls10")} << false;
}

void TestSmtpSessionStartTls::cleartextOnlyWhenAllowedAndUnlatched()
{
    QFETCH(bool, allowCleartext);
    QFETCH(QStringList, latches);
    QFETCH(bool, expectCleartextAuth);

    SmtpScript script;
    script.steps = {
        {"EHLO", ehloReply({"AUTH PLAIN"}), SmtpStep::Then::Continue},
        {"AUTH PLAIN", "235 2.7.0 ok\r\n", SmtpStep::Then::Continue},
        {"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close},
    };
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false, LatchSet::fromList(latches), allowCleartext));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);

    if (expectCleartextAuth) {
        QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));
        QVERIFY(outcome.authenticated);
        QVERIFY(server.plaintextReceived().contains("AUTH PLAIN"));
        return;
    }
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->kind, SubmissionError::Kind::SecurityRefusal);
    QTRY_VERIFY(server.clientClosed());
    QVERIFY(!server.plaintextReceived().contains("AUTH"));
}

void TestSmtpSessionStartTls::mechanismChosenAfterTlsOnly_data()
{
    QTest::addColumn<QByteArray>("preTlsAuth");
    QTest::addColumn<QByteArray>("postTlsAuth");  // empty: no AUTH keyword after TLS
    QTest::addColumn<QByteArray>("expectedAuth"); // empty: no AUTH may be sent

    QTest::newRow("pre-tls-plain-post-tls-login")
        << QByteArray("AUTH PLAIN LOGIN") << QByteArray("AUTH LOGIN") << QByteArray("AUTH LOGIN");
    QTest::newRow("pre-tls-login-post-tls-plain")
        << QByteArray("AUTH LOGIN") << QByteArray("AUTH PLAIN") << QByteArray("AUTH PLAIN ");
    QTest::newRow("pre-tls-plain-post-tls-none")
        << QByteArray("AUTH PLAIN") << QByteArray() << QByteArray();
    QTest::newRow("pre-tls-plain-post-tls-cram-md5-only")
        << QByteArray("AUTH PLAIN LOGIN") << QByteArray("AUTH CRAM-MD5") << QByteArray();
}

void TestSmtpSessionStartTls::mechanismChosenAfterTlsOnly()
{
    QFETCH(QByteArray, preTlsAuth);
    QFETCH(QByteArray, postTlsAuth);
    QFETCH(QByteArray, expectedAuth);

    QByteArrayList postTls{"SIZE 1000000"};
    if (!postTlsAuth.isEmpty()) {
        postTls.append(postTlsAuth);
    }
    SmtpScript script;
    script.steps = {
        {"EHLO", ehloReply({"STARTTLS", preTlsAuth}), SmtpStep::Then::Continue},
        {"STARTTLS", "220 2.0.0 Ready\r\n", SmtpStep::Then::StartTls},
        {"EHLO", ehloReply(postTls), SmtpStep::Then::Continue},
    };
    if (expectedAuth.startsWith("AUTH PLAIN")) {
        script.steps.append({"AUTH", "235 2.7.0 ok\r\n", SmtpStep::Then::Continue});
    } else {
        script.steps.append({"AUTH", "334 VXNlcm5hbWU6\r\n", SmtpStep::Then::Continue});
        script.steps.append({"", "334 UGFzc3dvcmQ6\r\n", SmtpStep::Then::Continue});
        script.steps.append({"", "235 2.7.0 ok\r\n", SmtpStep::Then::Continue});
    }
    script.steps.append({"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close});
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);

    QVERIFY(!server.plaintextReceived().contains("AUTH"));
    if (expectedAuth.isEmpty()) {
        QVERIFY(outcome.error);
        QCOMPARE(outcome.error->kind, SubmissionError::Kind::AuthenticationUnavailable);
        QVERIFY(!server.tlsReceived().contains("AUTH"));
        return;
    }
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));
    QVERIFY(outcome.authenticated);
    const QByteArray authLine = "\r\n" + expectedAuth;
    QVERIFY2(server.tlsReceived().contains(authLine), server.tlsReceived().constData());
    QCOMPARE(session.capabilities().authMechanisms.size(), 1);
}

void TestSmtpSessionStartTls::authLoginAnswersBothPrompts()
{
    SmtpScript script;
    script.implicitTls = true;
    script.steps = {
        {"EHLO", ehloReply({"AUTH LOGIN"}), SmtpStep::Then::Continue},
        {"AUTH LOGIN", "334 VXNlcm5hbWU6\r\n", SmtpStep::Then::Continue},
        {kUser.toUtf8().toBase64(), "334 UGFzc3dvcmQ6\r\n", SmtpStep::Then::Continue},
        {kPassword.toUtf8().toBase64(), "235 2.7.0 ok\r\n", SmtpStep::Then::Continue},
        {"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close},
    };
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, true));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.closed || outcome.error, 15000);
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));
    QVERIFY(outcome.authenticated);
    QVERIFY(server.scriptFinished());
    QVERIFY2(server.problems().isEmpty(), qPrintable(server.problems().join(QLatin1Char('\n'))));
}

void TestSmtpSessionStartTls::wrongPasswordIsAuthenticationFailure()
{
    SmtpScript script;
    script.implicitTls = true;
    script.steps = {
        {"EHLO", ehloReply({"AUTH PLAIN"}), SmtpStep::Then::Continue},
        {"AUTH PLAIN", "535 5.7.8 Error: authentication failed: bad credentials\r\n",
         SmtpStep::Then::Continue},
    };
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, true));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->kind, SubmissionError::Kind::AuthenticationFailed);
    // Text received over TLS is shown, attributed to the server.
    QVERIFY2(outcome.error->message.contains(QLatin1String("The server said")) &&
                 outcome.error->message.contains(QLatin1String("bad credentials")),
             qPrintable(outcome.errorText()));
}

void TestSmtpSessionStartTls::latchFailureSendsNoAuth_data()
{
    QTest::addColumn<bool>("implicitTls");
    QTest::newRow("starttls") << false;
    QTest::newRow("implicit-tls") << true;
}

// The account holds tls13; the server now offers at most TLS 1.2.
void TestSmtpSessionStartTls::latchFailureSendsNoAuth()
{
    QFETCH(bool, implicitTls);

    SmtpScript script;
    script.implicitTls = implicitTls;
    script.protocol = QSsl::TlsV1_2;
    script.steps = secureStart({"AUTH PLAIN"});
    if (implicitTls) {
        script.steps.remove(0, 2);
    }
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(
        server, implicitTls, LatchSet{LatchToken::Tls10, LatchToken::Tls12, LatchToken::Tls13}));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 20000);

    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->kind, SubmissionError::Kind::LatchFailure);
    QVERIFY(outcome.error->latchFailure);
    QVERIFY(outcome.error->latchFailure->failed.contains(LatchToken::Tls13));
    QVERIFY(outcome.error->isSecurityRefusal());
    QVERIFY(!outcome.readyForAuthentication);
    QVERIFY(!server.allReceived().contains("AUTH"));
    QVERIFY(server.tlsReceived().isEmpty());
}

void TestSmtpSessionStartTls::preTlsGreetingTextIsNotShown()
{
    SmtpScript script;
    script.greeting = "554 5.7.1 Visit http://evil.test/login to restore your mailbox\r\n";
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->kind, SubmissionError::Kind::ServerClosed);
    QVERIFY2(!outcome.error->message.contains(QLatin1String("evil")),
             qPrintable(outcome.errorText()));
    QVERIFY(server.plaintextReceived().isEmpty());
}

QTEST_GUILESS_MAIN(TestSmtpSessionStartTls)
#include "tst_smtpsession_starttls.moc"
