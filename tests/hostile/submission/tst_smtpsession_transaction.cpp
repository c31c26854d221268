// SPDX-License-Identifier: GPL-3.0-or-later
// Mail transactions against scripted servers: the DSN parameters (RFC 3461) with and without
// the extension, PIPELINING only after TLS and authentication (RFC 2920) and never in a
// cleartext session, SIZE refused locally (RFC 1870), 8BITMIME and SMTPUTF8 refused locally when
// missing, recipients refused one by one, the sender refused, and a server that drops the
// connection after the message data. Checks the exact bytes the server received.
#include "sessionharness.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kUser = QStringLiteral("alice");
const QString kPassword = QStringLiteral("correct horse");

// A body line that starts with a dot exercises dot-stuffing; a bare LF is normalised to CRLF.
const QByteArray kMessage = "From: alice@example.test\r\nTo: bob@example.test\r\n"
                            "Subject: test\r\nMessage-ID: <m1@example.test>\r\n\r\n"
                            "Hello.\r\n.leading dot\r\n..two dots\r\nlast line\r\n";

MailTransaction transaction(const QString& file, const QStringList& recipients)
{
    MailTransaction t;
    t.reversePath = QStringLiteral("alice@example.test");
    t.recipients = recipients;
    t.envelopeId = QStringLiteral("0f8c2d3e-aaaa-4bbb-8ccc-123456789abc");
    t.messageFile = file;
    return t;
}

QList<SmtpStep> transactionSteps(int recipients, const QByteArray& endReply = "250 2.0.0 Ok\r\n")
{
    QList<SmtpStep> steps{{"MAIL FROM", "250 2.1.0 Ok\r\n", SmtpStep::Then::Continue}};
    for (int i = 0; i < recipients; ++i) {
        steps.append({"RCPT TO", "250 2.1.5 Ok\r\n", SmtpStep::Then::Continue});
    }
    steps.append({"DATA", "354 End data with <CR><LF>.<CR><LF>\r\n", SmtpStep::Then::ReadData});
    steps.append({".", endReply, SmtpStep::Then::Continue});
    steps.append({"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close});
    return steps;
}

QList<QByteArray> linesStartingWith(const SmtpScriptedServer& server, const QByteArray& prefix)
{
    QList<QByteArray> found;
    for (const ReceivedLine& line : server.lines()) {
        if (line.line.startsWith(prefix)) {
            found.append(line.line);
        }
    }
    return found;
}

} // namespace

class TestSmtpSessionTransaction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void dsnParameters_data();
    void dsnParameters();
    void pipeliningOnlyWhenAnnounced_data();
    void pipeliningOnlyWhenAnnounced();
    void sizeLimitRefusedLocally();
    void extensionNeeded_data();
    void extensionNeeded();
    void cleartextNeverPipelines_data();
    void cleartextNeverPipelines();
    void someRecipientsRefused();
    void senderRefused_data();
    void senderRefused();
    void noRecipientAcceptedWithPipelining();
    void connectionDroppedAfterData();
    void twoTransactionsInOneSession();

private:
    QTemporaryDir m_dir;
    QString m_messageFile;
};

void TestSmtpSessionTransaction::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_messageFile = m_dir.filePath(QStringLiteral("message.eml"));
    QVERIFY(writeMessageFile(m_messageFile, kMessage));
}

void TestSmtpSessionTransaction::dsnParameters_data()
{
    QTest::addColumn<bool>("dsnAnnounced");
    QTest::addColumn<bool>("notifySuccess");
    QTest::addColumn<QByteArray>("expectedMail");
    QTest::addColumn<QByteArray>("expectedRcpt");

    QTest::newRow("dsn-success-delay-failure")
        << true << true
        << QByteArray("MAIL FROM:<alice@example.test> SIZE=%1 RET=HDRS "
                      "ENVID=0f8c2d3e-aaaa-4bbb-8ccc-123456789abc")
        << QByteArray("RCPT TO:<bob@example.test> NOTIFY=SUCCESS,DELAY,FAILURE "
                      "ORCPT=rfc822;bob@example.test");
    QTest::newRow("dsn-success-off") << true << false
                                     << QByteArray("MAIL FROM:<alice@example.test> SIZE=%1 "
                                                   "RET=HDRS "
                                                   "ENVID=0f8c2d3e-aaaa-4bbb-8ccc-123456789abc")
                                     << QByteArray("RCPT TO:<bob@example.test> "
                                                   "NOTIFY=DELAY,FAILURE "
                                                   "ORCPT=rfc822;bob@example.test");
    QTest::newRow("no-dsn-extension")
        << false << true << QByteArray("MAIL FROM:<alice@example.test> SIZE=%1")
        << QByteArray("RCPT TO:<bob@example.test>");
}

void TestSmtpSessionTransaction::dsnParameters()
{
    QFETCH(bool, dsnAnnounced);
    QFETCH(bool, notifySuccess);
    QFETCH(QByteArray, expectedMail);
    QFETCH(QByteArray, expectedRcpt);

    QByteArrayList keywords{"AUTH PLAIN", "SIZE 10240000", "ENHANCEDSTATUSCODES"};
    if (dsnAnnounced) {
        keywords.append("DSN");
    }
    SmtpScript script;
    script.steps = secureStart(keywords) + transactionSteps(1);
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    MailTransaction t = transaction(m_messageFile, {QStringLiteral("bob@example.test")});
    t.notifySuccess = notifySuccess;
    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword, {t});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);

    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));
    QCOMPARE(outcome.results.size(), 1);
    QCOMPARE(outcome.results.first().outcome, TransactionResult::Outcome::Accepted);
    QCOMPARE(outcome.results.first().dsnRequested, dsnAnnounced);
    QCOMPARE(linesStartingWith(server, "MAIL"),
             QList<QByteArray>{expectedMail.replace("%1", QByteArray::number(kMessage.size()))});
    QCOMPARE(linesStartingWith(server, "RCPT"), QList<QByteArray>{expectedRcpt});
    QCOMPARE(server.messages(), QList<QByteArray>{kMessage});
    QVERIFY(server.problems().isEmpty());
}

void TestSmtpSessionTransaction::pipeliningOnlyWhenAnnounced_data()
{
    QTest::addColumn<bool>("announced");
    QTest::newRow("pipelining") << true;
    QTest::newRow("no-pipelining") << false;
}

// Pipelined commands reach the server before it answered the first of them (RFC 2920 3.1);
// otherwise each command waits for the reply to the previous one.
void TestSmtpSessionTransaction::pipeliningOnlyWhenAnnounced()
{
    QFETCH(bool, announced);

    QByteArrayList keywords{"AUTH PLAIN"};
    if (announced) {
        keywords.append("PIPELINING");
    }
    SmtpScript script;
    script.steps = secureStart(keywords) + transactionSteps(2);
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword,
          {transaction(m_messageFile, {QStringLiteral("bob@example.test"),
                                       QStringLiteral("carol@example.test")})});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));

    QList<int> repliesBefore;
    for (const ReceivedLine& line : server.lines()) {
        if (line.line.startsWith("MAIL") || line.line.startsWith("RCPT") || line.line == "DATA") {
            repliesBefore.append(line.repliesBefore);
        }
    }
    QCOMPARE(repliesBefore.size(), 4);
    const int first = repliesBefore.first();
    const QList<int> expected = announced ? QList<int>{first, first, first, first}
                                          : QList<int>{first, first + 1, first + 2, first + 3};
    QCOMPARE(repliesBefore, expected);
    // The pre-TLS EHLO announced PIPELINING too; the commands before TLS still went one by one.
    QCOMPARE(server.lines().at(1).line, QByteArray("STARTTLS"));
    QCOMPARE(server.lines().at(1).repliesBefore, server.lines().at(0).repliesBefore + 1);
}

void TestSmtpSessionTransaction::sizeLimitRefusedLocally()
{
    SmtpScript script;
    script.steps = secureStart({"AUTH PLAIN", "SIZE 100"});
    script.steps.append({"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close});
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword,
          {transaction(m_messageFile, {QStringLiteral("bob@example.test")})});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);

    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));
    QCOMPARE(outcome.results.size(), 1);
    const TransactionResult& result = outcome.results.first();
    QCOMPARE(result.outcome, TransactionResult::Outcome::RefusedLocally);
    QVERIFY(result.permanent);
    QVERIFY2(result.message.text().contains(QLatin1String("accepts at most")),
             qPrintable(result.message.text()));
    QVERIFY(!server.tlsReceived().contains("MAIL"));
}

void TestSmtpSessionTransaction::extensionNeeded_data()
{
    QTest::addColumn<bool>("eightBit");
    QTest::addColumn<bool>("announced");
    QTest::addColumn<QByteArray>("keyword");
    QTest::addColumn<QString>("refusal");

    QTest::newRow("8bitmime-missing")
        << true << false << QByteArray("8BITMIME") << QStringLiteral("(no 8BITMIME)");
    QTest::newRow("8bitmime-announced") << true << true << QByteArray("8BITMIME") << QString();
    QTest::newRow("smtputf8-missing")
        << false << false << QByteArray("SMTPUTF8") << QStringLiteral("(no SMTPUTF8)");
    QTest::newRow("smtputf8-announced") << false << true << QByteArray("SMTPUTF8") << QString();
}

// A message that needs 8BITMIME (RFC 6152) or SMTPUTF8 (RFC 6531) is refused before MAIL FROM
// when the post-TLS EHLO lacks the extension: after EHLO and AUTH only QUIT is sent.
void TestSmtpSessionTransaction::extensionNeeded()
{
    QFETCH(bool, eightBit);
    QFETCH(bool, announced);
    QFETCH(QByteArray, keyword);
    QFETCH(QString, refusal);

    QByteArrayList keywords{"AUTH PLAIN", "8BITMIME", "SMTPUTF8"};
    if (!announced) {
        keywords.removeAll(keyword);
    }
    SmtpScript script;
    script.steps = secureStart(keywords);
    if (announced) {
        script.steps += transactionSteps(1);
    } else {
        script.steps.append({"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close});
    }
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    MailTransaction t = transaction(m_messageFile, {QStringLiteral("bob@example.test")});
    t.needs8BitMime = eightBit;
    t.needsSmtpUtf8 = !eightBit;
    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword, {t});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));
    QCOMPARE(outcome.results.size(), 1);
    const TransactionResult& result = outcome.results.first();
    QVERIFY(server.problems().isEmpty());

    QList<QByteArray> afterTls;
    for (const ReceivedLine& line : server.lines()) {
        if (line.overTls) {
            afterTls.append(line.line.split(' ').first()); // the command verb
        }
    }
    if (announced) {
        QCOMPARE(result.outcome, TransactionResult::Outcome::Accepted);
        const QByteArray parameter = eightBit ? " BODY=8BITMIME" : " SMTPUTF8";
        QVERIFY(linesStartingWith(server, "MAIL").value(0).contains(parameter));
        return;
    }
    QCOMPARE(result.outcome, TransactionResult::Outcome::RefusedLocally);
    QVERIFY(result.permanent);
    QVERIFY2(result.message.text().contains(refusal), qPrintable(result.message.text()));
    QCOMPARE(afterTls, (QList<QByteArray>{"EHLO", "AUTH", "QUIT"}));
    QVERIFY(server.messages().isEmpty());
}

void TestSmtpSessionTransaction::cleartextNeverPipelines_data()
{
    QTest::addColumn<bool>("startTlsRefused");
    QTest::newRow("no-starttls") << false;
    QTest::newRow("starttls-refused-454") << true;
}

// An account that allows cleartext (and holds no latch) may go on without TLS; such a session
// still waits for each reply although the server announced PIPELINING.
void TestSmtpSessionTransaction::cleartextNeverPipelines()
{
    QFETCH(bool, startTlsRefused);

    SmtpScript script;
    if (startTlsRefused) {
        script.steps = {
            {"EHLO", ehloReply({"STARTTLS", "PIPELINING", "AUTH PLAIN"}), SmtpStep::Then::Continue},
            {"STARTTLS", "454 4.7.0 TLS not available\r\n", SmtpStep::Then::Continue},
        };
    } else {
        script.steps = {
            {"EHLO", ehloReply({"PIPELINING", "AUTH PLAIN"}), SmtpStep::Then::Continue}};
    }
    script.steps.append(
        {"AUTH PLAIN", "235 2.7.0 Authentication successful\r\n", SmtpStep::Then::Continue});
    script.steps += transactionSteps(2);
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false, {}, true));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword,
          {transaction(m_messageFile, {QStringLiteral("bob@example.test"),
                                       QStringLiteral("carol@example.test")})});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));
    QCOMPARE(outcome.results.value(0).outcome, TransactionResult::Outcome::Accepted);
    QVERIFY(!server.handshakeCompleted());
    QVERIFY(server.problems().isEmpty());

    // Every command, not just the envelope, reached the server only after the previous reply.
    QList<int> repliesBefore;
    for (const ReceivedLine& line : server.lines()) {
        if (line.line != ".") {
            repliesBefore.append(line.repliesBefore);
        }
    }
    for (qsizetype i = 1; i < repliesBefore.size(); ++i) {
        QVERIFY2(repliesBefore.at(i) > repliesBefore.at(i - 1),
                 qPrintable(QStringLiteral("command %1 was pipelined").arg(i)));
    }
    QCOMPARE(linesStartingWith(server, "RCPT").size(), 2);
}

void TestSmtpSessionTransaction::someRecipientsRefused()
{
    SmtpScript script;
    script.steps = secureStart({"AUTH PLAIN", "PIPELINING", "ENHANCEDSTATUSCODES"});
    script.steps += QList<SmtpStep>{
        {"MAIL FROM", "250 2.1.0 Ok\r\n", SmtpStep::Then::Continue},
        {"RCPT TO:<bob", "250 2.1.5 Ok\r\n", SmtpStep::Then::Continue},
        {"RCPT TO:<nobody", "550 5.1.1 <nobody@example.test>: User unknown\r\n",
         SmtpStep::Then::Continue},
        {"RCPT TO:<busy", "452 4.2.2 Mailbox full\r\n", SmtpStep::Then::Continue},
        {"DATA", "354 go ahead\r\n", SmtpStep::Then::ReadData},
        {".", "250 2.0.0 Ok: queued\r\n", SmtpStep::Then::Continue},
        {"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close},
    };
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword,
          {transaction(m_messageFile,
                       {QStringLiteral("bob@example.test"), QStringLiteral("nobody@example.test"),
                        QStringLiteral("busy@example.test")})});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));

    const TransactionResult& result = outcome.results.first();
    QCOMPARE(result.outcome, TransactionResult::Outcome::Accepted);
    QCOMPARE(result.recipients.size(), 3);
    QVERIFY(result.recipients.at(0).accepted);
    QVERIFY(!result.recipients.at(1).accepted);
    QVERIFY(result.recipients.at(1).permanent);
    QVERIFY2(result.recipients.at(1).reason.contains(QLatin1String("User unknown")),
             qPrintable(result.recipients.at(1).reason));
    QVERIFY(!result.recipients.at(2).accepted);
    QVERIFY(!result.recipients.at(2).permanent);
    QCOMPARE(server.messages().size(), 1);
}

void TestSmtpSessionTransaction::senderRefused_data()
{
    QTest::addColumn<bool>("pipelining");
    QTest::addColumn<QByteArray>("mailReply");
    QTest::addColumn<bool>("expectedPermanent");
    QTest::newRow("pipelined-5xx") << true << QByteArray("553 5.7.1 Sender not owned\r\n") << true;
    QTest::newRow("one-by-one-5xx")
        << false << QByteArray("553 5.7.1 Sender not owned\r\n") << true;
    QTest::newRow("one-by-one-4xx") << false << QByteArray("451 4.3.0 Try later\r\n") << false;
}

void TestSmtpSessionTransaction::senderRefused()
{
    QFETCH(bool, pipelining);
    QFETCH(QByteArray, mailReply);
    QFETCH(bool, expectedPermanent);

    QByteArrayList keywords{"AUTH PLAIN", "ENHANCEDSTATUSCODES"};
    if (pipelining) {
        keywords.append("PIPELINING");
    }
    SmtpScript script;
    script.steps = secureStart(keywords);
    script.steps.append({"MAIL FROM", mailReply, SmtpStep::Then::Continue});
    if (pipelining) {
        script.steps.append({"RCPT TO", "503 5.5.1 Need MAIL\r\n", SmtpStep::Then::Continue});
        script.steps.append({"DATA", "503 5.5.1 Need RCPT\r\n", SmtpStep::Then::Continue});
    }
    script.steps.append({"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close});
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword,
          {transaction(m_messageFile, {QStringLiteral("bob@example.test")})});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));

    const TransactionResult& result = outcome.results.first();
    QCOMPARE(result.outcome, TransactionResult::Outcome::Refused);
    QCOMPARE(result.permanent, expectedPermanent);
    QVERIFY2(result.message.text().contains(QLatin1String("refused the sender")),
             qPrintable(result.message.text()));
    QVERIFY(server.messages().isEmpty());
    QVERIFY2(server.problems().isEmpty(), qPrintable(server.problems().join(QLatin1Char('\n'))));
}

// RFC 2920 3.1: DATA accepted after every RCPT was refused; the client sends only the dot.
void TestSmtpSessionTransaction::noRecipientAcceptedWithPipelining()
{
    SmtpScript script;
    script.steps = secureStart({"AUTH PLAIN", "PIPELINING"});
    script.steps += QList<SmtpStep>{
        {"MAIL FROM", "250 2.1.0 Ok\r\n", SmtpStep::Then::Continue},
        {"RCPT TO", "550 5.1.1 User unknown\r\n", SmtpStep::Then::Continue},
        {"DATA", "354 go ahead\r\n", SmtpStep::Then::ReadData},
        {".", "554 5.5.1 No valid recipients\r\n", SmtpStep::Then::Continue},
        {"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close},
    };
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword,
          {transaction(m_messageFile, {QStringLiteral("nobody@example.test")})});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));

    const TransactionResult& result = outcome.results.first();
    QCOMPARE(result.outcome, TransactionResult::Outcome::Refused);
    QVERIFY(result.permanent);
    QVERIFY2(result.message.text().contains(QLatin1String("none of the recipients")),
             qPrintable(result.message.text()));
    QCOMPARE(server.messages(), QList<QByteArray>{QByteArray()});
}

void TestSmtpSessionTransaction::connectionDroppedAfterData()
{
    SmtpScript script;
    script.steps = secureStart({"AUTH PLAIN"}) + transactionSteps(1);
    script.steps[script.steps.size() - 2] = {".", QByteArray(), SmtpStep::Then::Close};
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword,
          {transaction(m_messageFile, {QStringLiteral("bob@example.test")})});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);

    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->kind, SubmissionError::Kind::ServerClosed);
    QVERIFY(outcome.results.isEmpty());
    QCOMPARE(server.messages().size(), 1);
}

void TestSmtpSessionTransaction::twoTransactionsInOneSession()
{
    SmtpScript script;
    script.steps = secureStart({"AUTH PLAIN", "PIPELINING"});
    script.steps += QList<SmtpStep>{
        {"MAIL FROM", "250 2.1.0 Ok\r\n", SmtpStep::Then::Continue},
        {"RCPT TO", "550 5.1.1 User unknown\r\n", SmtpStep::Then::Continue},
        {"DATA", "554 5.5.1 No valid recipients\r\n", SmtpStep::Then::Continue},
        {"RSET", "250 2.0.0 Ok\r\n", SmtpStep::Then::Continue},
    };
    script.steps += transactionSteps(1);
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kPassword,
          {transaction(m_messageFile, {QStringLiteral("nobody@example.test")}),
           transaction(m_messageFile, {QStringLiteral("bob@example.test")})});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));

    QCOMPARE(outcome.results.size(), 2);
    QCOMPARE(outcome.results.at(0).outcome, TransactionResult::Outcome::Refused);
    QCOMPARE(outcome.results.at(1).outcome, TransactionResult::Outcome::Accepted);
    QCOMPARE(server.messages(), QList<QByteArray>{kMessage});
    QVERIFY2(server.problems().isEmpty(), qPrintable(server.problems().join(QLatin1Char('\n'))));
}

QTEST_GUILESS_MAIN(TestSmtpSessionTransaction)
#include "tst_smtpsession_transaction.moc"
