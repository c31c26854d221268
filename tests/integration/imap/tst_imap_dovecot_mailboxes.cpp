// SPDX-License-Identifier: GPL-3.0-or-later
// Mailbox operations against a real Dovecot that advertises special-use mailboxes: LIST finds
// Sent, Drafts, Trash, Junk and Archive by their RFC 6154 attributes and records them in the
// cache; STATUS reports MESSAGES, UNSEEN and UIDNEXT (directly and in a service sync for the
// mailboxes not synchronised); EXAMINE opens a mailbox read-only, so a non-PEEK fetch after it
// leaves \Seen unset, where the same fetch after SELECT sets it.
#include "imap/command.h"
#include "imap/tasks/listmailboxestask.h"
#include "imap/tasks/selecttask.h"
#include "imap/tasks/statustask.h"
#include "imaptestaccount.h"
#include "testsession.h"

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

// UID FETCH of a body section without PEEK: sets \Seen in a read-write mailbox (RFC 9051
// 6.4.5), never in a read-only one.
class FetchTextTask : public Imap::ImapTask
{
public:
    explicit FetchTextTask(quint32 uid)
        : m_uid(uid)
    {
    }

protected:
    void run() override
    {
        send(Imap::CommandBuilder(session()->nextTag(), "UID FETCH", session()->commandOptions())
                 .token(QByteArray::number(m_uid))
                 .token("(BODY[TEXT])")
                 .build());
    }
    void handleTagged(const Imap::TaggedResponse& response) override
    {
        if (response.status == Imap::Status::Ok) {
            finishOk();
        } else {
            finishWithServerError(QStringLiteral("UID FETCH"), response);
        }
    }

private:
    quint32 m_uid;
};

} // namespace

class TestImapDovecotMailboxes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void listFindsSpecialUseMailboxes_data();
    void listFindsSpecialUseMailboxes();
    void statusReportsCounts_data();
    void statusReportsCounts();
    void syncReportsStatusOfOtherMailboxes();
    void examineIsReadOnly();

private:
    [[nodiscard]] std::optional<Imap::StatusData> status(const QString& mailbox);

    std::unique_ptr<MailStack> m_stack;
    QTemporaryDir m_dir;
};

void TestImapDovecotMailboxes::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_stack = std::make_unique<MailStack>();
    QVERIFY2(m_stack->start(), qPrintable(m_stack->errorString()));
    const QString alice = QStringLiteral("alice");
    const auto generate = [](int index) { return MailStack::generateMessage(index); };
    // INBOX: 4 unread, then 3 read. Archive: 1 read, 1 unread. Junk: 2 unread (EXAMINE test).
    QVERIFY(m_stack->addMessages(alice, 4, generate));
    QVERIFY(m_stack->addMessages(alice, 3, generate, QStringLiteral("INBOX"), QStringLiteral("S")));
    QVERIFY(
        m_stack->addMessages(alice, 1, generate, QStringLiteral("Archive"), QStringLiteral("S")));
    QVERIFY(m_stack->addMessages(alice, 1, generate, QStringLiteral("Archive")));
    QVERIFY(m_stack->addMessages(alice, 2, generate, QStringLiteral("Junk")));
}

void TestImapDovecotMailboxes::cleanupTestCase()
{
    if (m_stack) {
        m_stack->stop();
    }
}

std::optional<Imap::StatusData> TestImapDovecotMailboxes::status(const QString& mailbox)
{
    TestSession session(*m_stack, m_stack->user(QStringLiteral("alice")));
    if (!session.open()) {
        qWarning() << session.error();
        return std::nullopt;
    }
    auto* task = new Imap::StatusTask(mailbox);
    std::optional<Imap::StatusData> result;
    QObject::connect(task, &Imap::ImapTask::finished, task,
                     [&result, task] { result = task->status(); });
    if (!session.run(task)) {
        qWarning() << session.error();
        return std::nullopt;
    }
    return result;
}

void TestImapDovecotMailboxes::listFindsSpecialUseMailboxes_data()
{
    QTest::addColumn<QString>("use");
    QTest::addColumn<QString>("name");
    for (const QString& name :
         {QStringLiteral("Sent"), QStringLiteral("Drafts"), QStringLiteral("Trash"),
          QStringLiteral("Junk"), QStringLiteral("Archive")}) {
        QTest::newRow(qPrintable(name.toLower())) << QStringLiteral("\\") + name << name;
    }
}

void TestImapDovecotMailboxes::listFindsSpecialUseMailboxes()
{
    QFETCH(QString, use);
    QFETCH(QString, name);

    MessageCache cache;
    QVERIFY(cache.open(m_dir.filePath(QStringLiteral("list-%1.sqlite").arg(name))));
    TestSession session(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY2(session.open(), qPrintable(session.error()));
    QVERIFY(session.session().capabilities().specialUse());
    auto* list = new Imap::ListMailboxesTask(&cache);
    QString found;
    QObject::connect(list, &Imap::ImapTask::finished, list,
                     [&found, list, use] { found = list->mailboxWithSpecialUse(use); });
    QVERIFY2(session.run(list), qPrintable(session.error()));

    QCOMPARE(found, name);
    const std::optional<CachedMailbox> cached = cache.mailboxWithSpecialUse(use);
    QVERIFY(cached.has_value());
    QCOMPARE(cached->name, name);
    QCOMPARE(cached->specialUse, use);
    QVERIFY(cache.mailbox(QStringLiteral("INBOX")).has_value());
    QVERIFY(cache.mailbox(QStringLiteral("INBOX"))->specialUse.isEmpty());
}

void TestImapDovecotMailboxes::statusReportsCounts_data()
{
    QTest::addColumn<QString>("mailbox");
    QTest::addColumn<quint64>("messages");
    QTest::addColumn<quint64>("unseen");
    QTest::addColumn<quint64>("uidNext");
    QTest::newRow("inbox") << QStringLiteral("INBOX") << quint64(7) << quint64(4) << quint64(8);
    QTest::newRow("archive") << QStringLiteral("Archive") << quint64(2) << quint64(1) << quint64(3);
    QTest::newRow("empty-trash") << QStringLiteral("Trash") << quint64(0) << quint64(0)
                                 << quint64(1);
}

void TestImapDovecotMailboxes::statusReportsCounts()
{
    QFETCH(QString, mailbox);
    QFETCH(quint64, messages);
    QFETCH(quint64, unseen);
    QFETCH(quint64, uidNext);

    const std::optional<Imap::StatusData> data = status(mailbox);
    QVERIFY(data.has_value());
    QCOMPARE(data->messages.value_or(0), messages);
    QCOMPARE(data->unseen.value_or(0), unseen);
    QCOMPARE(data->uidNext.value_or(0), uidNext);
    QVERIFY(data->uidValidity.value_or(0) != 0);
}

void TestImapDovecotMailboxes::syncReportsStatusOfOtherMailboxes()
{
    ImapTestAccount account(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY(account.isValid());
    std::unique_ptr<Imap::ImapService> service = account.service();
    ServiceOutcome outcome;
    watchOutcome(*service, &outcome);
    service->synchronize(QStringLiteral("INBOX"));
    QTRY_VERIFY_WITH_TIMEOUT(outcome.done, 60000);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));

    QHash<QString, Imap::MailboxCounts> counts;
    for (const Imap::MailboxCounts& other : outcome.report.otherMailboxes) {
        counts.insert(other.mailbox, other);
    }
    QVERIFY(!counts.contains(QStringLiteral("INBOX"))); // synchronised, not counted
    QCOMPARE(counts.size(), 5);
    QCOMPARE(counts.value(QStringLiteral("Archive")).messages, quint64(2));
    QCOMPARE(counts.value(QStringLiteral("Archive")).unseen, quint64(1));
    QCOMPARE(counts.value(QStringLiteral("Archive")).uidNext, quint64(3));
    QCOMPARE(counts.value(QStringLiteral("Sent")).messages, quint64(0));
    QVERIFY(counts.contains(QStringLiteral("Sent")));
}

void TestImapDovecotMailboxes::examineIsReadOnly()
{
    const QString junk = QStringLiteral("Junk");
    QCOMPARE(status(junk).value_or(Imap::StatusData()).unseen.value_or(99), quint64(2));

    TestSession session(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY2(session.open(), qPrintable(session.error()));
    auto* examine = new Imap::SelectTask(junk, Imap::SelectOptions(), true);
    bool readOnly = false;
    QObject::connect(examine, &Imap::ImapTask::finished, examine,
                     [&readOnly, examine] { readOnly = examine->selected().readOnly; });
    QVERIFY2(session.run(examine), qPrintable(session.error()));
    QVERIFY(readOnly);
    QVERIFY2(session.run(new FetchTextTask(1)), qPrintable(session.error()));
    QCOMPARE(status(junk).value_or(Imap::StatusData()).unseen.value_or(99), quint64(2));

    // The same fetch in a read-write SELECT does mark the message as read.
    auto* select = new Imap::SelectTask(junk, Imap::SelectOptions(), false);
    QVERIFY2(session.run(select), qPrintable(session.error()));
    QVERIFY2(session.run(new FetchTextTask(2)), qPrintable(session.error()));
    QCOMPARE(status(junk).value_or(Imap::StatusData()).unseen.value_or(99), quint64(1));
}

QTEST_GUILESS_MAIN(TestImapDovecotMailboxes)
#include "tst_imap_dovecot_mailboxes.moc"
