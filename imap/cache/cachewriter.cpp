// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/cache/cachewriter.h"

#include "imap/cache/messagecache.h"

#include <pthread.h>

#include <utility>

namespace Latchmail::Imap {

CacheWriter::CacheWriter(QString cacheFile)
    : m_cacheFile(std::move(cacheFile))
{
    m_thread = std::thread([this] {
        pthread_setname_np(pthread_self(), "cache-writer"); // shown by top -H, gdb and perf
        work();
    });
}

CacheWriter::~CacheWriter()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

void CacheWriter::store(const QString& mailbox, QList<CachedMessage> batch)
{
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return qsizetype(m_queue.size()) < kMaxQueuedBatches; });
    m_queue.push_back(Job{mailbox, std::move(batch)});
    lock.unlock();
    m_changed.notify_all();
}

CacheWriter::Outcome CacheWriter::takeOutcome()
{
    std::lock_guard lock(m_mutex);
    return std::exchange(m_outcome, Outcome());
}

CacheWriter::Outcome CacheWriter::finish()
{
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return m_queue.empty() && !m_busy; });
    return std::exchange(m_outcome, Outcome());
}

void CacheWriter::work()
{
    // The connection belongs to this thread (Qt SQL connections must stay in their thread).
    MessageCache cache;
    const bool opened = cache.open(m_cacheFile, MessageCache::Connection::Additional);

    std::unique_lock lock(m_mutex);
    if (!opened) {
        m_failed = true;
        m_outcome.error = cache.lastError();
    }
    while (true) {
        m_changed.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_queue.empty()) {
            return; // stopping, with nothing left to store
        }
        Job job = std::move(m_queue.front());
        m_queue.pop_front();
        m_busy = true;
        const bool failedBefore = m_failed;
        lock.unlock();
        m_changed.notify_all(); // room in the queue

        QString error;
        if (!failedBefore && !job.batch.isEmpty() && !cache.storeMessages(job.mailbox, job.batch)) {
            error = cache.lastError();
        }

        lock.lock();
        m_busy = false;
        if (!error.isEmpty()) {
            m_failed = true;
            m_outcome.error = error;
        } else if (!failedBefore) {
            for (const CachedMessage& message : std::as_const(job.batch)) {
                m_outcome.storedUids.append(message.uid);
            }
        }
        m_changed.notify_all(); // finish() may be waiting
    }
}

} // namespace Latchmail::Imap
