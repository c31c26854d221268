// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/cache/cachetypes.h"

#include <QList>
#include <QString>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace Latchmail::Imap {

/// Stores batches of message records, one transaction per batch, through a cache connection of
/// its own on a worker thread. A header sync hands over a batch when its tagged OK arrives and
/// goes on reading and decoding the next one while this one is written; SQLite's WAL journal
/// lets the two connections share the file. (Decoding stays with the reader: that split keeps
/// both threads about equally busy.) Batches are stored in the order they were handed over.
/// After the first failure later batches are dropped, so what is stored is always a prefix of
/// what was handed over.
class CacheWriter
{
public:
    /// What completed since the last look: the UIDs of every stored message, in order, and the
    /// first error (empty when none).
    struct Outcome
    {
        QList<quint32> storedUids;
        QString error;
    };

    static constexpr qsizetype kMaxQueuedBatches = 4;

    /// Starts the worker, which opens a second connection to the already open cache `cacheFile`.
    explicit CacheWriter(QString cacheFile);
    /// Stores what is still queued, then stops the worker.
    ~CacheWriter();
    CacheWriter(const CacheWriter&) = delete;
    CacheWriter& operator=(const CacheWriter&) = delete;

    /// Queues `batch` for `mailbox`. While kMaxQueuedBatches wait already, blocks until the
    /// worker takes one: memory stays bounded when the disk is slower than the network.
    void store(const QString& mailbox, QList<CachedMessage> batch);
    /// What has completed so far, without waiting.
    [[nodiscard]] Outcome takeOutcome();
    /// Waits until every batch handed over is stored (or dropped after a failure), then returns
    /// what completed since the last look.
    [[nodiscard]] Outcome finish();

private:
    struct Job
    {
        QString mailbox;
        QList<CachedMessage> batch;
    };

    void work();

    QString m_cacheFile;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Job> m_queue;
    bool m_busy = false; // the worker holds a job it took from the queue
    bool m_stopping = false;
    bool m_failed = false; // a batch failed: later ones are dropped
    Outcome m_outcome;
    std::thread m_thread;
};

} // namespace Latchmail::Imap
