// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/movetask.h"

#include "imap/authmessages.h"
#include "imap/cache/messagecache.h"
#include "imap/mailboxname.h"
#include "imap/session.h"

namespace Latchmail::Imap {

MoveTask::MoveTask(MessageCache* cache, QString mailbox, QList<quint32> uids, QString target,
                   QObject* parent)
    : ImapTask(parent)
    , m_cache(cache)
    , m_mailbox(std::move(mailbox))
    , m_uids(std::move(uids))
    , m_set(SequenceSet::fromNumbers(m_uids))
    , m_target(std::move(target))
{
}

void MoveTask::run()
{
    if (m_uids.isEmpty()) {
        finishOk();
        return;
    }
    const QByteArray target = mailboxNameToWire(m_target, false);
    if (session()->capabilities().move()) {
        m_step = Step::Move;
        send(Commands::uidMove(session()->nextTag(), m_set, target, session()->commandOptions()));
        return;
    }
    m_step = Step::Copy;
    send(Commands::uidCopy(session()->nextTag(), m_set, target, session()->commandOptions()));
}

void MoveTask::noteCopyUid(const std::optional<ResponseCode>& code)
{
    if (code && code->kind == ResponseCodeKind::CopyUid && code->number <= 0xffffffffu) {
        m_targetUidValidity = quint32(code->number);
        m_targetUids = code->destinationUids;
    }
}

void MoveTask::handleUntaggedStatus(const UntaggedStatus& response)
{
    // RFC 6851 4.3: MOVE reports COPYUID in an untagged OK before the expunges.
    if (response.status == Status::Ok) {
        noteCopyUid(response.code);
    }
}

void MoveTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(
            QStringLiteral("Moving messages to \u201c%1\u201d").arg(m_target), response));
        return;
    }
    noteCopyUid(response.code);

    switch (m_step) {
    case Step::Move:
    case Step::Expunge:
        finishMoved();
        return;
    case Step::Copy:
        m_step = Step::MarkDeleted;
        send(Commands::uidStore(session()->nextTag(), m_set, StoreMode::Add, {"\\Deleted"}, true));
        return;
    case Step::MarkDeleted:
        if (!session()->capabilities().uidPlus()) {
            // Limitation: without UIDPLUS only a plain EXPUNGE exists, which would also remove
            // other messages marked \Deleted; the originals stay, marked \Deleted.
            m_leftDeleted = true;
            finishMoved();
            return;
        }
        m_step = Step::Expunge;
        send(Commands::uidExpunge(session()->nextTag(), m_set));
        return;
    }
}

void MoveTask::finishMoved()
{
    if (m_cache && !m_leftDeleted && !m_cache->removeMessages(m_mailbox, m_uids)) {
        finishWithError(m_cache->lastError());
        return;
    }
    finishOk();
}

} // namespace Latchmail::Imap
