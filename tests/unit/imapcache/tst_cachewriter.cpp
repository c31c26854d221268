// SPDX-License-Identifier: GPL-3.0-or-later
// The worker-thread cache writer of header syncs: batches arrive in the cache whole and in
// order through its own connection, finish() waits for all of them, the queue stays bounded,
// a failure drops every later batch and is reported once, and a cache it cannot open is an
// error, not an empty success. Checked by reading the file through the owner's connection.
#include "imap/cache/cachewriter.h"
#include "imap/cache/messagecache.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Imap;

namespace {

CachedMessage record(quint32 uid)
{
    CachedMessage message;
    message.uid = uid;
    message.flags = QStringList{QStringLiteral("\\Seen")};
    message.subject = QStringLiteral("Grüße %1").arg(uid);
    message.messageId = QStringLiteral("m%1@example.test").arg(uid);
    message.envelopeRaw = QByteArray("\xa1\x00", 2); // bytes the writer must keep as they are
    message.size = 1000 + uid;
    return message;
}

QList<CachedMessage> batchOf(quint32 first, quint32 count)
{
    QList<CachedMessage> batch;
    for (quint32 uid = first; uid < first + count; ++uid) {
        batch.append(record(uid));
    }
    return batch;
}

QList<quint32> range(quint32 first, quint32 count)
{
    QList<quint32> uids;
    for (quint32 uid = first; uid < first + count; ++uid) {
        uids.append(uid);
    }
    return uids;
}

} // namespace

class TestCacheWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void storesBatchesInOrder();
    void storesWhatIsQueuedWhenDestroyed();
    void failureDropsLaterBatches();
    void unopenableCacheIsAnError();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MessageCache> m_cache;
};

void TestCacheWriter::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_cache = std::make_unique<MessageCache>();
    QVERIFY2(m_cache->open(m_dir->filePath(QStringLiteral("cache.sqlite"))),
             qPrintable(m_cache->lastError()));
    QVERIFY(m_cache->ensureMailbox(QStringLiteral("INBOX")));
}

void TestCacheWriter::cleanup()
{
    m_cache.reset();
    m_dir.reset();
}

void TestCacheWriter::storesBatchesInOrder()
{
    CacheWriter writer(m_cache->filePath());

    // More batches than the queue holds: store() waits for room instead of growing.
    constexpr quint32 kBatches = CacheWriter::kMaxQueuedBatches * 3;
    for (quint32 b = 0; b < kBatches; ++b) {
        writer.store(QStringLiteral("INBOX"), batchOf(1 + b * 50, 50));
    }
    const CacheWriter::Outcome outcome = writer.finish();

    QVERIFY2(outcome.error.isEmpty(), qPrintable(outcome.error));
    QCOMPARE(outcome.storedUids, range(1, kBatches * 50));
    QCOMPARE(m_cache->messageCount(QStringLiteral("INBOX")), qint64(kBatches * 50));
    const std::optional<CachedMessage> stored = m_cache->message(QStringLiteral("INBOX"), 7);
    QVERIFY(stored);
    QCOMPARE(stored->subject, QStringLiteral("Grüße 7"));
    QCOMPARE(stored->messageId, QStringLiteral("m7@example.test"));
    QCOMPARE(stored->size, qint64(1007));
    QCOMPARE(stored->envelopeRaw, QByteArray("\xa1\x00", 2));
    QCOMPARE(stored->flags, QStringList{QStringLiteral("\\Seen")});

    // Nothing more is reported once taken.
    QVERIFY(writer.takeOutcome().storedUids.isEmpty());
}

void TestCacheWriter::storesWhatIsQueuedWhenDestroyed()
{
    {
        CacheWriter writer(m_cache->filePath());
        writer.store(QStringLiteral("INBOX"), batchOf(1, 300));
        writer.store(QStringLiteral("INBOX"), batchOf(301, 300));
    }
    QCOMPARE(m_cache->uids(QStringLiteral("INBOX")), range(1, 600));
}

void TestCacheWriter::failureDropsLaterBatches()
{
    CacheWriter writer(m_cache->filePath());

    writer.store(QStringLiteral("INBOX"), batchOf(1, 10));
    writer.store(QStringLiteral("No such mailbox"), batchOf(11, 10));
    writer.store(QStringLiteral("INBOX"), batchOf(21, 10));
    const CacheWriter::Outcome outcome = writer.finish();

    QCOMPARE(outcome.storedUids, range(1, 10));
    QVERIFY(!outcome.error.isEmpty());
    QCOMPARE(m_cache->uids(QStringLiteral("INBOX")), range(1, 10));

    // Still failed: a later batch is dropped too, and the error is not repeated.
    writer.store(QStringLiteral("INBOX"), batchOf(31, 10));
    const CacheWriter::Outcome later = writer.finish();
    QVERIFY(later.storedUids.isEmpty());
    QVERIFY(later.error.isEmpty());
    QCOMPARE(m_cache->messageCount(QStringLiteral("INBOX")), qint64(10));
}

void TestCacheWriter::unopenableCacheIsAnError()
{
    // A directory where the database file should be.
    const QString path = m_dir->filePath(QStringLiteral("not-a-file"));
    QVERIFY(QDir().mkpath(path));

    CacheWriter writer(path);
    writer.store(QStringLiteral("INBOX"), batchOf(1, 5));
    const CacheWriter::Outcome outcome = writer.finish();

    QVERIFY(outcome.storedUids.isEmpty());
    QVERIFY2(outcome.error.contains(path), qPrintable(outcome.error));
}

QTEST_GUILESS_MAIN(TestCacheWriter)
#include "tst_cachewriter.moc"
