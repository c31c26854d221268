// SPDX-License-Identifier: GPL-3.0-or-later
// Crash safety of the outbox against the real Postfix + Dovecot stack: a sender process
// (submission_sender) is killed with SIGKILL at random moments 100 times — while connecting,
// authenticating, streaming DATA, recording states, appending to Sent, removing files — and
// restarted each time, with new messages queued as the outbox drains. At the end:
// - none lost: every queued message was delivered to bob at least once (at-least-once: a kill
//   between the server's acceptance and the sidecar update sends it again; those duplicates
//   are counted and printed, not failed);
// - none stuck: the outbox is empty after the sender is finally allowed to finish;
// - the Sent copy exists exactly once per message (the documented window for Sent copies is
//   none: an interrupted APPEND is looked up by Message-ID before another is made).
#include "submissionstack.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTest>

#include <csignal>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

constexpr int kKills = 100;
constexpr int kMaxRounds = 1000;
constexpr int kRefillBelow = 4;
constexpr int kRefillCount = 3;

// How many of `messages` carry the Message-ID `id`. Header field names are case-insensitive
// (RFC 5322 1.2.2; GMime writes "Message-Id"), so both sides are compared in lower case.
qsizetype countWithMessageId(const QByteArrayList& messages, const QString& id)
{
    const QByteArray needle = "message-id: <" + id.toLatin1().toLower() + '>';
    return std::count_if(messages.cbegin(), messages.cend(), [&](const QByteArray& message) {
        const qsizetype headerEnd = message.indexOf("\n\n");
        return message.left(headerEnd < 0 ? message.size() : headerEnd).toLower().contains(needle);
    });
}

} // namespace

class TestSubmissionCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void killedSenderLosesNothing();

private:
    bool refill(QStringList* messageIds);
    int runSender(int killAfterMs, bool* killed);
    int calibrate(QStringList* messageIds);
    void reportUndelivered(const QStringList& messageIds) const;

    std::unique_ptr<MailStack> m_stack;
    QTemporaryDir m_dir;
    Profile m_profile;
    Account m_account;
    int m_nextMessage = 0;
};

void TestSubmissionCrash::initTestCase()
{
    MailStack::Options options;
    options.postfix = true;
    m_stack = std::make_unique<MailStack>(options);
    QVERIFY2(m_stack->start(), qPrintable(m_stack->errorString()));
    QVERIFY(m_dir.isValid());
    m_profile = Profile::resolve(m_dir.path());
    m_account = stackAccount(*m_stack);
    m_account.requestSuccessDsn = false; // keep alice's INBOX free of hundreds of reports
    QVERIFY(!AccountStore(m_profile.accountsDirectory()).save(m_account));
}

void TestSubmissionCrash::cleanupTestCase()
{
    if (QTest::currentTestFailed() && m_stack) {
        qWarning("%s", qPrintable(m_stack->logs().right(20000)));
    }
    m_stack.reset();
}

// Queues a few messages when the outbox runs low, so that most kills interrupt real work.
bool TestSubmissionCrash::refill(QStringList* messageIds)
{
    const Outbox probe(m_profile.outboxDirectory(m_account.id));
    if (probe.list().entries.size() >= kRefillBelow) {
        return true;
    }
    SubmissionService service(m_account, m_profile, {});
    QString error;
    if (!service.open(&error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    for (int i = 0; i < kRefillCount; ++i) {
        MimeDraft draft;
        draft.to = {MimeAddress{QString(), QStringLiteral("bob@example.test")}};
        draft.subject = QStringLiteral("Crash test %1").arg(m_nextMessage++);
        draft.body = QStringLiteral("Message body\n").repeated(200);
        const std::optional<OutboxEntry> queued = service.queue(draft, &error);
        if (!queued) {
            qWarning("%s", qPrintable(error));
            return false;
        }
        messageIds->append(queued->messageId);
    }
    return true;
}

// Starts the sender; kills it after `killAfterMs` (negative: lets it finish). Returns its exit
// code, or -1 when it was killed.
int TestSubmissionCrash::runSender(int killAfterMs, bool* killed)
{
    QProcess sender;
    sender.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    sender.start(QStringLiteral(SUBMISSION_SENDER), {m_dir.path(), m_account.id});
    if (!sender.waitForStarted()) {
        return -2;
    }
    sender.write(m_stack->user(QStringLiteral("alice")).password.toUtf8() + '\n');
    sender.closeWriteChannel();

    *killed = false;
    if (killAfterMs >= 0) {
        if (!sender.waitForFinished(killAfterMs)) {
            ::kill(pid_t(sender.processId()), SIGKILL);
            *killed = true;
        }
    }
    sender.waitForFinished(kDeliveryTimeoutMs);
    return *killed ? -1 : sender.exitCode();
}

// Times one uninterrupted run over a refilled outbox, so that the kill moments below spread
// over a whole run (start-up, connecting, DATA, Sent APPEND, clean-up) on any machine speed.
int TestSubmissionCrash::calibrate(QStringList* messageIds)
{
    if (!refill(messageIds)) {
        return -1;
    }
    QElapsedTimer timer;
    timer.start();
    bool killed = false;
    if (runSender(-1, &killed) != 0) {
        return -1;
    }
    return int(timer.elapsed());
}

// Names each message that never arrived, with what the stack logged about it and what the
// sender's Sent copy and outbox still hold, so that a loss can be traced to its moment.
void TestSubmissionCrash::reportUndelivered(const QStringList& messageIds) const
{
    const QByteArrayList inbox = m_stack->messages(QStringLiteral("bob"));
    const QByteArrayList sent = m_stack->messages(QStringLiteral("alice"), QStringLiteral("Sent"));
    QFile maillog(m_stack->directory() + QStringLiteral("/postfix/maillog"));
    const QStringList logLines =
        maillog.open(QIODevice::ReadOnly) ? QString::fromUtf8(maillog.readAll()).split(u'\n')
                                          : QStringList();
    for (const QString& id : messageIds) {
        if (countWithMessageId(inbox, id) > 0) {
            continue;
        }
        qWarning("not delivered: <%s>, %lld copies in Sent", qPrintable(id),
                 qlonglong(countWithMessageId(sent, id)));
        // Postfix names the Message-ID once (cleanup); its queue ID ties the other lines to it.
        QStringList keys{id};
        for (const QString& line : logLines) {
            if (line.contains(id)) {
                const QString queueId = line.section(QLatin1String(": "), 1, 1);
                if (!queueId.isEmpty()) {
                    keys.append(queueId);
                }
            }
        }
        for (const QString& line : logLines) {
            if (std::any_of(keys.cbegin(), keys.cend(),
                            [&](const QString& key) { return line.contains(key); })) {
                qWarning("  %s", qPrintable(line));
            }
        }
    }
}

void TestSubmissionCrash::killedSenderLosesNothing()
{
    QStringList messageIds;
    const int runMs = calibrate(&messageIds);
    QVERIFY2(runMs > 0, "an uninterrupted sender run failed");
    qInfo("one uninterrupted sender run takes %d ms; kills fall in 5..%d ms", runMs, runMs);

    int kills = 0;
    for (int round = 0; round < kMaxRounds && kills < kKills; ++round) {
        QVERIFY(refill(&messageIds));
        bool killed = false;
        const int killAfterMs = int(QRandomGenerator::global()->bounded(5, std::max(6, runMs)));
        const int status = runSender(killAfterMs, &killed);
        QVERIFY2(status != -2, "the sender did not start");
        kills += killed ? 1 : 0;
        if (killed && kills % 10 == 0) {
            qInfo("%d kills after %d rounds, %lld messages queued so far", kills, round + 1,
                  qlonglong(messageIds.size()));
        }
    }
    QCOMPARE(kills, kKills);

    // Finally let it finish; a run may leave work when Postfix was slow, so allow a few.
    int status = 1;
    for (int attempt = 0; attempt < 5 && status != 0; ++attempt) {
        bool killed = false;
        status = runSender(-1, &killed);
    }
    QCOMPARE(status, 0);
    const Outbox outbox(m_profile.outboxDirectory(m_account.id));
    QVERIFY(outbox.list().entries.isEmpty());
    QVERIFY(outbox.list().problems.isEmpty());

    // None lost: each message reached bob at least once (delivery is asynchronous).
    const auto allDelivered = [&] {
        const QByteArrayList inbox = m_stack->messages(QStringLiteral("bob"));
        return std::all_of(messageIds.cbegin(), messageIds.cend(), [&](const QString& id) {
            return countWithMessageId(inbox, id) > 0;
        });
    };
    QDeadlineTimer deadline(kDeliveryTimeoutMs);
    while (!allDelivered() && !deadline.hasExpired()) {
        QTest::qWait(250);
    }
    if (!allDelivered()) {
        reportUndelivered(messageIds);
        QFAIL("a queued message never reached its recipient");
    }

    const QByteArrayList inbox = m_stack->messages(QStringLiteral("bob"));
    const QByteArrayList sent = m_stack->messages(QStringLiteral("alice"), QStringLiteral("Sent"));
    int duplicates = 0;
    for (const QString& id : std::as_const(messageIds)) {
        duplicates += int(countWithMessageId(inbox, id)) - 1;
        const qsizetype copies = countWithMessageId(sent, id);
        QVERIFY2(copies == 1,
                 qPrintable(QStringLiteral("%1 copies of %2 in Sent").arg(copies).arg(id)));
    }
    qInfo("%d kills, %lld messages, %d delivered twice (at-least-once window)", kills,
          qlonglong(messageIds.size()), duplicates);
}

QTEST_GUILESS_MAIN(TestSubmissionCrash)
#include "tst_submission_crash.moc"
