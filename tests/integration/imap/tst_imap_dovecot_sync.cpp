// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP engine against a real Dovecot: a full sync of 1,001 varied messages into the cache
// (RFC 2047 headers, multipart, attachments), a no-change resync, a 20 MB attachment fetched
// on demand and streamed with bounded memory, flags round-trip, and moving messages.
#include "generatedmail.h"
#include "imap/bodystructure.h"
#include "imap/cache/structureserialization.h"
#include "imap/tasks/movetask.h"
#include "imap/tasks/storeflagstask.h"
#include "imap/tasks/syncmailboxtask.h"
#include "imaptestaccount.h"
#include "testsession.h"

#include <QFile>
#include <QTemporaryDir>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kInbox = QStringLiteral("INBOX");
constexpr int kGenerated = 1000;
constexpr quint32 kLargeUid = kGenerated + 1;
constexpr qint64 kLargeAttachment = 20 * 1024 * 1024;

// Peak resident memory of this process (Linux VmHWM), in bytes.
qint64 peakResidentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:")) {
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
        }
    }
    return -1;
}

// Resets the peak to the current resident size (Linux clear_refs "5").
bool resetPeakResident()
{
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    return clear.open(QIODevice::WriteOnly) && clear.write("5") == 1;
}

} // namespace

class TestImapDovecotSync : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void fullSyncOfThousandMessages();
    void noChangeResyncIsIncremental();
    void cacheReadableOffline();
    void largeAttachmentStreamedOnDemand();
    void flagsRoundTrip();
    void moveToAnotherMailbox();

private:
    void runSync(const QString& mailbox, ServiceOutcome* outcome);

    std::unique_ptr<MailStack> m_stack;
    std::unique_ptr<ImapTestAccount> m_account;
};

void TestImapDovecotSync::initTestCase()
{
    m_stack = std::make_unique<MailStack>();
    QVERIFY2(m_stack->start(), qPrintable(m_stack->errorString()));
    const QString alice = QStringLiteral("alice");
    QVERIFY(m_stack->addMessages(alice, kGenerated, generatedMail));
    QVERIFY(m_stack->addMessages(alice, {mailWithLargeAttachment(kLargeAttachment)}));
    QVERIFY(m_stack->addMessages(alice, QByteArrayList(), QStringLiteral("Archive")));
    m_account = std::make_unique<ImapTestAccount>(*m_stack, m_stack->user(alice));
    QVERIFY(m_account->isValid());
}

void TestImapDovecotSync::cleanupTestCase()
{
    m_account.reset();
    if (m_stack) {
        m_stack->stop();
    }
}

void TestImapDovecotSync::runSync(const QString& mailbox, ServiceOutcome* outcome)
{
    std::unique_ptr<Imap::ImapService> service = m_account->service();
    watchOutcome(*service, outcome);
    service->synchronize(mailbox);
    QTRY_VERIFY_WITH_TIMEOUT(outcome->done, 180000);
}

void TestImapDovecotSync::fullSyncOfThousandMessages()
{
    ServiceOutcome outcome;
    runSync(kInbox, &outcome);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message + m_stack->logs().right(2000)));
    QCOMPARE(outcome.report.added, kGenerated + 1);
    QVERIFY(outcome.report.fullResync);

    MessageCache cache;
    QVERIFY(cache.open(m_account->profile().cacheFile(QStringLiteral("test"))));
    QCOMPARE(cache.messageCount(kInbox), kGenerated + 1);
    for (int index : {0, 1, 2, 3, 500, 999}) {
        const std::optional<CachedMessage> message = cache.message(kInbox, quint32(index + 1));
        QVERIFY(message);
        QCOMPARE(message->subject, generatedSubject(index));
        QCOMPARE(message->from, generatedFrom(index));
        QCOMPARE(message->messageId, QStringLiteral("gen-%1@example.test").arg(index));
        QVERIFY(message->date.isValid());
        QVERIFY(message->size > 0);
        QVERIFY(message->modSeq > 0);
    }

    // Attachments are found in the stored body structure.
    const std::optional<Imap::BodyPart> structure =
        Imap::deserializeBodyStructure(cache.message(kInbox, 3)->bodyStructure);
    QVERIFY(structure);
    const QList<Imap::Attachment> attachments = Imap::attachments(*structure);
    QCOMPARE(attachments.size(), 1);
    QCOMPARE(attachments.first().rawFileName, QByteArray("report-2.pdf"));
    QCOMPARE(attachments.first().partNumber, QByteArray("2"));

    // The mailbox list and the sync state are recorded.
    QVERIFY(cache.mailbox(QStringLiteral("Archive")));
    const CachedMailbox inbox = *cache.mailbox(kInbox);
    QVERIFY(inbox.uidValidity != 0);
    QCOMPARE(inbox.uidNext, kLargeUid + 1);
    QVERIFY(inbox.highestModSeq != 0);

    // Latches earned by the verified TLS 1.3 connection were recorded after the login.
    const LatchRecord record = m_account->stored().latchRecord(Service::MessageAccess);
    QVERIFY(record.hasObservation);
    for (const QString& latch :
         {LatchToken::Tls12, LatchToken::Tls13, LatchToken::TlsCert, LatchToken::TlsPfs}) {
        QVERIFY2(record.latchSet().contains(latch), qPrintable(record.latchSet().toString()));
    }
}

void TestImapDovecotSync::noChangeResyncIsIncremental()
{
    // Nothing changed: STATUS alone answers, the mailbox is not selected.
    ServiceOutcome outcome;
    runSync(kInbox, &outcome);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QVERIFY(outcome.report.unchanged);
    QVERIFY(!outcome.report.usedQresync);
    QVERIFY(!outcome.report.fullResync);
    QCOMPARE(outcome.report.exists, quint32(kGenerated + 1)); // and the large attachment
    QCOMPARE(outcome.report.added, 0);
    QCOMPARE(outcome.report.removed, 0);
    QCOMPARE(outcome.report.flagsChanged, 0);

    // A flag changed by another client raises HIGHESTMODSEQ: QRESYNC picks the change up.
    MessageCache elsewhere;
    QTemporaryDir elsewhereDir;
    QVERIFY(elsewhere.open(elsewhereDir.filePath(QStringLiteral("cache.sqlite"))));
    TestSession other(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY2(other.open(), qPrintable(other.error()));
    QVERIFY2(other.run(new Imap::SyncMailboxTask(&elsewhere, kInbox)), qPrintable(other.error()));
    QVERIFY2(other.run(new Imap::StoreFlagsTask(&elsewhere, kInbox, {3}, Imap::StoreMode::Add,
                                                {"$Noticed"})),
             qPrintable(other.error()));
    ServiceOutcome changed;
    runSync(kInbox, &changed);
    QVERIFY2(changed.ok, qPrintable(changed.error.message));
    QVERIFY(!changed.report.unchanged);
    QVERIFY(changed.report.usedQresync);
    QCOMPARE(changed.report.flagsChanged, 1);

    // A cache that lost a message no longer matches MESSAGES: the mailbox is selected again,
    // and as QRESYNC reports nothing for it, the count against EXISTS leads to a UID comparison
    // that fetches it again.
    MessageCache cache;
    QVERIFY(cache.open(m_account->profile().cacheFile(QStringLiteral("test"))));
    QVERIFY(cache.removeMessages(kInbox, {4}));
    ServiceOutcome mismatch;
    runSync(kInbox, &mismatch);
    QVERIFY2(mismatch.ok, qPrintable(mismatch.error.message));
    QVERIFY(!mismatch.report.unchanged);
    QVERIFY(mismatch.report.usedQresync);
    QVERIFY(mismatch.report.fullResync);
    QCOMPARE(mismatch.report.added, 1);
    QVERIFY(cache.message(kInbox, 4));
}

void TestImapDovecotSync::cacheReadableOffline()
{
    // No server involved: a fresh cache object reads what the sync stored.
    MessageCache cache;
    QVERIFY(cache.open(m_account->profile().cacheFile(QStringLiteral("test"))));
    const QList<CachedMessage> messages = cache.messages(kInbox);
    QCOMPARE(messages.size(), kGenerated + 1);
    QCOMPARE(messages.last().subject, QStringLiteral("Large attachment"));
}

void TestImapDovecotSync::largeAttachmentStreamedOnDemand()
{
    std::unique_ptr<Imap::ImapService> service = m_account->service();
    ServiceOutcome outcome;
    watchOutcome(*service, &outcome);

    QVERIFY(resetPeakResident());
    const qint64 before = peakResidentBytes();
    service->fetchParts(kInbox, kLargeUid, {QStringLiteral("2")});
    QTRY_VERIFY_WITH_TIMEOUT(outcome.done, 180000);
    const qint64 growth = peakResidentBytes() - before;
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));

    MessageCache cache;
    QVERIFY(cache.open(m_account->profile().cacheFile(QStringLiteral("test"))));
    const std::optional<CachedPart> part = cache.part(kInbox, kLargeUid, QStringLiteral("2"));
    QVERIFY(part);
    QVERIFY(part->isFile());
    const std::optional<Imap::BodyPart> structure =
        Imap::deserializeBodyStructure(cache.message(kInbox, kLargeUid)->bodyStructure);
    QCOMPARE(quint64(part->size), structure->children.at(1).size);
    QVERIFY(part->size > kLargeAttachment);

    // The encoded part (about 28 MB) never was in memory whole: the peak grew by less than the
    // decoded attachment alone (what stays in memory is bounded by the socket buffers).
    qInfo("peak resident growth while fetching %lld bytes: %lld bytes", part->size, growth);
    QVERIFY2(growth < kLargeAttachment, qPrintable(QString::number(growth)));

    QCOMPARE(
        QByteArray::fromBase64(*cache.partBytes(kInbox, kLargeUid, QStringLiteral("2"))).size(),
        kLargeAttachment);
}

void TestImapDovecotSync::flagsRoundTrip()
{
    MessageCache cache;
    QVERIFY(cache.open(m_account->profile().cacheFile(QStringLiteral("test"))));
    TestSession client(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY2(client.open(), qPrintable(client.error()));
    QVERIFY2(client.run(new Imap::SyncMailboxTask(&cache, kInbox)), qPrintable(client.error()));

    const QList<quint32> uids = {5, 6, 7};
    QVERIFY2(client.run(new Imap::StoreFlagsTask(&cache, kInbox, uids, Imap::StoreMode::Add,
                                                 {"\\Seen", "\\Flagged", "$Work"})),
             qPrintable(client.error()));
    QVERIFY2(client.run(new Imap::StoreFlagsTask(&cache, kInbox, {6}, Imap::StoreMode::Remove,
                                                 {"\\Flagged"})),
             qPrintable(client.error()));

    QStringList five = cache.message(kInbox, 5)->flags;
    five.sort();
    QCOMPARE(five, (QStringList{QStringLiteral("$Work"), QStringLiteral("\\Flagged"),
                                QStringLiteral("\\Seen")}));
    QVERIFY(!cache.message(kInbox, 6)->flags.contains(QStringLiteral("\\Flagged")));

    // A different client sees the same flags on the server.
    ImapTestAccount other(*m_stack, m_stack->user(QStringLiteral("alice")), TlsMode::Implicit);
    std::unique_ptr<Imap::ImapService> service = other.service();
    ServiceOutcome outcome;
    watchOutcome(*service, &outcome);
    service->synchronize(kInbox);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.done, 180000);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(service->cache()->message(kInbox, 5)->flags.size(), 3);
    QVERIFY(service->cache()->message(kInbox, 6)->flags.contains(QStringLiteral("$Work")));
    QVERIFY(!service->cache()->message(kInbox, 6)->flags.contains(QStringLiteral("\\Flagged")));
    QVERIFY(service->cache()->message(kInbox, 8)->flags.isEmpty());
}

void TestImapDovecotSync::moveToAnotherMailbox()
{
    MessageCache cache;
    QVERIFY(cache.open(m_account->profile().cacheFile(QStringLiteral("test"))));
    TestSession client(*m_stack, m_stack->user(QStringLiteral("alice")));
    QVERIFY2(client.open(), qPrintable(client.error()));
    QVERIFY(client.session().capabilities().move());
    QVERIFY2(client.run(new Imap::SyncMailboxTask(&cache, kInbox)), qPrintable(client.error()));

    auto* move = new Imap::MoveTask(&cache, kInbox, {10, 11}, QStringLiteral("Archive"));
    std::optional<quint32> targetValidity;
    QObject::connect(move, &Imap::ImapTask::finished, this, [&](Imap::ImapTask* task) {
        targetValidity = static_cast<Imap::MoveTask*>(task)->targetUidValidity();
    });
    QVERIFY2(client.run(move), qPrintable(client.error()));
    QVERIFY(targetValidity.has_value());
    QVERIFY(!cache.message(kInbox, 10));
    QVERIFY(!cache.message(kInbox, 11));
    QVERIFY(cache.message(kInbox, 12));

    QVERIFY2(client.run(new Imap::SyncMailboxTask(&cache, QStringLiteral("Archive"))),
             qPrintable(client.error()));
    const QList<CachedMessage> archived = cache.messages(QStringLiteral("Archive"));
    QCOMPARE(archived.size(), 2);
    QCOMPARE(archived.at(0).subject, generatedSubject(9));
    QCOMPARE(archived.at(1).subject, generatedSubject(10));

    // The server agrees: a resync of INBOX finds nothing to remove.
    ServiceOutcome outcome;
    runSync(kInbox, &outcome);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(outcome.report.removed, 0);
    QCOMPARE(outcome.report.added, 0);
}

QTEST_GUILESS_MAIN(TestImapDovecotSync)
#include "tst_imap_dovecot_sync.moc"
