// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/cache/cachetypes.h"
#include "imap/command.h"
#include "imap/tasks/imaptask.h"

#include <optional>

namespace Latchmail {
class MessageCache;
}

namespace Latchmail::Imap {

/// UID STORE set +FLAGS/-FLAGS/FLAGS (flags) [(UNCHANGEDSINCE n)] (RFC 9051 6.4.6, RFC 7162
/// 3.1.3) on the selected mailbox. The server's FETCH responses (the new flags, with MODSEQ)
/// are written to the cache in one transaction; with UNCHANGEDSINCE, messages changed in the
/// meantime are reported by the MODIFIED code and left alone.
class StoreFlagsTask : public ImapTask
{
    Q_OBJECT

public:
    StoreFlagsTask(MessageCache* cache, QString mailbox, QList<quint32> uids, StoreMode mode,
                   QList<QByteArray> flags, std::optional<quint64> unchangedSince = std::nullopt,
                   QObject* parent = nullptr);

    /// UIDs the server did not change because they were modified since (RFC 7162 MODIFIED).
    [[nodiscard]] const QList<quint32>& modified() const { return m_modified; }

protected:
    void run() override;
    void handleFetch(const FetchData& response) override;
    void handleTagged(const TaggedResponse& response) override;

private:
    MessageCache* m_cache;
    QString m_mailbox;
    QList<quint32> m_uids;
    SequenceSet m_set;
    StoreMode m_mode;
    QList<QByteArray> m_flags;
    std::optional<quint64> m_unchangedSince;
    QList<FlagUpdate> m_updates;
    QList<quint32> m_modified;
};

} // namespace Latchmail::Imap
