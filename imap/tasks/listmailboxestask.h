// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/cache/cachetypes.h"
#include "imap/tasks/imaptask.h"

namespace Latchmail {
class MessageCache;
}

namespace Latchmail::Imap {

/// LIST "" "*" RETURN (SPECIAL-USE) (RFC 9051 6.3.9, RFC 5258, RFC 6154), or a plain LIST when
/// the server lacks SPECIAL-USE. Finds the Sent, Drafts, Trash, Junk and Archive mailboxes and,
/// with a cache, records the complete list there.
class ListMailboxesTask : public ImapTask
{
    Q_OBJECT

public:
    explicit ListMailboxesTask(MessageCache* cache = nullptr, QObject* parent = nullptr);

    [[nodiscard]] const QList<CachedMailbox>& mailboxes() const { return m_mailboxes; }
    /// The mailbox with that special use ("\\Sent", …); empty when the server named none.
    [[nodiscard]] QString mailboxWithSpecialUse(const QString& use) const;

protected:
    void run() override;
    void handleList(const ListData& response) override;
    void handleTagged(const TaggedResponse& response) override;

private:
    MessageCache* m_cache;
    QList<CachedMailbox> m_mailboxes;
};

/// The RFC 6154 special-use attribute among `flags` that Latchmail uses, or empty.
[[nodiscard]] QString specialUseOf(const QList<QByteArray>& flags);

} // namespace Latchmail::Imap
