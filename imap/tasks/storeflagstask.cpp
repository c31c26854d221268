// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/storeflagstask.h"

#include "imap/authmessages.h"
#include "imap/cache/messagecache.h"
#include "imap/cache/messagerecord.h"
#include "imap/session.h"

namespace Latchmail::Imap {

StoreFlagsTask::StoreFlagsTask(MessageCache* cache, QString mailbox, QList<quint32> uids,
                               StoreMode mode, QList<QByteArray> flags,
                               std::optional<quint64> unchangedSince, QObject* parent)
    : ImapTask(parent)
    , m_cache(cache)
    , m_mailbox(std::move(mailbox))
    , m_uids(std::move(uids))
    , m_set(SequenceSet::fromNumbers(m_uids))
    , m_mode(mode)
    , m_flags(std::move(flags))
    , m_unchangedSince(unchangedSince)
{
}

void StoreFlagsTask::run()
{
    if (m_uids.isEmpty()) {
        finishOk();
        return;
    }
    // Not .SILENT: the FETCH replies carry the resulting flags, which the cache takes over.
    send(Commands::uidStore(session()->nextTag(), m_set, m_mode, m_flags, false, m_unchangedSince));
}

void StoreFlagsTask::handleFetch(const FetchData& response)
{
    if (!response.uid || !response.flags || !m_set.contains(*response.uid)) {
        return;
    }
    m_updates.append(
        FlagUpdate{*response.uid, flagStrings(*response.flags), response.modSeq.value_or(0)});
}

void StoreFlagsTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(QStringLiteral("Changing flags"), response));
        return;
    }
    if (response.code && response.code->kind == ResponseCodeKind::Modified) {
        m_modified = response.code->sourceUids.toList(m_uids.size()).value_or(QList<quint32>());
    }
    if (m_cache && !m_updates.isEmpty() && !m_cache->updateFlags(m_mailbox, m_updates)) {
        finishWithError(m_cache->lastError());
        return;
    }
    finishOk();
}

} // namespace Latchmail::Imap
