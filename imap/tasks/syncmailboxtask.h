// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/cache/cachetypes.h"
#include "imap/session.h"
#include "imap/tasks/imaptask.h"

#include <optional>

namespace Latchmail {
class MessageCache;
}

namespace Latchmail::Imap {

class SelectTask;

/// The counters STATUS reported for a mailbox that was not synchronised (RFC 9051 6.3.11).
struct MailboxCounts
{
    QString mailbox;
    quint64 messages = 0;
    quint64 unseen = 0;
    quint64 uidNext = 0;
};

/// What one synchronisation of a mailbox changed in the cache.
struct SyncReport
{
    QString mailbox;
    qsizetype added = 0;
    qsizetype removed = 0;
    qsizetype flagsChanged = 0;
    quint32 exists = 0;
    bool fullResync = false;         ///< every UID compared (no usable QRESYNC state)
    bool uidValidityChanged = false; ///< the cached messages were discarded (RFC 3501 2.3.1.1)
    bool usedQresync = false;        ///< incremental resync (RFC 7162 3.2.5)
    /// STATUS showed the mailbox exactly as last synchronised, so it was not selected at all.
    bool unchanged = false;
    /// STATUS of the other selectable mailboxes listed (ImapService::synchronize()), in LIST
    /// order; a mailbox whose STATUS failed is left out.
    QList<MailboxCounts> otherMailboxes;
};

/// Brings the cache of one mailbox up to date with the server:
/// - QRESYNC (RFC 7162 3.2.5) when enabled and the cache holds a state under the same
///   UIDVALIDITY: SELECT reports what vanished and what changed since the cached MODSEQ; new
///   messages are fetched from the cached UIDNEXT on;
/// - otherwise a full sync: the UIDs on the server are compared with the cache (UID SEARCH),
///   vanished ones are removed, flags refreshed (only changes since the cached MODSEQ with
///   CONDSTORE, RFC 7162 3.1), and missing headers fetched in batches;
/// - a changed UIDVALIDITY discards the cached messages first (RFC 3501 2.3.1.1).
/// With setMaySkipSelect(), a mailbox synchronised before under CONDSTORE is first asked for its
/// STATUS: when UIDVALIDITY, UIDNEXT, MESSAGES and HIGHESTMODSEQ all match the cache, nothing
/// was added (UIDNEXT), removed (MESSAGES against the cached count) or changed (every flag
/// change raises HIGHESTMODSEQ, RFC 7162), and the SELECT is skipped: a QRESYNC SELECT of a
/// 100,000-message mailbox costs Dovecot half a second.
/// The mailbox's sync state is written only when everything succeeded, so an interrupted sync
/// resumes where the cache stands.
class SyncMailboxTask : public ImapTask
{
    Q_OBJECT

public:
    SyncMailboxTask(MessageCache* cache, QString mailbox, QObject* parent = nullptr);

    [[nodiscard]] const SyncReport& report() const { return m_report; }

    /// Allows answering from STATUS alone; only when nothing needs the mailbox selected
    /// afterwards (IDLE does).
    void setMaySkipSelect(bool may) { m_maySkipSelect = may; }

protected:
    void run() override;
    void handleTagged(const TaggedResponse& response) override;

private:
    void select();
    void afterStatus(const StatusData& status);
    void afterSelect(SelectTask* select);
    void applyQresyncChanges(SelectTask* select);
    void fetchNewSince(quint32 uidNext);
    void finishIncremental();
    void startFullSync();
    void afterSearch(const QList<quint32>& serverUids);
    void refreshFlags(const QList<quint32>& missing);
    void fetchMissing(const QList<quint32>& missing);
    void finishSync();
    [[nodiscard]] bool check(ImapTask* child);

    MessageCache* m_cache;
    QString m_mailbox;
    CachedMailbox m_cached;
    SelectedMailbox m_selected;
    SyncReport m_report;
    bool m_maySkipSelect = false;
};

} // namespace Latchmail::Imap

Q_DECLARE_METATYPE(Latchmail::Imap::SyncReport)
