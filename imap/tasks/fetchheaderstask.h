// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/cache/cachetypes.h"
#include "imap/cache/cachewriter.h"
#include "imap/sequenceset.h"
#include "imap/tasks/imaptask.h"

#include <QSet>

#include <memory>

namespace Latchmail {
class MessageCache;
}

namespace Latchmail::Imap {

/// The header sync of a selected mailbox: UID FETCH of FLAGS, ENVELOPE, BODYSTRUCTURE,
/// RFC822.SIZE, INTERNALDATE and (with CONDSTORE) MODSEQ (RFC 9051 6.4.8, RFC 7162 3.1.4), in
/// batches, each batch stored in the cache in one transaction once its tagged OK arrived.
/// Two batches are in flight at a time (RFC 9051 5.5 pipelining), so the server prepares the
/// next one while this one is stored. Storing happens on a CacheWriter's thread while this
/// thread reads and decodes on; the task finishes only once everything it received is stored.
/// FETCH data for UIDs outside the batches asked for is not stored.
class FetchHeadersTask : public ImapTask
{
    Q_OBJECT

public:
    static constexpr qsizetype kDefaultBatchSize = 500;

    /// Fetches exactly `uids`, in batches of `batchSize`.
    FetchHeadersTask(MessageCache* cache, QString mailbox, const QList<quint32>& uids,
                     qsizetype batchSize = kDefaultBatchSize, QObject* parent = nullptr);
    /// Fetches a UID range such as `n:*` in one command (new messages since UIDNEXT n).
    FetchHeadersTask(MessageCache* cache, QString mailbox, SequenceSet range,
                     QObject* parent = nullptr);
    ~FetchHeadersTask() override;

    /// Messages stored so far (all batches that completed).
    [[nodiscard]] qsizetype storedCount() const { return m_storedUids.size(); }
    [[nodiscard]] const QList<quint32>& storedUids() const { return m_storedUids; }

Q_SIGNALS:
    void progress(qsizetype stored, qsizetype total);

protected:
    void run() override;
    void handleFetch(const FetchData& response) override;
    void handleTagged(const TaggedResponse& response) override;
    void handleAborted() override;

private:
    static constexpr qsizetype kBatchesInFlight = 2;

    struct Batch
    {
        QByteArray tag;
        SequenceSet uids;
        QSet<quint32> seen;            // UIDs already received
        QList<CachedMessage> received; // stored on the batch's tagged OK
    };

    void sendBatches();
    /// Counts what the writer stored; false (the task failed) when it reported an error.
    bool account(const CacheWriter::Outcome& outcome);
    /// Waits for the writer and counts what it stored; false when it failed.
    bool finishStoring();

    MessageCache* m_cache;
    QString m_mailbox;
    QList<SequenceSet> m_batches;
    qsizetype m_total = 0;
    qsizetype m_nextBatch = 0;
    QList<Batch> m_inFlight;
    std::unique_ptr<CacheWriter> m_writer;
    QList<quint32> m_storedUids;
};

/// The FETCH items of a header sync, MODSEQ included when the server has CONDSTORE.
[[nodiscard]] QList<QByteArray> headerFetchItems(bool condStore);

} // namespace Latchmail::Imap
