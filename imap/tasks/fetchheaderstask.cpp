// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/fetchheaderstask.h"

#include "imap/authmessages.h"
#include "imap/cache/messagecache.h"
#include "imap/cache/messagerecord.h"
#include "imap/command.h"
#include "imap/session.h"

namespace Latchmail::Imap {

namespace {

// `*` in a range resolves to the largest UID in use; any UID the server reports qualifies.
constexpr quint32 kLargestUid = 0xffffffffu;

} // namespace

QList<QByteArray> headerFetchItems(bool condStore)
{
    QList<QByteArray> items = {"UID",           "FLAGS",       "ENVELOPE",
                               "BODYSTRUCTURE", "RFC822.SIZE", "INTERNALDATE"};
    if (condStore) {
        items.append("MODSEQ");
    }
    return items;
}

FetchHeadersTask::FetchHeadersTask(MessageCache* cache, QString mailbox, const QList<quint32>& uids,
                                   qsizetype batchSize, QObject* parent)
    : ImapTask(parent)
    , m_cache(cache)
    , m_mailbox(std::move(mailbox))
    , m_total(uids.size())
{
    batchSize = qMax<qsizetype>(1, batchSize);
    for (qsizetype at = 0; at < uids.size(); at += batchSize) {
        m_batches.append(SequenceSet::fromNumbers(uids.mid(at, batchSize)));
    }
}

FetchHeadersTask::FetchHeadersTask(MessageCache* cache, QString mailbox, SequenceSet range,
                                   QObject* parent)
    : ImapTask(parent)
    , m_cache(cache)
    , m_mailbox(std::move(mailbox))
{
    m_batches.append(std::move(range));
}

FetchHeadersTask::~FetchHeadersTask() = default;

void FetchHeadersTask::run()
{
    m_writer = std::make_unique<CacheWriter>(m_cache->filePath());
    sendBatches();
}

void FetchHeadersTask::sendBatches()
{
    while (m_inFlight.size() < kBatchesInFlight && m_nextBatch < m_batches.size()) {
        Batch batch;
        batch.uids = m_batches.at(m_nextBatch++);
        batch.tag =
            send(Commands::uidFetch(session()->nextTag(), batch.uids,
                                    headerFetchItems(session()->capabilities().condStore())));
        if (batch.tag.isEmpty()) {
            (void)finishStoring(); // the task has failed; what was received is still stored
            return;
        }
        m_inFlight.append(batch);
    }
    if (m_inFlight.isEmpty() && finishStoring()) {
        finishOk();
    }
}

void FetchHeadersTask::handleFetch(const FetchData& response)
{
    if (!response.uid || !response.envelope) {
        return; // unsolicited, or a flag update
    }
    for (Batch& batch : m_inFlight) {
        if (batch.uids.contains(*response.uid, kLargestUid) &&
            !batch.seen.contains(*response.uid)) {
            batch.seen.insert(*response.uid);
            batch.received.append(cachedMessageFrom(response));
            return;
        }
    }
}

void FetchHeadersTask::handleTagged(const TaggedResponse& response)
{
    const auto batch = std::find_if(m_inFlight.begin(), m_inFlight.end(),
                                    [&](const Batch& b) { return b.tag == response.tag; });
    if (batch == m_inFlight.end()) {
        return;
    }
    if (response.status != Status::Ok) {
        if (finishStoring()) {
            finishWithError(commandFailureMessage(
                QStringLiteral("Fetching message headers of \u201c%1\u201d").arg(m_mailbox),
                response));
        }
        return;
    }
    Batch done = std::move(*batch);
    m_inFlight.erase(batch);

    // The next batch goes out first, so the server prepares it while this one is stored.
    if (m_nextBatch < m_batches.size()) {
        sendBatches();
        if (isFinished()) {
            return;
        }
    }
    if (!done.received.isEmpty()) {
        m_writer->store(m_mailbox, std::move(done.received));
    }
    if (!account(m_writer->takeOutcome())) {
        return;
    }
    Q_EMIT progress(storedCount(), qMax(m_total, storedCount()));
    sendBatches();
}

void FetchHeadersTask::handleAborted()
{
    // The session ended: the batches that completed before it are still stored.
    if (m_writer) {
        m_storedUids.append(m_writer->finish().storedUids);
    }
}

bool FetchHeadersTask::account(const CacheWriter::Outcome& outcome)
{
    m_storedUids.append(outcome.storedUids);
    if (!outcome.error.isEmpty()) {
        if (!isFinished()) {
            finishWithError(outcome.error);
        }
        return false;
    }
    return true;
}

bool FetchHeadersTask::finishStoring()
{
    return account(m_writer->finish());
}

} // namespace Latchmail::Imap
