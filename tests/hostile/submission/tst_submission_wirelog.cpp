// SPDX-License-Identifier: GPL-3.0-or-later
// A sentinel password goes through complete submission sessions (AUTH PLAIN and AUTH LOGIN,
// a message sent) with every logging category on, the wire traces included. The test fails if
// the password, or any encoding of it a server receives, appears in any log output or in the
// session's transcript — while the scripted server proves the password did go over the wire.
#include "sessionharness.h"

#include <QLoggingCategory>
#include <QMutex>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kUser = QStringLiteral("sentinel-user");
const QString kSentinel = QStringLiteral("Zq7-SENTINEL-p4ss-w0rd-9Xk");

QMutex g_logMutex;
QStringList g_log;

void captureMessage(QtMsgType, const QMessageLogContext& context, const QString& message)
{
    const QMutexLocker locker(&g_logMutex);
    g_log.append(QString::fromLatin1(context.category ? context.category : "default") +
                 QStringLiteral(": ") + message);
}

// Every form in which the password travels: plain, base64 alone (AUTH LOGIN) and the PLAIN
// initial response, with and without padding differences.
QStringList forbiddenForms()
{
    const QByteArray password = kSentinel.toUtf8();
    const QByteArray plain = QByteArray(1, '\0') + kUser.toUtf8() + '\0' + password;
    return {
        kSentinel,
        QString::fromLatin1(password.toBase64()),
        QString::fromLatin1(password.toBase64(QByteArray::OmitTrailingEquals)),
        QString::fromLatin1(plain.toBase64()),
        QString::fromLatin1(plain.toBase64(QByteArray::OmitTrailingEquals)),
        QString::fromLatin1(password.toHex()),
    };
}

} // namespace

class TestSubmissionWireLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void sentinelNeverLogged_data();
    void sentinelNeverLogged();

private:
    QTemporaryDir m_dir;
    QtMessageHandler m_previous = nullptr;
};

void TestSubmissionWireLog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QLoggingCategory::setFilterRules(QStringLiteral("latchmail.*=true"));
    m_previous = qInstallMessageHandler(captureMessage);
}

void TestSubmissionWireLog::cleanupTestCase()
{
    qInstallMessageHandler(m_previous);
}

void TestSubmissionWireLog::sentinelNeverLogged_data()
{
    QTest::addColumn<QByteArray>("mechanism");
    QTest::newRow("auth-plain") << QByteArray("PLAIN");
    QTest::newRow("auth-login") << QByteArray("LOGIN");
}

void TestSubmissionWireLog::sentinelNeverLogged()
{
    QFETCH(QByteArray, mechanism);
    {
        const QMutexLocker locker(&g_logMutex);
        g_log.clear();
    }

    QList<SmtpStep> steps{
        {"EHLO", ehloReply({"STARTTLS"}), SmtpStep::Then::Continue},
        {"STARTTLS", "220 2.0.0 Ready\r\n", SmtpStep::Then::StartTls},
        {"EHLO", ehloReply({"AUTH " + mechanism, "DSN", "PIPELINING"}), SmtpStep::Then::Continue},
    };
    if (mechanism == "PLAIN") {
        steps.append({"AUTH PLAIN", "235 2.7.0 ok\r\n", SmtpStep::Then::Continue});
    } else {
        steps.append({"AUTH LOGIN", "334 VXNlcm5hbWU6\r\n", SmtpStep::Then::Continue});
        steps.append({"", "334 UGFzc3dvcmQ6\r\n", SmtpStep::Then::Continue});
        steps.append({"", "235 2.7.0 ok\r\n", SmtpStep::Then::Continue});
    }
    steps += QList<SmtpStep>{
        {"MAIL FROM", "250 2.1.0 Ok\r\n", SmtpStep::Then::Continue},
        {"RCPT TO", "250 2.1.5 Ok\r\n", SmtpStep::Then::Continue},
        {"DATA", "354 go ahead\r\n", SmtpStep::Then::ReadData},
        {".", "250 2.0.0 Ok: queued\r\n", SmtpStep::Then::Continue},
        {"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close},
    };
    SmtpScript script;
    script.steps = steps;
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());

    const QString file = m_dir.filePath(QStringLiteral("m.eml"));
    QVERIFY(writeMessageFile(file, "Subject: hi\r\n\r\nbody\r\n"));
    MailTransaction transaction;
    transaction.reversePath = QStringLiteral("alice@example.test");
    transaction.recipients = {QStringLiteral("bob@example.test")};
    transaction.envelopeId = QStringLiteral("env-1");
    transaction.messageFile = file;

    SmtpSession session(sessionOptions(server, false));
    SessionOutcome outcome;
    drive(&session, &outcome, kUser, kSentinel, {transaction});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.finished(), 15000);
    QVERIFY2(!outcome.error, qPrintable(outcome.errorText()));
    QCOMPARE(outcome.results.size(), 1);

    // The password did reach the server (over TLS), so the check below is not vacuous.
    const QStringList forms = forbiddenForms();
    const QString received = QString::fromLatin1(server.tlsReceived());
    QVERIFY(received.contains(forms.at(1)) || received.contains(forms.at(3)));

    QStringList everything;
    {
        const QMutexLocker locker(&g_logMutex);
        everything = g_log;
    }
    everything += session.wireLog().transcript();
    const QString all = everything.join(QLatin1Char('\n'));
    QVERIFY2(all.contains(QLatin1String("AUTH")), "the wire trace was not captured");
    QVERIFY2(all.contains(QLatin1String("message content")), qPrintable(all));
    for (const QString& form : forms) {
        QVERIFY2(!all.contains(form), qPrintable(QStringLiteral("leaked: ") + form));
    }
}

QTEST_GUILESS_MAIN(TestSubmissionWireLog)
#include "tst_submission_wirelog.moc"
