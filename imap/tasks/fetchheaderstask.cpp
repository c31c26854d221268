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

void FetchHeadersTask::run()
{
    sendNextBatch();
}

void FetchHeadersTask::sendNextBatch()
{
    if (m_nextBatch >= m_batches.size()) {
        finishOk();
        return;
    }
    m_current = m_batches.at(m_nextBatch++);
    m_seen.clear();
    m_received.clear();
    send(Commands::uidFetch(session()->nextTag(), m_current,
                            headerFetchItems(session()->capabilities().condStore())));
}

void FetchHeadersTask::handleFetch(const FetchData& response)
{
    if (!response.uid || !response.envelope || !m_current.contains(*response.uid, kLargestUid) ||
        m_seen.contains(*response.uid)) {
        return; // unsolicited, a flag update, or a duplicate
    }
    m_seen.insert(*response.uid);
    m_received.append(cachedMessageFrom(response));
}

void FetchHeadersTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(
            QStringLiteral("Fetching message headers of \u201c%1\u201d").arg(m_mailbox), response));
        return;
    }
    if (!m_received.isEmpty() && !m_cache->storeMessages(m_mailbox, m_received)) {
        finishWithError(m_cache->lastError());
        return;
    }
    m_stored += m_received.size();
    for (const CachedMessage& message : std::as_const(m_received)) {
        m_storedUids.append(message.uid);
    }
    m_received.clear();
    Q_EMIT progress(m_stored, qMax(m_total, m_stored));
    sendNextBatch();
}

} // namespace Latchmail::Imap
