// SPDX-License-Identifier: GPL-3.0-or-later
// latchmail-cli send / outbox as real processes against the real Postfix + Dovecot stack, with
// passwords in a private keyring (run inside tests/support/with-keyring.sh): every exit status
// of the contract (0 sent, 1 refused for good, 2 usage, 3 held for security, 4 authentication
// failed, 5 retry queued), the --json shapes, the outbox listing with reasons, releasing a held
// message, and the delivery report shown by `outbox NAME --sent --check`.
#include "submissionstack.h"

#include "tests/support/freeport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

struct CliRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
    QByteArray describe() const
    {
        return "exit " + QByteArray::number(exitCode) + '\n' + out + err;
    }
};

} // namespace

class TestCliSend : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void usageErrors_data();
    void usageErrors();
    void sendWithAttachment();
    void deliveryReportShown();
    void unknownRecipientFails();
    void latchFailureHoldsUntilReleased();
    void unreachableServerQueuesRetry();
    void wrongPasswordKeepsMessageQueued();
    void oversizedBodyRefused();
    void serverWithoutDsnSaysNoReports();

private:
    CliRun cli(const QStringList& arguments, const QByteArray& input = {});
    void addAccount(const QString& name, quint16 smtpPort, const QString& password,
                    quint16 imapPort = 0);
    QJsonArray outboxMessages(const QString& name);

    std::unique_ptr<MailStack> m_stack;
    QTemporaryDir m_profile;
    QString m_envelopeId;
};

CliRun TestCliSend::cli(const QStringList& arguments, const QByteArray& input)
{
    QProcess process;
    process.start(QStringLiteral(LATCHMAIL_CLI),
                  QStringList{QStringLiteral("--profile"), m_profile.path()} + arguments);
    CliRun run;
    if (!process.waitForStarted(30000)) {
        return run;
    }
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(kDeliveryTimeoutMs * 2)) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

void TestCliSend::addAccount(const QString& name, quint16 smtpPort, const QString& password,
                             quint16 imapPort)
{
    const CliRun run =
        cli({QStringLiteral("account"), QStringLiteral("add"), name, QStringLiteral("--email"),
             QStringLiteral("alice@example.test"), QStringLiteral("--imap"),
             QStringLiteral("127.0.0.1:%1").arg(imapPort ? imapPort : m_stack->ports().imapTls),
             QStringLiteral("--smtp"), QStringLiteral("127.0.0.1:%1").arg(smtpPort),
             QStringLiteral("--user"), QStringLiteral("alice"), QStringLiteral("--ca-file"),
             m_stack->caFile(), QStringLiteral("--password-stdin")},
            password.toUtf8() + '\n');
    QVERIFY2(run.exitCode == 0, run.describe().constData());
}

QJsonArray TestCliSend::outboxMessages(const QString& name)
{
    const CliRun run = cli({QStringLiteral("outbox"), name, QStringLiteral("--json")});
    if (run.exitCode != 0) {
        qWarning("%s", run.describe().constData());
    }
    return run.json().value(QStringLiteral("messages")).toArray();
}

void TestCliSend::initTestCase()
{
    QVERIFY(m_profile.isValid());
    MailStack::Options options;
    options.postfix = true;
    m_stack = std::make_unique<MailStack>(options);
    QVERIFY2(m_stack->start(), qPrintable(m_stack->errorString()));
    // --tls auto: implicit TLS first (the IMAP port speaks it), STARTTLS second (submission).
    addAccount(QStringLiteral("alice"), m_stack->ports().submission,
               m_stack->user(QStringLiteral("alice")).password);
}

void TestCliSend::cleanupTestCase()
{
    if (QTest::currentTestFailed() && m_stack) {
        qWarning("%s", qPrintable(m_stack->logs().right(10000)));
    }
    m_stack.reset();
}

void TestCliSend::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expectedError");
    const QString alice = QStringLiteral("alice");
    QTest::newRow("missing-to") << QStringList{QStringLiteral("send"), alice,
                                               QStringLiteral("--subject"), QStringLiteral("x")}
                                << "missing --to";
    QTest::newRow("missing-subject")
        << QStringList{QStringLiteral("send"), alice, QStringLiteral("--to"),
                       QStringLiteral("bob@example.test")}
        << "missing --subject";
    QTest::newRow("bad-address") << QStringList{QStringLiteral("send"),
                                                alice,
                                                QStringLiteral("--to"),
                                                QStringLiteral("bob@exa mple"),
                                                QStringLiteral("--subject"),
                                                QStringLiteral("x")}
                                 << "invalid address";
    QTest::newRow("missing-attachment")
        << QStringList{QStringLiteral("send"),      alice,
                       QStringLiteral("--to"),      QStringLiteral("bob@example.test"),
                       QStringLiteral("--subject"), QStringLiteral("x"),
                       QStringLiteral("--attach"),  QStringLiteral("/nonexistent/file")}
        << "cannot read the attachment";
    QTest::newRow("outbox-check-without-sent")
        << QStringList{QStringLiteral("outbox"), alice, QStringLiteral("--check")}
        << "--check goes with --sent";
}

void TestCliSend::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expectedError);
    const CliRun run = cli(arguments, "body\n");
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(expectedError.toUtf8()), run.describe().constData());
    QVERIFY(outboxMessages(QStringLiteral("alice")).isEmpty());
}

void TestCliSend::sendWithAttachment()
{
    const QString attachment = m_profile.filePath(QStringLiteral("notes.txt"));
    QFile file(attachment);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("attached\n");
    file.close();

    const CliRun run = cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("--to"),
                            QStringLiteral("bob@example.test"), QStringLiteral("--subject"),
                            QStringLiteral("CLI send"), QStringLiteral("--attach"), attachment,
                            QStringLiteral("--json")},
                           "Hello from the command line.\n");
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    const QJsonObject json = run.json();
    QCOMPARE(json.value(QStringLiteral("result")).toString(), QStringLiteral("sent"));
    QCOMPARE(json.value(QStringLiteral("deliveryReports")).toString(), QStringLiteral("requested"));
    QVERIFY(json.value(QStringLiteral("error")).isNull());
    const QJsonObject first = json.value(QStringLiteral("messages")).toArray().first().toObject();
    QVERIFY(first.value(QStringLiteral("removed")).toBool());
    m_envelopeId = json.value(QStringLiteral("queued"))
                       .toObject()
                       .value(QStringLiteral("envelopeId"))
                       .toString();
    QVERIFY(!m_envelopeId.isEmpty());

    QVERIFY(outboxMessages(QStringLiteral("alice")).isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(
        anyContains(m_stack->messages(QStringLiteral("bob")), "Subject: CLI send"),
        kDeliveryTimeoutMs);
}

void TestCliSend::deliveryReportShown()
{
    QVERIFY(!m_envelopeId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(anyContains(m_stack->messages(QStringLiteral("alice")),
                                         "Original-Envelope-Id: " + m_envelopeId.toLatin1()),
                             kDeliveryTimeoutMs);

    const CliRun run =
        cli({QStringLiteral("outbox"), QStringLiteral("alice"), QStringLiteral("--sent"),
             QStringLiteral("--check"), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    const QJsonObject json = run.json();
    QVERIFY(json.value(QStringLiteral("check"))
                .toObject()
                .value(QStringLiteral("reportsApplied"))
                .toInt() >= 1);
    QJsonObject record;
    for (const QJsonValue& message : json.value(QStringLiteral("messages")).toArray()) {
        if (message.toObject().value(QStringLiteral("envelopeId")).toString() == m_envelopeId) {
            record = message.toObject();
        }
    }
    const QJsonObject bob = record.value(QStringLiteral("recipients")).toArray().first().toObject();
    QCOMPARE(bob.value(QStringLiteral("state")).toString(), QStringLiteral("delivered"));
    QVERIFY2(record.value(QStringLiteral("transitSummary"))
                 .toString()
                 .contains(QLatin1String("used TLS")),
             run.out.constData());

    // Each hop with its own claims: Postfix's submission hop states its TLS version and suite.
    const QJsonObject hop =
        record.value(QStringLiteral("transitHops")).toArray().first().toObject();
    QCOMPARE(hop.value(QStringLiteral("tls")).toString(), QStringLiteral("used"));
    QCOMPARE(hop.value(QStringLiteral("claimSource")).toString(), QStringLiteral("comment"));
    QVERIFY2(hop.value(QStringLiteral("tlsVersion")).toString().startsWith(QLatin1String("TLSv1.")),
             run.out.constData());
    QVERIFY(!hop.value(QStringLiteral("cipherSuite")).toString().isEmpty());

    const CliRun text =
        cli({QStringLiteral("outbox"), QStringLiteral("alice"), QStringLiteral("--sent")});
    QVERIFY2(text.out.contains("claims, not proofs"), text.describe().constData());
    const QByteArray hopLine =
        "    hop 1: from [127.0.0.1] by localhost, with ESMTPSA: claims TLS (" +
        hop.value(QStringLiteral("tlsVersion")).toString().toUtf8() + ", " +
        hop.value(QStringLiteral("cipherSuite")).toString().toUtf8() +
        ") \u2014 as stated in its comment";
    QVERIFY2(text.out.contains(hopLine), text.describe().constData());
}

void TestCliSend::unknownRecipientFails()
{
    const CliRun run = cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("--to"),
                            QStringLiteral("nobody@example.test"), QStringLiteral("--subject"),
                            QStringLiteral("Nobody")},
                           "body\n");
    QVERIFY2(run.exitCode == 1, run.describe().constData());
    const QJsonArray messages = outboxMessages(QStringLiteral("alice"));
    QCOMPARE(messages.size(), 1);
    const QJsonObject entry = messages.first().toObject();
    QCOMPARE(entry.value(QStringLiteral("state")).toString(), QStringLiteral("failed"));
    QVERIFY2(entry.value(QStringLiteral("lastError"))
                 .toString()
                 .contains(QLatin1String("The server said")),
             qPrintable(entry.value(QStringLiteral("lastError")).toString()));

    const CliRun removed =
        cli({QStringLiteral("outbox"), QStringLiteral("alice"), QStringLiteral("--remove"),
             entry.value(QStringLiteral("id")).toString()});
    QCOMPARE(removed.exitCode, 0);
    QVERIFY(outboxMessages(QStringLiteral("alice")).isEmpty());
}

// A latch this version cannot check (a well-formed token from "a newer version") fails closed.
void TestCliSend::latchFailureHoldsUntilReleased()
{
    const AccountStore store(Profile::resolve(m_profile.path()).accountsDirectory());
    Account account = *store.load(QStringLiteral("alice")).account;
    account.latchRecordRef(Service::MessageSubmission)
        .addLatches(LatchSet{QStringLiteral("tls-dane-tlsa")}, QDateTime::currentDateTimeUtc());
    QVERIFY(!store.save(account));

    const CliRun run = cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("--to"),
                            QStringLiteral("bob@example.test"), QStringLiteral("--subject"),
                            QStringLiteral("Held"), QStringLiteral("--json")},
                           "body\n");
    QVERIFY2(run.exitCode == 3, run.describe().constData());
    QCOMPARE(run.json().value(QStringLiteral("result")).toString(),
             QStringLiteral("held-for-security"));
    const QJsonArray messages = outboxMessages(QStringLiteral("alice"));
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages.first().toObject().value(QStringLiteral("state")).toString(),
             QStringLiteral("held-for-security"));

    // The user's provider fixed things (here: the unknown latch is gone); --flush releases it.
    Account restored = *store.load(QStringLiteral("alice")).account;
    restored.latchRecordRef(Service::MessageSubmission)
        .latches.remove(QStringLiteral("tls-dane-tlsa"));
    QVERIFY(!store.save(restored));
    const CliRun flush =
        cli({QStringLiteral("outbox"), QStringLiteral("alice"), QStringLiteral("--flush")});
    QVERIFY2(flush.exitCode == 0, flush.describe().constData());
    QVERIFY(outboxMessages(QStringLiteral("alice")).isEmpty());
}

void TestCliSend::unreachableServerQueuesRetry()
{
    addAccount(QStringLiteral("offline"), pickFreePort(), QStringLiteral("irrelevant"));
    const CliRun run = cli({QStringLiteral("send"), QStringLiteral("offline"),
                            QStringLiteral("--to"), QStringLiteral("bob@example.test"),
                            QStringLiteral("--subject"), QStringLiteral("Later")},
                           "body\n");
    QVERIFY2(run.exitCode == 5, run.describe().constData());
    const QJsonArray messages = outboxMessages(QStringLiteral("offline"));
    QCOMPARE(messages.size(), 1);
    const QJsonObject entry = messages.first().toObject();
    QCOMPARE(entry.value(QStringLiteral("state")).toString(), QStringLiteral("retrying"));
    QVERIFY(!entry.value(QStringLiteral("nextAttemptAt")).toString().isEmpty());
}

void TestCliSend::wrongPasswordKeepsMessageQueued()
{
    addAccount(QStringLiteral("wrongpw"), m_stack->ports().submission,
               QStringLiteral("not-the-password"));
    const CliRun run = cli({QStringLiteral("send"), QStringLiteral("wrongpw"),
                            QStringLiteral("--to"), QStringLiteral("bob@example.test"),
                            QStringLiteral("--subject"), QStringLiteral("Denied")},
                           "body\n");
    QVERIFY2(run.exitCode == 4, run.describe().constData());
    const QJsonArray messages = outboxMessages(QStringLiteral("wrongpw"));
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages.first().toObject().value(QStringLiteral("state")).toString(),
             QStringLiteral("queued"));
}

// The body is read from standard input up to 64 MiB; one byte more is refused before anything
// is queued, with a message that names the limit.
void TestCliSend::oversizedBodyRefused()
{
    QByteArray body(64 * 1024 * 1024 + 1, 'a');
    for (qsizetype i = 76; i < body.size(); i += 78) {
        body[i] = '\n';
    }
    const CliRun run = cli({QStringLiteral("send"), QStringLiteral("alice"), QStringLiteral("--to"),
                            QStringLiteral("bob@example.test"), QStringLiteral("--subject"),
                            QStringLiteral("Too big")},
                           body);
    body.clear();
    QVERIFY2(run.exitCode == 1, run.describe().left(2000).constData());
    QVERIFY2(run.err.contains("larger than 64 MiB"), run.describe().left(2000).constData());
    QVERIFY(outboxMessages(QStringLiteral("alice")).isEmpty());
    QVERIFY(!anyContains(m_stack->messages(QStringLiteral("bob")), "Subject: Too big"));
}

// A Postfix whose submission services do not announce DSN: the message is sent without DSN
// parameters, and both `send` and `outbox --sent` say that no delivery reports can be expected.
void TestCliSend::serverWithoutDsnSaysNoReports()
{
    const QString password = m_stack->user(QStringLiteral("alice")).password;
    MailStack::Options options;
    options.postfix = true;
    options.dsn = false;
    options.users = {QStringLiteral("alice:") + password, QStringLiteral("bob")};
    MailStack stack(options);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));
    addAccount(QStringLiteral("nodsn"), stack.ports().submission, password, stack.ports().imapTls);

    const CliRun run = cli({QStringLiteral("send"), QStringLiteral("nodsn"), QStringLiteral("--to"),
                            QStringLiteral("bob@example.test"), QStringLiteral("--subject"),
                            QStringLiteral("No DSN"), QStringLiteral("--json")},
                           "body\n");
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    QCOMPARE(run.json().value(QStringLiteral("deliveryReports")).toString(),
             QStringLiteral("not-expected"));
    QTRY_VERIFY_WITH_TIMEOUT(anyContains(stack.messages(QStringLiteral("bob")), "Subject: No DSN"),
                             kDeliveryTimeoutMs);

    const CliRun sent = cli({QStringLiteral("outbox"), QStringLiteral("nodsn"),
                             QStringLiteral("--sent"), QStringLiteral("--json")});
    QVERIFY2(sent.exitCode == 0, sent.describe().constData());
    const QJsonArray records = sent.json().value(QStringLiteral("messages")).toArray();
    QCOMPARE(records.size(), 1);
    const QJsonObject record = records.first().toObject();
    QCOMPARE(record.value(QStringLiteral("dsnRequested")).toBool(true), false);
    QVERIFY2(record.value(QStringLiteral("expectation"))
                 .toString()
                 .startsWith(QLatin1String("No delivery reports can be expected")),
             sent.out.constData());
    const CliRun text =
        cli({QStringLiteral("outbox"), QStringLiteral("nodsn"), QStringLiteral("--sent")});
    QVERIFY2(text.out.contains("No delivery reports can be expected"), text.describe().constData());
}

QTEST_GUILESS_MAIN(TestCliSend)
#include "tst_cli_send.moc"
