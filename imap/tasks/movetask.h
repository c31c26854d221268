// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/sequenceset.h"
#include "imap/tasks/imaptask.h"

#include <optional>

namespace Latchmail {
class MessageCache;
}

namespace Latchmail::Imap {

/// Moves messages of the selected mailbox to another one: UID MOVE (RFC 6851) when offered,
/// else UID COPY, STORE +FLAGS.SILENT (\Deleted) and UID EXPUNGE of exactly those messages
/// (RFC 4315 UIDPLUS). The moved messages leave the source mailbox's cache.
class MoveTask : public ImapTask
{
    Q_OBJECT

public:
    MoveTask(MessageCache* cache, QString mailbox, QList<quint32> uids, QString target,
             QObject* parent = nullptr);

    /// RFC 4315 COPYUID: the UIDVALIDITY of the target and the new UIDs, when reported.
    [[nodiscard]] std::optional<quint32> targetUidValidity() const { return m_targetUidValidity; }
    [[nodiscard]] const SequenceSet& targetUids() const { return m_targetUids; }
    /// Without UIDPLUS the copies are made and the originals only marked \Deleted.
    [[nodiscard]] bool originalsLeftDeleted() const { return m_leftDeleted; }

protected:
    void run() override;
    void handleUntaggedStatus(const UntaggedStatus& response) override;
    void handleTagged(const TaggedResponse& response) override;

private:
    enum class Step { Move, Copy, MarkDeleted, Expunge };
    void noteCopyUid(const std::optional<ResponseCode>& code);
    void finishMoved();

    MessageCache* m_cache;
    QString m_mailbox;
    QList<quint32> m_uids;
    SequenceSet m_set;
    QString m_target;
    Step m_step = Step::Move;
    std::optional<quint32> m_targetUidValidity;
    SequenceSet m_targetUids;
    bool m_leftDeleted = false;
};

} // namespace Latchmail::Imap
