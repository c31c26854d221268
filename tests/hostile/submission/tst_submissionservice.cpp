// SPDX-License-Identifier: GPL-3.0-or-later
// The submission service (outbox + session + account bookkeeping) against scripted servers:
// what each outcome does to the queued message on disk — sent and removed, retrying after a
// dropped connection, held for security after a latch failure or a refused STARTTLS (no AUTH
// sent), queued after an authentication failure, failed after a permanent refusal — plus the
// "no reports expected" record for a server without DSN, latches recorded only after a
// successful AUTH, and recovery of a message a crash left in `sending`.
#include "sessionharness.h"

#include "core/accountstore.h"
#include "core/profile.h"
#include "submission/submissionservice.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kPassword = QStringLiteral("correct horse");

QList<SmtpStep> acceptingSteps(const QByteArrayList& keywords)
{
    return secureStart(keywords) + QList<SmtpStep>{
                                       {"MAIL FROM", "250 2.1.0 Ok\r\n", SmtpStep::Then::Continue},
                                       {"RCPT TO", "250 2.1.5 Ok\r\n", SmtpStep::Then::Continue},
                                       {"DATA", "354 go ahead\r\n", SmtpStep::Then::ReadData},
                                       {".", "250 2.0.0 Ok: queued\r\n", SmtpStep::Then::Continue},
                                       {"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close},
                                   };
}

MimeDraft draft(const QString& subject)
{
    MimeDraft d;
    d.to = {MimeAddress{QStringLiteral("Bob"), QStringLiteral("bob@example.test")}};
    d.subject = subject;
    d.body = QStringLiteral("Hello Bob.\n");
    return d;
}

} // namespace

class TestSubmissionService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void reportsExpectedOnlyWithDsn_data();
    void reportsExpectedOnlyWithDsn();
    void droppedAfterDataStaysQueued();
    void latchFailureHoldsMessage();
    void startTlsRefusedHoldsMessage();
    void authenticationFailureKeepsMessageQueued();
    void permanentRefusalFails();
    void interruptedSendingIsSentAgain();

private:
    void writeAccount(quint16 port, const LatchSet& latches = {});
    std::unique_ptr<SubmissionService> makeService(SubmissionOptions options = {});
    SubmissionReport runToEnd(SubmissionService* service);
    Account loadAccount() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    Profile m_profile;
    Account m_account;
};

void TestSubmissionService::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_profile = Profile::resolve(m_dir->path());
}

void TestSubmissionService::writeAccount(quint16 port, const LatchSet& latches)
{
    m_account = Account();
    m_account.id = QStringLiteral("alice");
    m_account.displayName = QStringLiteral("Alice");
    m_account.address = QStringLiteral("alice@example.test");
    m_account.imap.host = QStringLiteral("127.0.0.1");
    m_account.imap.port = 1;
    m_account.submission.host = QStringLiteral("127.0.0.1");
    m_account.submission.port = port;
    m_account.submission.tlsMode = TlsMode::StartTls;
    m_account.submission.userName = QStringLiteral("alice");
    m_account.submission.extraCaFile = TestCertificates::shared().caFile();
    if (!latches.isEmpty()) {
        m_account.latchRecordRef(Service::MessageSubmission)
            .addLatches(latches, QDateTime::currentDateTimeUtc());
    }
    const std::optional<AccountStoreError> error =
        AccountStore(m_profile.accountsDirectory()).save(m_account);
    QVERIFY2(!error, error ? qPrintable(error->message) : "");
}

Account TestSubmissionService::loadAccount() const
{
    return AccountStore(m_profile.accountsDirectory())
        .load(m_account.id)
        .account.value_or(Account());
}

std::unique_ptr<SubmissionService> TestSubmissionService::makeService(SubmissionOptions options)
{
    options.copyToSent = false; // no IMAP server here
    options.lockTimeoutMs = 500;
    options.connectTimeoutMs = 10000;
    auto service = std::make_unique<SubmissionService>(
        loadAccount(), m_profile,
        [](Service, QString*) { return std::optional<QString>(kPassword); }, options);
    QString error;
    if (!service->open(&error)) {
        qWarning("%s", qPrintable(error));
        return nullptr;
    }
    return service;
}

SubmissionReport TestSubmissionService::runToEnd(SubmissionService* service)
{
    QSignalSpy spy(service, &SubmissionService::finished);
    service->run();
    if (spy.isEmpty() && !spy.wait(30000)) {
        return {};
    }
    return spy.first().first().value<SubmissionReport>();
}

void TestSubmissionService::reportsExpectedOnlyWithDsn_data()
{
    QTest::addColumn<bool>("dsn");
    QTest::newRow("server-with-dsn") << true;
    QTest::newRow("server-without-dsn") << false;
}

void TestSubmissionService::reportsExpectedOnlyWithDsn()
{
    QFETCH(bool, dsn);
    QByteArrayList keywords{"AUTH PLAIN", "PIPELINING"};
    if (dsn) {
        keywords.append("DSN");
    }
    SmtpScript script;
    script.steps = acceptingSteps(keywords);
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    writeAccount(server.serverPort());

    auto service = makeService();
    QVERIFY(service);
    QString error;
    const std::optional<OutboxEntry> queued = service->queue(draft(QStringLiteral("hi")), &error);
    QVERIFY2(queued, qPrintable(error));
    const SubmissionReport report = runToEnd(service.get());

    const SubmissionItem* item = report.item(queued->id);
    QVERIFY(item);
    QCOMPARE(item->outcome, SubmissionItem::Outcome::Sent);
    QVERIFY(item->removed);
    QVERIFY(service->outbox().list().entries.isEmpty());

    const std::optional<SentRecord> record = service->reports().load(queued->envelopeId, &error);
    QVERIFY2(record, qPrintable(error));
    QCOMPARE(record->dsnRequested, dsn);
    QCOMPARE(record->recipients.size(), 1);
    QCOMPARE(record->recipients.first().state, SentRecipient::State::Accepted);
    QCOMPARE(record->expectation().startsWith(QLatin1String("No delivery reports can be expected")),
             !dsn);
    const QByteArray mail = server.tlsReceived();
    const QByteArray envelopeIdParameter = "ENVID=" + queued->envelopeId.toLatin1();
    QCOMPARE(mail.contains(envelopeIdParameter), dsn);
    QCOMPARE(mail.contains("NOTIFY=SUCCESS,DELAY,FAILURE"), dsn);
}

void TestSubmissionService::droppedAfterDataStaysQueued()
{
    SmtpScript script;
    script.steps = acceptingSteps({"AUTH PLAIN"});
    script.steps[script.steps.size() - 2] = {".", QByteArray(), SmtpStep::Then::Close};
    SmtpScriptedServer dropping(script);
    QVERIFY(dropping.listenOnLoopback());
    writeAccount(dropping.serverPort());

    std::optional<OutboxEntry> queued;
    {
        auto service = makeService();
        QVERIFY(service);
        QString error;
        queued = service->queue(draft(QStringLiteral("dropped")), &error);
        QVERIFY2(queued, qPrintable(error));
        const SubmissionReport report = runToEnd(service.get());
        QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::Retrying);

        const QList<OutboxEntry> entries = service->outbox().list().entries;
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.first().state, OutboxState::Retrying);
        QCOMPARE(entries.first().attempts, 1);
        QVERIFY(entries.first().nextAttemptAt > QDateTime::currentDateTimeUtc());
        QVERIFY2(entries.first().lastError.contains(QLatin1String("closed the connection")),
                 qPrintable(entries.first().lastError));
        QVERIFY(QFile::exists(service->outbox().messageFilePath(queued->id)));
        QCOMPARE(dropping.messages().size(), 1); // the server did get the data: at least once
    }

    // Not due yet: an ordinary run leaves it alone; a forced run sends it.
    SmtpScript good;
    good.steps = acceptingSteps({"AUTH PLAIN"});
    SmtpScriptedServer server(good);
    QVERIFY(server.listenOnLoopback());
    writeAccount(server.serverPort());
    {
        auto service = makeService();
        QVERIFY(service);
        const SubmissionReport report = runToEnd(service.get());
        QVERIFY(report.items.isEmpty());
        QCOMPARE(server.connectionCount(), 0);
    }
    SubmissionOptions now;
    now.ignoreSchedule = true;
    auto service = makeService(now);
    QVERIFY(service);
    const SubmissionReport report = runToEnd(service.get());
    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::Sent);
    QVERIFY(service->outbox().list().entries.isEmpty());
    QCOMPARE(server.messages().size(), 1);
}

// The account holds tls13; the server now offers at most TLS 1.2.
void TestSubmissionService::latchFailureHoldsMessage()
{
    SmtpScript script;
    script.protocol = QSsl::TlsV1_2;
    script.steps = acceptingSteps({"AUTH PLAIN"});
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    writeAccount(server.serverPort(), LatchSet{LatchToken::Tls12, LatchToken::Tls13});

    auto service = makeService();
    QVERIFY(service);
    QString error;
    const std::optional<OutboxEntry> queued = service->queue(draft(QStringLiteral("held")), &error);
    QVERIFY2(queued, qPrintable(error));
    const SubmissionReport report = runToEnd(service.get());

    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::HeldForSecurity);
    QVERIFY(report.error && report.error->latchFailure);
    const OutboxEntry entry = service->outbox().list().entries.value(0);
    QCOMPARE(entry.state, OutboxState::HeldForSecurity);
    QCOMPARE(entry.lastError, report.error->latchFailure->userMessage());
    QVERIFY(!server.allReceived().contains("AUTH"));
    QVERIFY(!server.allReceived().contains("MAIL"));

    const LatchRecord record = loadAccount().latchRecord(Service::MessageSubmission);
    QCOMPARE(record.recentFailures.size(), 1);
    QVERIFY(record.recentFailures.first().failed.contains(LatchToken::Tls13));

    // Held messages wait for the user: an ordinary run does not connect.
    const int connections = server.connectionCount();
    auto again = makeService();
    QVERIFY(!again); // the first service still holds the outbox lock
    service.reset();
    again = makeService();
    QVERIFY(again);
    QVERIFY(runToEnd(again.get()).items.isEmpty());
    QCOMPARE(server.connectionCount(), connections);
}

void TestSubmissionService::startTlsRefusedHoldsMessage()
{
    SmtpScript script;
    script.steps = {
        {"EHLO", ehloReply({"STARTTLS", "AUTH PLAIN"}), SmtpStep::Then::Continue},
        {"STARTTLS", "454 4.7.0 TLS not available\r\n", SmtpStep::Then::Continue},
    };
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    writeAccount(server.serverPort());

    auto service = makeService();
    QVERIFY(service);
    QString error;
    const std::optional<OutboxEntry> queued = service->queue(draft(QStringLiteral("x")), &error);
    QVERIFY2(queued, qPrintable(error));
    const SubmissionReport report = runToEnd(service.get());

    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::HeldForSecurity);
    QCOMPARE(service->outbox().list().entries.value(0).state, OutboxState::HeldForSecurity);
    QVERIFY(!server.allReceived().contains("AUTH"));
    // No latch was earned by a session that never authenticated.
    QVERIFY(loadAccount().latchRecord(Service::MessageSubmission).latches.isEmpty());
}

void TestSubmissionService::authenticationFailureKeepsMessageQueued()
{
    SmtpScript script;
    script.steps = secureStart({"AUTH PLAIN"});
    script.steps.last().reply = "535 5.7.8 Error: authentication failed\r\n";
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    writeAccount(server.serverPort());

    auto service = makeService();
    QVERIFY(service);
    QString error;
    const std::optional<OutboxEntry> queued = service->queue(draft(QStringLiteral("x")), &error);
    QVERIFY2(queued, qPrintable(error));
    const SubmissionReport report = runToEnd(service.get());

    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::AuthenticationFailed);
    const OutboxEntry entry = service->outbox().list().entries.value(0);
    QCOMPARE(entry.state, OutboxState::Queued);
    QVERIFY(entry.lastError.contains(QLatin1String("authentication failed")));
    // Latches are recorded only after a successful AUTH.
    QVERIFY(loadAccount().latchRecord(Service::MessageSubmission).latches.isEmpty());
}

void TestSubmissionService::permanentRefusalFails()
{
    SmtpScript script;
    script.steps = secureStart({"AUTH PLAIN", "ENHANCEDSTATUSCODES"});
    script.steps += QList<SmtpStep>{
        {"MAIL FROM", "553 5.7.1 <alice@example.test>: Sender address rejected\r\n",
         SmtpStep::Then::Continue},
        {"QUIT", "221 2.0.0 Bye\r\n", SmtpStep::Then::Close},
    };
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    writeAccount(server.serverPort());

    auto service = makeService();
    QVERIFY(service);
    QString error;
    const std::optional<OutboxEntry> queued = service->queue(draft(QStringLiteral("x")), &error);
    QVERIFY2(queued, qPrintable(error));
    const SubmissionReport report = runToEnd(service.get());

    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::Failed);
    const OutboxEntry entry = service->outbox().list().entries.value(0);
    QCOMPARE(entry.state, OutboxState::Failed);
    QVERIFY2(entry.lastError.contains(QLatin1String("Sender address rejected")),
             qPrintable(entry.lastError));
    // This session authenticated: its latches are recorded.
    const LatchSet latches = loadAccount().latchRecord(Service::MessageSubmission).latchSet();
    QVERIFY2(latches.contains(LatchToken::Tls12), qPrintable(latches.toString()));
}

void TestSubmissionService::interruptedSendingIsSentAgain()
{
    SmtpScript script;
    script.steps = acceptingSteps({"AUTH PLAIN"});
    SmtpScriptedServer server(script);
    QVERIFY(server.listenOnLoopback());
    writeAccount(server.serverPort());

    QString id;
    {
        auto service = makeService();
        QVERIFY(service);
        QString error;
        std::optional<OutboxEntry> queued = service->queue(draft(QStringLiteral("x")), &error);
        QVERIFY2(queued, qPrintable(error));
        // What a crash during the transaction leaves behind.
        queued->state = OutboxState::Sending;
        queued->attempts = 1;
        QVERIFY(service->outbox().save(*queued, &error));
        id = queued->id;
    }

    auto service = makeService();
    QVERIFY(service);
    const SubmissionReport report = runToEnd(service.get());
    QCOMPARE(report.recovery.interrupted, QStringList{id});
    QCOMPARE(report.item(id)->outcome, SubmissionItem::Outcome::Sent);
    QCOMPARE(server.messages().size(), 1);
}

QTEST_GUILESS_MAIN(TestSubmissionService)
#include "tst_submissionservice.moc"
