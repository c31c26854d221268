// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "submission/outboxentry.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QIODevice;
class QLockFile;

namespace Latchmail {

/// A sidecar that could not be read; the message stays on disk untouched.
struct OutboxProblem
{
    QString id;
    QString filePath;
    QString message; // complete sentence for the user
};

/// Every readable entry (oldest first) and every unreadable one.
struct OutboxListing
{
    QList<OutboxEntry> entries;
    QList<OutboxProblem> problems;
};

/// What Outbox::recover() found and repaired.
struct OutboxRecovery
{
    QStringList interrupted;    // found in `sending`: now `retrying`
    QStringList orphansRemoved; // message files without a sidecar (an unfinished enqueue or
                                // removal), and temporary files of interrupted writes
    QStringList missingContent; // sidecars whose message file is gone: now `failed`
};

/// The outbox of one account: one directory (Profile::outboxDirectory()), two files per queued
/// message — `<id>.eml`, the composed RFC 5322 message, written once; `<id>.json`, the sidecar
/// (OutboxEntry), rewritten on every change of state. Both are written through QSaveFile
/// (temporary file, flush, rename), so each file is always either its old or its new complete
/// version, whatever moment a crash strikes.
///
/// Crash safety, step by step:
/// - enqueue: the message file is committed first, the sidecar second. The sidecar's existence
///   is the moment the message is queued; enqueue() reports success only after it. A crash in
///   between leaves a message file without sidecar, which recover() removes: the caller never
///   heard "queued", so nothing the user was promised is lost.
/// - sending: the sidecar says `sending` before the first byte goes to the server. A crash
///   leaves `sending`, which recover() turns into `retrying`: the message is sent again.
/// - accepted: once the server's 250 reply to the message data arrived, the sidecar says
///   `sent-awaiting-copy`. Delivery is therefore at least once: a crash after the server
///   accepted the data but before this write sends the message a second time.
/// - removal: the sidecar is removed first, the message file second; a crash in between leaves
///   an orphaned message file, which recover() removes.
///
/// Mutating calls need the outbox lock (lock()), a QLockFile in the directory; a lock left by a
/// process that no longer runs is taken over. While one process holds it, a `sending` entry
/// cannot belong to a live process, which is what makes recover() safe.
class Outbox
{
public:
    explicit Outbox(QString directory);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    /// Larger sidecars are refused as corrupt (a sidecar holds a few kilobytes).
    static constexpr qint64 kMaxEntryBytes = 1024 * 1024;

    [[nodiscard]] QString directory() const { return m_directory; }
    [[nodiscard]] QString messageFilePath(const QString& id) const;
    [[nodiscard]] QString entryFilePath(const QString& id) const;

    /// Takes the outbox lock, waiting up to `timeoutMs`. Creates the directory (mode 0700). A
    /// lock held by a process that is gone is taken over at once; a lock file that names no
    /// owner (its creator was killed before writing it) once it is a second old.
    [[nodiscard]] bool lock(int timeoutMs, QString* error);
    void unlock();
    [[nodiscard]] bool isLocked() const;

    /// Writes the message into the device and fills the envelope fields of the entry (message
    /// id, sender, recipients, size, subject, 8-bit needs). Returns false with a reason when the
    /// message cannot be written.
    using MessageWriter =
        std::function<bool(QIODevice* device, OutboxEntry* entry, QString* error)>;

    /// Queues one message (state `queued`, a new id and ENVID). Needs the lock.
    [[nodiscard]] std::optional<OutboxEntry> enqueue(const MessageWriter& writer,
                                                     const QDateTime& now, QString* error);

    /// Every entry, ordered by id (which is the queueing order). Needs no lock.
    [[nodiscard]] OutboxListing list() const;
    [[nodiscard]] std::optional<OutboxEntry> load(const QString& id, QString* error) const;

    /// Atomically replaces the sidecar. Needs the lock.
    [[nodiscard]] bool save(const OutboxEntry& entry, QString* error) const;
    /// Removes a message (sidecar first). Needs the lock.
    [[nodiscard]] bool remove(const QString& id, QString* error) const;

    /// Repairs what a crash left behind (see the class comment). Needs the lock; call it once
    /// after lock() and before sending.
    OutboxRecovery recover(const QDateTime& now);

    /// A new id: the UTC queueing time (so ids sort in queueing order) and 32 random bits.
    [[nodiscard]] static QString newId(const QDateTime& now);
    /// A new RFC 3461 ENVID: a random UUID (36 printable characters, no xtext escapes needed).
    [[nodiscard]] static QString newEnvelopeId();

private:
    [[nodiscard]] static bool isOwnerless(const QLockFile& lockFile, const QString& path);
    [[nodiscard]] bool requireLock(QString* error) const;
    void recoverEntry(const QString& id, const QDateTime& now, OutboxRecovery* recovery);
    void removeOrphans(OutboxRecovery* recovery);

    QString m_directory;
    std::unique_ptr<QLockFile> m_lock;
};

} // namespace Latchmail
