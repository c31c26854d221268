// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/fetchflagstask.h"

#include "imap/authmessages.h"
#include "imap/cache/messagecache.h"
#include "imap/cache/messagerecord.h"
#include "imap/command.h"
#include "imap/session.h"

namespace Latchmail::Imap {

namespace {

constexpr quint32 kLargestUid = 0xffffffffu;

bool sameFlags(QStringList a, QStringList b)
{
    a.sort();
    b.sort();
    return a == b;
}

} // namespace

FetchFlagsTask::FetchFlagsTask(MessageCache* cache, QString mailbox, SequenceSet uids,
                               std::optional<quint64> changedSince, QObject* parent)
    : ImapTask(parent)
    , m_cache(cache)
    , m_mailbox(std::move(mailbox))
    , m_uids(std::move(uids))
    , m_changedSince(changedSince)
{
}

void FetchFlagsTask::run()
{
    m_cachedFlags = m_cache->flagsByUid(m_mailbox);
    QList<QByteArray> items = {"UID", "FLAGS"};
    if (session()->capabilities().condStore()) {
        items.append("MODSEQ");
    }
    send(Commands::uidFetch(session()->nextTag(), m_uids, items, m_changedSince));
}

void FetchFlagsTask::handleFetch(const FetchData& response)
{
    if (!response.uid || !response.flags || !m_uids.contains(*response.uid, kLargestUid)) {
        return;
    }
    const auto cached = m_cachedFlags.find(*response.uid);
    if (cached == m_cachedFlags.end()) {
        return;
    }
    const QStringList flags = flagStrings(*response.flags);
    if (sameFlags(flags, *cached)) {
        return;
    }
    *cached = flags;
    m_updates.append(FlagUpdate{*response.uid, flags, response.modSeq.value_or(0)});
}

void FetchFlagsTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(
            QStringLiteral("Refreshing flags of \u201c%1\u201d").arg(m_mailbox), response));
        return;
    }
    if (!m_updates.isEmpty() && !m_cache->updateFlags(m_mailbox, m_updates)) {
        finishWithError(m_cache->lastError());
        return;
    }
    m_changed = m_updates.size();
    finishOk();
}

} // namespace Latchmail::Imap
