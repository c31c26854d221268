// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/cache/cachetypes.h"
#include "imap/sequenceset.h"
#include "imap/tasks/imaptask.h"

#include <optional>

namespace Latchmail {
class MessageCache;
}

namespace Latchmail::Imap {

/// UID FETCH set (UID FLAGS [MODSEQ]) [(CHANGEDSINCE n)] (RFC 9051 6.4.5, RFC 7162 3.1.4): the
/// flags of cached messages, refreshed. Only flags that differ from the cache are written (one
/// transaction); UIDs the cache does not hold are ignored.
class FetchFlagsTask : public ImapTask
{
    Q_OBJECT

public:
    FetchFlagsTask(MessageCache* cache, QString mailbox, SequenceSet uids,
                   std::optional<quint64> changedSince = std::nullopt, QObject* parent = nullptr);

    /// Messages whose flags changed in the cache.
    [[nodiscard]] qsizetype changedCount() const { return m_changed; }

protected:
    void run() override;
    void handleFetch(const FetchData& response) override;
    void handleTagged(const TaggedResponse& response) override;

private:
    MessageCache* m_cache;
    QString m_mailbox;
    SequenceSet m_uids;
    std::optional<quint64> m_changedSince;
    QHash<quint32, QStringList> m_cachedFlags;
    QList<FlagUpdate> m_updates;
    qsizetype m_changed = 0;
};

} // namespace Latchmail::Imap
