// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/expungetask.h"

#include "imap/authmessages.h"
#include "imap/cache/messagecache.h"
#include "imap/command.h"
#include "imap/session.h"
#include "imap/tasks/searchuidstask.h"

#include <QSet>

namespace Latchmail::Imap {

ExpungeTask::ExpungeTask(MessageCache* cache, QString mailbox, QList<quint32> uids, QObject* parent)
    : ImapTask(parent)
    , m_cache(cache)
    , m_mailbox(std::move(mailbox))
    , m_uids(std::move(uids))
{
}

void ExpungeTask::run()
{
    if (!m_uids.isEmpty() && session()->capabilities().uidPlus()) {
        send(Commands::uidExpunge(session()->nextTag(), SequenceSet::fromNumbers(m_uids)));
        return;
    }
    send(CommandBuilder(session()->nextTag(), "EXPUNGE").build());
}

void ExpungeTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        finishWithError(
            commandFailureMessage(QStringLiteral("Removing deleted messages"), response));
        return;
    }
    reconcile();
}

void ExpungeTask::reconcile()
{
    const QList<quint32> cached = m_cache->uids(m_mailbox);
    if (cached.isEmpty()) {
        finishOk();
        return;
    }
    const QByteArray criteria = "UID " + SequenceSet::fromNumbers(cached).toWire();
    runChild(new SearchUidsTask(criteria), [this, cached](ImapTask* child) {
        if (!child->succeeded()) {
            finishWithError(child->errorMessage());
            return;
        }
        const QList<quint32>& remaining = static_cast<SearchUidsTask*>(child)->uids();
        const QSet<quint32> kept(remaining.cbegin(), remaining.cend());
        QList<quint32> gone;
        for (quint32 uid : cached) {
            if (!kept.contains(uid)) {
                gone.append(uid);
            }
        }
        if (!gone.isEmpty() && !m_cache->removeMessages(m_mailbox, gone)) {
            finishWithError(m_cache->lastError());
            return;
        }
        m_removed = gone.size();
        finishOk();
    });
}

} // namespace Latchmail::Imap
