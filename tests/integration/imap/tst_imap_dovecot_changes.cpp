// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP engine against a real Dovecot while another client changes the mailbox: IDLE sees a
// message appended by a second connection, a QRESYNC resync picks up changed flags and expunged
// messages (VANISHED), and a changed UIDVALIDITY leads to a full resync.
#include "imap/command.h"
#include "imap/tasks/appendtask.h"
#include "imap/tasks/expungetask.h"
#include "imap/tasks/storeflagstask.h"
#include "imap/tasks/syncmailboxtask.h"
#include "imaptestaccount.h"
#include "testsession.h"

#include <QSignalSpy>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kInbox = QStringLiteral("INBOX");

// One plain command (CREATE, DELETE, …) for changing the server in a test.
class RawCommandTask : public Imap::ImapTask
{
public:
    RawCommandTask(QByteArray name, QByteArray argument)
        : m_name(std::move(name))
        , m_argument(std::move(argument))
    {
    }

protected:
    void run() override
    {
        send(Imap::CommandBuilder(session()->nextTag(), m_name).astring(m_argument).build());
    }
    void handleTagged(const Imap::TaggedResponse& response) override
    {
        if (response.status == Imap::Status::Ok) {
            finishOk();
        } else {
            finishWithServerError(QString::fromLatin1(m_name), response);
        }
    }

private:
    QByteArray m_name;
    QByteArray m_argument;
};

QByteArray simpleMail(const QByteArray& subject)
{
    return "From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: " + subject +
           "\r\nDate: Fri, 01 Mar 2024 12:00:00 +0000\r\nMessage-ID: <" + subject.toLower() +
           "@example.test>\r\n\r\nBody of " + subject + ".\r\n";
}

} // namespace

class TestImapDovecotChanges : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void idleSeesMessageAppendedByAnotherClient();
    void qresyncAfterChangesByAnotherClient();
    void uidValidityChangeLeadsToFullResync();

private:
    std::unique_ptr<MailStack> m_stack;
};

void TestImapDovecotChanges::initTestCase()
{
    m_stack = std::make_unique<MailStack>();
    QVERIFY2(m_stack->start(), qPrintable(m_stack->errorString()));
    QVERIFY(m_stack->addMessages(QStringLiteral("alice"), 10,
                                 [](int index) { return MailStack::generateMessage(index); }));
}

void TestImapDovecotChanges::cleanupTestCase()
{
    if (m_stack) {
        m_stack->stop();
    }
}

void TestImapDovecotChanges::idleSeesMessageAppendedByAnotherClient()
{
    ImapTestAccount account(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY(account.isValid());
    std::unique_ptr<Imap::ImapService> service = account.service();
    QSignalSpy synced(service.get(), &Imap::ImapService::synchronized);
    QSignalSpy idling(service.get(), &Imap::ImapService::idling);
    QSignalSpy failed(service.get(), &Imap::ImapService::failed);
    service->watch(kInbox);
    QTRY_COMPARE_WITH_TIMEOUT(idling.size(), 1, 60000);
    QCOMPARE(synced.size(), 1);
    const qsizetype before = service->cache()->messageCount(kInbox);

    TestSession other(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY2(other.open(), qPrintable(other.error()));
    QVERIFY2(other.run(new Imap::AppendTask(kInbox, simpleMail("Delivered-while-idling"))),
             qPrintable(other.error()));

    QTRY_COMPARE_WITH_TIMEOUT(synced.size(), 2, 60000);
    QVERIFY(failed.isEmpty());
    const auto report = synced.at(1).at(0).value<Imap::SyncReport>();
    QCOMPARE(report.added, 1);
    QCOMPARE(service->cache()->messageCount(kInbox), before + 1);
    const QList<CachedMessage> messages = service->cache()->messages(kInbox);
    QCOMPARE(messages.last().subject, QStringLiteral("Delivered-while-idling"));

    // Back to waiting for the next change.
    QTRY_COMPARE_WITH_TIMEOUT(idling.size(), 2, 60000);
    service->stop();
}

void TestImapDovecotChanges::qresyncAfterChangesByAnotherClient()
{
    ImapTestAccount account(*m_stack, m_stack->user(QStringLiteral("alice")));
    std::unique_ptr<Imap::ImapService> service = account.service();
    ServiceOutcome first;
    watchOutcome(*service, &first);
    service->synchronize(kInbox);
    QTRY_VERIFY_WITH_TIMEOUT(first.done, 60000);
    QVERIFY2(first.ok, qPrintable(first.error.message));
    const QList<quint32> uids = service->cache()->uids(kInbox);
    QVERIFY(uids.size() >= 10);

    // Another client flags one message and expunges another.
    MessageCache otherCache;
    QTemporaryDir otherDir;
    QVERIFY(otherCache.open(otherDir.filePath(QStringLiteral("other.sqlite"))));
    TestSession other(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY2(other.open(), qPrintable(other.error()));
    QVERIFY(other.run(new Imap::SyncMailboxTask(&otherCache, kInbox)));
    QVERIFY(other.run(new Imap::StoreFlagsTask(&otherCache, kInbox, {uids.at(1)},
                                               Imap::StoreMode::Add, {"\\Flagged"})));
    QVERIFY(other.run(new Imap::StoreFlagsTask(&otherCache, kInbox, {uids.at(2)},
                                               Imap::StoreMode::Add, {"\\Deleted"})));
    QVERIFY2(other.run(new Imap::ExpungeTask(&otherCache, kInbox, {uids.at(2)})),
             qPrintable(other.error()));
    QVERIFY(!otherCache.message(kInbox, uids.at(2)));

    std::unique_ptr<Imap::ImapService> again = account.service();
    ServiceOutcome second;
    watchOutcome(*again, &second);
    again->synchronize(kInbox);
    QTRY_VERIFY_WITH_TIMEOUT(second.done, 60000);
    QVERIFY2(second.ok, qPrintable(second.error.message));
    QVERIFY(second.report.usedQresync);
    QVERIFY(!second.report.fullResync);
    QCOMPARE(second.report.removed, 1);
    QCOMPARE(second.report.added, 0);
    QVERIFY(second.report.flagsChanged >= 1);
    QVERIFY(!again->cache()->message(kInbox, uids.at(2)));
    QVERIFY(
        again->cache()->message(kInbox, uids.at(1))->flags.contains(QStringLiteral("\\Flagged")));
    QCOMPARE(again->cache()->messageCount(kInbox), uids.size() - 1);
}

void TestImapDovecotChanges::uidValidityChangeLeadsToFullResync()
{
    const QString work = QStringLiteral("Work");
    TestSession admin(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY2(admin.open(), qPrintable(admin.error()));
    QVERIFY2(admin.run(new RawCommandTask("CREATE", "Work")), qPrintable(admin.error()));
    for (const char* subject : {"Old-one", "Old-two", "Old-three"}) {
        QVERIFY(admin.run(new Imap::AppendTask(work, simpleMail(subject))));
    }

    ImapTestAccount account(*m_stack, m_stack->user(QStringLiteral("alice")));
    std::unique_ptr<Imap::ImapService> service = account.service();
    ServiceOutcome first;
    watchOutcome(*service, &first);
    service->synchronize(work);
    QTRY_VERIFY_WITH_TIMEOUT(first.done, 60000);
    QVERIFY2(first.ok, qPrintable(first.error.message));
    const quint32 oldValidity = service->cache()->mailbox(work)->uidValidity;
    QCOMPARE(service->cache()->messageCount(work), 3);

    // The mailbox is replaced: same name, new UIDVALIDITY, UIDs starting again at 1.
    QVERIFY2(admin.run(new RawCommandTask("DELETE", "Work")), qPrintable(admin.error()));
    QVERIFY2(admin.run(new RawCommandTask("CREATE", "Work")), qPrintable(admin.error()));
    for (const char* subject : {"New-one", "New-two"}) {
        QVERIFY(admin.run(new Imap::AppendTask(work, simpleMail(subject))));
    }

    std::unique_ptr<Imap::ImapService> again = account.service();
    ServiceOutcome second;
    watchOutcome(*again, &second);
    again->synchronize(work);
    QTRY_VERIFY_WITH_TIMEOUT(second.done, 60000);
    QVERIFY2(second.ok, qPrintable(second.error.message));
    QVERIFY(second.report.uidValidityChanged);
    QVERIFY(second.report.fullResync);
    QCOMPARE(second.report.added, 2);
    QVERIFY(again->cache()->mailbox(work)->uidValidity != oldValidity);
    const QList<CachedMessage> messages = again->cache()->messages(work);
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0).subject, QStringLiteral("New-one"));
    QCOMPARE(messages.at(1).subject, QStringLiteral("New-two"));
}

QTEST_GUILESS_MAIN(TestImapDovecotChanges)
#include "tst_imap_dovecot_changes.moc"
