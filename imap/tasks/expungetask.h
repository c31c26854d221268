// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/tasks/imaptask.h"

namespace Latchmail {
class MessageCache;
}

namespace Latchmail::Imap {

/// Removes messages marked \Deleted from the selected mailbox: UID EXPUNGE of the given UIDs
/// (RFC 4315) when offered, else EXPUNGE (RFC 9051 6.4.3). Afterwards a UID SEARCH tells which
/// of the cached messages are gone, and the cache forgets exactly those.
class ExpungeTask : public ImapTask
{
    Q_OBJECT

public:
    /// Empty `uids`: every message marked \Deleted.
    ExpungeTask(MessageCache* cache, QString mailbox, QList<quint32> uids = {},
                QObject* parent = nullptr);

    [[nodiscard]] qsizetype removedCount() const { return m_removed; }

protected:
    void run() override;
    void handleTagged(const TaggedResponse& response) override;

private:
    void reconcile();

    MessageCache* m_cache;
    QString m_mailbox;
    QList<quint32> m_uids;
    qsizetype m_removed = 0;
};

} // namespace Latchmail::Imap
