// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/syncmailboxtask.h"

#include "core/logging.h"
#include "imap/cache/messagecache.h"
#include "imap/tasks/fetchflagstask.h"
#include "imap/tasks/fetchheaderstask.h"
#include "imap/tasks/searchuidstask.h"
#include "imap/tasks/selecttask.h"
#include "imap/tasks/statustask.h"

#include <QSet>

namespace Latchmail::Imap {

SyncMailboxTask::SyncMailboxTask(MessageCache* cache, QString mailbox, QObject* parent)
    : ImapTask(parent)
    , m_cache(cache)
    , m_mailbox(std::move(mailbox))
{
    m_report.mailbox = m_mailbox;
}

void SyncMailboxTask::handleTagged(const TaggedResponse&) {}

bool SyncMailboxTask::check(ImapTask* child)
{
    if (!child->succeeded()) {
        finishWithError(child->errorMessage());
        return false;
    }
    return true;
}

void SyncMailboxTask::run()
{
    if (!m_cache->ensureMailbox(m_mailbox)) {
        finishWithError(m_cache->lastError());
        return;
    }
    m_cached = m_cache->mailbox(m_mailbox).value_or(CachedMailbox());

    const bool statusDecides = m_maySkipSelect && session()->capabilities().condStore() &&
                               m_cached.uidValidity != 0 && m_cached.uidNext != 0 &&
                               m_cached.highestModSeq != 0;
    if (!statusDecides) {
        select();
        return;
    }
    runChild(new StatusTask(m_mailbox), [this](ImapTask* child) {
        const auto* status = static_cast<StatusTask*>(child);
        if (!child->succeeded() || !status->status()) {
            select(); // SELECT gives the real answer, or the real error
            return;
        }
        afterStatus(*status->status());
    });
}

void SyncMailboxTask::afterStatus(const StatusData& status)
{
    const bool unchanged = status.uidValidity == m_cached.uidValidity &&
                           status.uidNext == m_cached.uidNext &&
                           status.highestModSeq == m_cached.highestModSeq && status.messages &&
                           qint64(*status.messages) == m_cache->messageCount(m_mailbox);
    if (!unchanged) {
        select();
        return;
    }

    m_report.unchanged = true;
    m_report.exists = quint32(*status.messages);
    if (!m_cache->setSyncState(m_mailbox, m_cached.uidValidity, m_cached.uidNext,
                               m_cached.highestModSeq, QDateTime::currentDateTimeUtc())) {
        finishWithError(m_cache->lastError());
        return;
    }
    finishOk();
}

void SyncMailboxTask::select()
{
    SelectOptions options;
    const Capabilities& capabilities = session()->capabilities();
    if (session()->qresyncEnabled() && m_cached.uidValidity != 0 && m_cached.highestModSeq != 0 &&
        m_cached.uidNext != 0) {
        options.qresync = SelectOptions::QResync{m_cached.uidValidity, m_cached.highestModSeq, {}};
    } else if (capabilities.condStore()) {
        options.condStore = true;
    }
    runChild(new SelectTask(m_mailbox, options),
             [this](ImapTask* child) { afterSelect(static_cast<SelectTask*>(child)); });
}

void SyncMailboxTask::afterSelect(SelectTask* select)
{
    if (!check(select)) {
        return;
    }
    m_selected = select->selected();
    m_report.exists = m_selected.exists;

    if (m_cached.uidValidity != 0 && m_selected.uidValidity != m_cached.uidValidity) {
        qCInfo(lcImap).noquote() << "UIDVALIDITY of" << m_mailbox << "changed; resynchronising";
        if (!m_cache->resetMailbox(m_mailbox, m_selected.uidValidity)) {
            finishWithError(m_cache->lastError());
            return;
        }
        m_report.uidValidityChanged = true;
        m_cached = m_cache->mailbox(m_mailbox).value_or(CachedMailbox());
        startFullSync();
        return;
    }

    const bool qresyncUsable = session()->qresyncEnabled() && m_cached.highestModSeq != 0 &&
                               m_cached.uidNext != 0 && m_selected.highestModSeq != 0 &&
                               m_selected.uidNext != 0;
    if (qresyncUsable) {
        applyQresyncChanges(select);
        return;
    }
    startFullSync();
}

void SyncMailboxTask::applyQresyncChanges(SelectTask* select)
{
    m_report.usedQresync = true;
    // Reading every cached UID costs tens of milliseconds in a large mailbox: only when the
    // server reported VANISHED UIDs to match against them.
    const QList<quint32> cachedUids =
        select->vanished().isEmpty() ? QList<quint32>() : m_cache->uids(m_mailbox);

    QList<quint32> vanished;
    for (quint32 uid : cachedUids) {
        for (const SequenceSet& set : select->vanished()) {
            if (set.contains(uid, 0xffffffffu)) {
                vanished.append(uid);
                break;
            }
        }
    }
    if (!vanished.isEmpty() && !m_cache->removeMessages(m_mailbox, vanished)) {
        finishWithError(m_cache->lastError());
        return;
    }
    m_report.removed = vanished.size();

    QList<FlagUpdate> updates;
    for (const FetchData& change : select->changes()) {
        QStringList flags;
        for (const QByteArray& flag : *change.flags) {
            flags.append(QString::fromUtf8(flag));
        }
        updates.append(FlagUpdate{*change.uid, flags, change.modSeq.value_or(0)});
    }
    if (!updates.isEmpty() && !m_cache->updateFlags(m_mailbox, updates)) {
        finishWithError(m_cache->lastError());
        return;
    }
    m_report.flagsChanged = updates.size();

    fetchNewSince(m_cached.uidNext);
}

void SyncMailboxTask::fetchNewSince(quint32 uidNext)
{
    if (m_selected.uidNext <= uidNext) {
        finishIncremental();
        return;
    }
    auto* fetch = new FetchHeadersTask(m_cache, m_mailbox, SequenceSet(uidNext, SequenceSet::Star));
    runChild(fetch, [this](ImapTask* child) {
        if (check(child)) {
            m_report.added += static_cast<FetchHeadersTask*>(child)->storedCount();
            finishIncremental();
        }
    });
}

// QRESYNC only reports changes since the cached state; a cache that lost messages (or holds
// some the server never reported as vanished) stays wrong. Its count against EXISTS shows it,
// and a full comparison of UIDs repairs it.
void SyncMailboxTask::finishIncremental()
{
    if (m_cache->messageCount(m_mailbox) != qint64(m_selected.exists)) {
        qCInfo(lcImap).noquote() << "the cache of" << m_mailbox
                                 << "does not match the server's message count; comparing UIDs";
        startFullSync();
        return;
    }
    finishSync();
}

void SyncMailboxTask::startFullSync()
{
    m_report.fullResync = true;
    if (m_selected.exists == 0) {
        afterSearch({});
        return;
    }
    runChild(new SearchUidsTask("ALL"), [this](ImapTask* child) {
        if (check(child)) {
            afterSearch(static_cast<SearchUidsTask*>(child)->uids());
        }
    });
}

void SyncMailboxTask::afterSearch(const QList<quint32>& serverUids)
{
    const QList<quint32> cachedUids = m_cache->uids(m_mailbox);
    const QSet<quint32> onServer(serverUids.cbegin(), serverUids.cend());
    const QSet<quint32> cached(cachedUids.cbegin(), cachedUids.cend());

    QList<quint32> removed;
    for (quint32 uid : cachedUids) {
        if (!onServer.contains(uid)) {
            removed.append(uid);
        }
    }
    if (!removed.isEmpty() && !m_cache->removeMessages(m_mailbox, removed)) {
        finishWithError(m_cache->lastError());
        return;
    }
    m_report.removed = removed.size();

    QList<quint32> missing;
    for (quint32 uid : serverUids) {
        if (!cached.contains(uid)) {
            missing.append(uid);
        }
    }
    if (cachedUids.size() == removed.size()) {
        fetchMissing(missing); // nothing cached is left whose flags could be stale
        return;
    }
    refreshFlags(missing);
}

void SyncMailboxTask::refreshFlags(const QList<quint32>& missing)
{
    std::optional<quint64> changedSince;
    if (session()->capabilities().condStore() && m_cached.highestModSeq != 0 &&
        m_selected.highestModSeq != 0) {
        if (m_selected.highestModSeq == m_cached.highestModSeq) {
            fetchMissing(missing); // no flag changed since the last sync
            return;
        }
        changedSince = m_cached.highestModSeq;
    }
    auto* flags =
        new FetchFlagsTask(m_cache, m_mailbox, SequenceSet(1, SequenceSet::Star), changedSince);
    runChild(flags, [this, missing](ImapTask* child) {
        if (check(child)) {
            m_report.flagsChanged = static_cast<FetchFlagsTask*>(child)->changedCount();
            fetchMissing(missing);
        }
    });
}

void SyncMailboxTask::fetchMissing(const QList<quint32>& missing)
{
    if (missing.isEmpty()) {
        finishSync();
        return;
    }
    runChild(new FetchHeadersTask(m_cache, m_mailbox, missing), [this](ImapTask* child) {
        if (check(child)) {
            m_report.added += static_cast<FetchHeadersTask*>(child)->storedCount();
            finishSync();
        }
    });
}

void SyncMailboxTask::finishSync()
{
    if (!m_cache->setSyncState(m_mailbox, m_selected.uidValidity, m_selected.uidNext,
                               m_selected.highestModSeq, QDateTime::currentDateTimeUtc())) {
        finishWithError(m_cache->lastError());
        return;
    }
    finishOk();
}

} // namespace Latchmail::Imap
