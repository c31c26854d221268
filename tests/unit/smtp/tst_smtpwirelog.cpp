// SPDX-License-Identifier: GPL-3.0-or-later
#include "submission/smtpcommand.h"
#include "submission/smtpwirelog.h"

#include <QLoggingCategory>
#include <QTest>

using namespace Latchmail;

using Dir = SmtpWireLog::Direction;

struct Step
{
    Dir direction;
    QByteArray bytes;
};
Q_DECLARE_METATYPE(Step)

namespace {

// A password no test transcript may ever contain, in any encoding.
const QString kSentinelPassword = QStringLiteral("S3ntinel-Pa55w0rd-do-not-log");
const QString kUser = QStringLiteral("alice@example.test");

QStringList g_captured;

void captureMessages(QtMsgType, const QMessageLogContext& context, const QString& message)
{
    g_captured.append(QString::fromLatin1(context.category) + QLatin1Char(' ') + message);
}

QList<QByteArray> forbiddenForms()
{
    const QByteArray password = kSentinelPassword.toUtf8();
    QByteArray plainResponse;
    plainResponse.append('\0').append(kUser.toUtf8()).append('\0').append(password);
    return {password, password.toBase64(), plainResponse.toBase64(),
            password.toBase64(QByteArray::OmitTrailingEquals), password.toHex()};
}

} // namespace

class TestSmtpWireLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void neverLogsCredentials_data();
    void neverLogsCredentials();
    void summarisesMessageContent();
    void summarisesChunkedContent();
    void escapesServerText();
    void logsPartialLinesWhenComplete();
};

void TestSmtpWireLog::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("latchmail.submission.wire.debug=true"));
}

void TestSmtpWireLog::cleanup()
{
    qInstallMessageHandler(nullptr);
    g_captured.clear();
}

void TestSmtpWireLog::neverLogsCredentials_data()
{
    QTest::addColumn<QList<Step>>("session");

    const SmtpCommandLine plain = SmtpCommand::authPlain(kUser, kSentinelPassword);
    const QByteArray user = SmtpCommand::authResponse(kUser);
    const QByteArray password = SmtpCommand::authResponse(kSentinelPassword);
    const QByteArray plainAlone = QByteArray(plain.bytes).replace("AUTH PLAIN ", "");

    QTest::newRow("auth-plain-initial-response")
        << QList<Step>{{Dir::ServerToClient, "220 mail.example.test ESMTP\r\n"},
                       {Dir::ClientToServer, "EHLO client.example.test\r\n"},
                       {Dir::ServerToClient, "250-mail.example.test\r\n250 AUTH PLAIN LOGIN\r\n"},
                       {Dir::ClientToServer, plain.bytes},
                       {Dir::ServerToClient, "235 2.7.0 Authentication successful\r\n"},
                       {Dir::ClientToServer, "QUIT\r\n"}};
    QTest::newRow("auth-plain-after-empty-challenge")
        << QList<Step>{{Dir::ClientToServer, "AUTH PLAIN\r\n"},
                       {Dir::ServerToClient, "334 \r\n"},
                       {Dir::ClientToServer, plainAlone},
                       {Dir::ServerToClient, "235 2.7.0 ok\r\n"}};
    QTest::newRow("auth-login-steps")
        << QList<Step>{{Dir::ClientToServer, SmtpCommand::authLogin()},
                       {Dir::ServerToClient, "334 VXNlcm5hbWU6\r\n"},
                       {Dir::ClientToServer, user},
                       {Dir::ServerToClient, "334 UGFzc3dvcmQ6\r\n"},
                       {Dir::ClientToServer, password},
                       {Dir::ServerToClient, "235 2.7.0 ok\r\n"}};
    QTest::newRow("auth-login-failed-then-retried")
        << QList<Step>{{Dir::ClientToServer, "auth login\r\n"},
                       {Dir::ServerToClient, "334 VXNlcm5hbWU6\r\n"},
                       {Dir::ClientToServer, user},
                       {Dir::ServerToClient, "334 UGFzc3dvcmQ6\r\n"},
                       {Dir::ClientToServer, password},
                       {Dir::ServerToClient, "535 5.7.8 Error: authentication failed\r\n"},
                       {Dir::ClientToServer, plain.bytes},
                       {Dir::ServerToClient, "235 2.7.0 ok\r\n"}};
    QTest::newRow("credentials-split-across-writes")
        << QList<Step>{{Dir::ClientToServer, plain.bytes.left(15)},
                       {Dir::ClientToServer, plain.bytes.mid(15, 7)},
                       {Dir::ClientToServer, plain.bytes.mid(22)},
                       {Dir::ServerToClient, "235 ok\r\n"}};
    QTest::newRow("server-never-answers-auth")
        << QList<Step>{{Dir::ClientToServer, SmtpCommand::authLogin()},
                       {Dir::ClientToServer, user},
                       {Dir::ClientToServer, password}};
    QTest::newRow("cancelled-exchange")
        << QList<Step>{{Dir::ClientToServer, SmtpCommand::authLogin()},
                       {Dir::ServerToClient, "334 VXNlcm5hbWU6\r\n"},
                       {Dir::ClientToServer, user},
                       {Dir::ServerToClient, "334 UGFzc3dvcmQ6\r\n"},
                       {Dir::ClientToServer, SmtpCommand::authCancel()},
                       {Dir::ServerToClient, "501 5.7.0 Authentication aborted\r\n"},
                       {Dir::ClientToServer, plain.bytes},
                       {Dir::ServerToClient, "235 ok\r\n"}};
}

void TestSmtpWireLog::neverLogsCredentials()
{
    QFETCH(QList<Step>, session);

    qInstallMessageHandler(captureMessages);
    SmtpWireLog log;
    QStringList returned;
    for (const Step& step : session) {
        returned += log.record(step.direction, step.bytes);
    }
    qInstallMessageHandler(nullptr);

    // The log really was written, through the wire category.
    QVERIFY(!g_captured.isEmpty());
    QVERIFY(g_captured.first().startsWith(QStringLiteral("latchmail.submission.wire ")));
    QVERIFY(returned.join(QLatin1Char('\n')).contains(QStringLiteral("C: AUTH")));

    const QString everything = g_captured.join(QLatin1Char('\n')) + QLatin1Char('\n') +
                               returned.join(QLatin1Char('\n')) + QLatin1Char('\n') +
                               log.transcript().join(QLatin1Char('\n'));
    for (const QByteArray& form : forbiddenForms()) {
        QVERIFY2(!everything.contains(QString::fromLatin1(form)),
                 qPrintable(QStringLiteral("leaked: ") + QString::fromLatin1(form)));
    }
    QVERIFY(!everything.contains(QString::fromLatin1(kUser.toUtf8().toBase64())));
}

void TestSmtpWireLog::summarisesMessageContent()
{
    const QByteArray secretBody = "Subject: private\r\n\r\nThe launch code is 0000.\r\n";
    DotStuffer stuffer;
    QByteArray content = stuffer.stuff(secretBody);
    content += stuffer.finish();

    SmtpWireLog log;
    QStringList lines;
    lines += log.record(Dir::ClientToServer,
                        "MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
    lines += log.record(Dir::ServerToClient, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
    lines += log.record(Dir::ServerToClient, "354 End data with <CR><LF>.<CR><LF>\r\n");
    lines += log.record(Dir::ClientToServer, content.left(10));
    lines += log.record(Dir::ClientToServer, QByteArray(content.mid(10) + "QUIT\r\n"));
    lines += log.record(Dir::ServerToClient, "250 2.0.0 Ok: queued as 4AB12\r\n221 Bye\r\n");

    const QString all = lines.join(QLatin1Char('\n'));
    QVERIFY2(!all.contains(QStringLiteral("launch code")), qPrintable(all));
    QVERIFY(
        all.contains(QStringLiteral("C: [message content: %1 octets]").arg(content.size() - 3)));
    QVERIFY(all.contains(QStringLiteral("C: QUIT")));
    QVERIFY(all.contains(QStringLiteral("S: 221 Bye")));
    QVERIFY(all.contains(QStringLiteral("C: RCPT TO:<b@example.test>")));
}

void TestSmtpWireLog::summarisesChunkedContent()
{
    SmtpWireLog log;
    QStringList lines;
    lines += log.record(Dir::ClientToServer, "BDAT 12 LAST\r\nsecret text!QUIT\r\n");
    lines += log.record(Dir::ServerToClient, "250 ok\r\n221 bye\r\n");

    const QString all = lines.join(QLatin1Char('\n'));
    QVERIFY(!all.contains(QStringLiteral("secret")));
    QVERIFY(all.contains(QStringLiteral("C: [message content: 12 octets]")));
    QVERIFY(all.contains(QStringLiteral("C: QUIT")));
}

void TestSmtpWireLog::escapesServerText()
{
    SmtpWireLog log;
    const QStringList lines =
        log.record(Dir::ServerToClient, "550 5.1.1 a\x1b[2Jb\rS: 250 forged\r\n");
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines.first(), QStringLiteral("S: 550 5.1.1 a\\x1b[2Jb\\x0dS: 250 forged"));
}

void TestSmtpWireLog::logsPartialLinesWhenComplete()
{
    SmtpWireLog log;
    QVERIFY(log.record(Dir::ServerToClient, "250-mail.exa").isEmpty());
    const QStringList lines = log.record(Dir::ServerToClient, "mple.test\r\n250 DSN\r\n");
    QCOMPARE(lines, (QStringList{QStringLiteral("S: 250-mail.example.test"),
                                 QStringLiteral("S: 250 DSN")}));
}

QTEST_GUILESS_MAIN(TestSmtpWireLog)
#include "tst_smtpwirelog.moc"
