// SPDX-License-Identifier: GPL-3.0-or-later
// The on-disk outbox. Sidecars are read back from disk, where they may have been damaged or
// edited: every read is bounded and checked.
#include "submission/outbox.h"

#include "core/logging.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLockFile>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QUuid>

#include <fcntl.h>
#include <unistd.h>

namespace Latchmail {

namespace {

const QString kMessageSuffix = QStringLiteral(".eml");
const QString kEntrySuffix = QStringLiteral(".json");
const QString kLockName = QStringLiteral(".lock");

// A crashed process leaves no live pid behind, so QLockFile takes such a lock over at once; a
// lock older than this is considered stale even when its pid was reused.
constexpr int kStaleLockMs = 6 * 3600 * 1000;
// QLockFile creates its file and then writes the owner into it. A process killed in between
// leaves a file naming no owner, which Qt keeps for the whole stale time; one that has stayed
// empty this long belongs to no running process.
constexpr qint64 kOwnerlessLockMs = 1000;
// How often a waiting lock() looks again for such a file.
constexpr int kLockPollMs = 100;

constexpr QFile::Permissions kOwnerReadWrite = QFile::ReadOwner | QFile::WriteOwner;

// QSaveFile renames atomically but does not flush the directory entry; without this a power
// loss right after a write may bring back the previous file.
void syncDirectory(const QString& directory)
{
    const int fd = ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

bool writeAtomically(const QString& path, const QByteArray& bytes, QString* error)
{
    QSaveFile file(path);
    const bool written = file.open(QIODevice::WriteOnly) && file.setPermissions(kOwnerReadWrite) &&
                         file.write(bytes) == bytes.size() && file.commit();
    if (!written) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        file.cancelWriting();
        return false;
    }
    syncDirectory(QFileInfo(path).absolutePath());
    return true;
}

bool removeFile(const QString& path, QString* error)
{
    QFile file(path);
    if (file.exists() && !file.remove()) {
        *error = QStringLiteral("cannot remove %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

Outbox::Outbox(QString directory)
    : m_directory(std::move(directory))
{
}

Outbox::~Outbox() = default;

QString Outbox::messageFilePath(const QString& id) const
{
    return m_directory + QLatin1Char('/') + id + kMessageSuffix;
}

QString Outbox::entryFilePath(const QString& id) const
{
    return m_directory + QLatin1Char('/') + id + kEntrySuffix;
}

bool Outbox::isOwnerless(const QLockFile& lockFile, const QString& path)
{
    qint64 pid = 0;
    QString hostName;
    QString appName;
    if (lockFile.getLockInfo(&pid, &hostName, &appName)) {
        return false;
    }
    const QFileInfo info(path);
    return info.exists() &&
           info.lastModified().msecsTo(QDateTime::currentDateTime()) > kOwnerlessLockMs;
}

bool Outbox::lock(int timeoutMs, QString* error)
{
    if (isLocked()) {
        return true;
    }
    if (!QDir().mkpath(m_directory)) {
        *error = QStringLiteral("cannot create the outbox directory %1").arg(m_directory);
        return false;
    }
    QFile::setPermissions(m_directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    const QString path = m_directory + QLatin1Char('/') + kLockName;
    auto lockFile = std::make_unique<QLockFile>(path);
    lockFile->setStaleLockTime(kStaleLockMs);
    const QDeadlineTimer deadline(qMax(0, timeoutMs));
    while (!lockFile->tryLock(int(qMin<qint64>(kLockPollMs, deadline.remainingTime())))) {
        if (lockFile->error() != QLockFile::LockFailedError) {
            *error = QStringLiteral("cannot lock the outbox %1").arg(m_directory);
            return false;
        }
        if (isOwnerless(*lockFile, path)) {
            qCWarning(lcSubmission).noquote()
                << QStringLiteral("removing the outbox lock %1: it names no owner").arg(path);
            lockFile->removeStaleLockFile();
            continue;
        }
        if (deadline.hasExpired()) {
            *error = QStringLiteral("the outbox %1 is in use by another Latchmail process")
                         .arg(m_directory);
            return false;
        }
    }
    m_lock = std::move(lockFile);
    return true;
}

void Outbox::unlock()
{
    m_lock.reset();
}

bool Outbox::isLocked() const
{
    return m_lock && m_lock->isLocked();
}

bool Outbox::requireLock(QString* error) const
{
    if (!isLocked()) {
        *error =
            QStringLiteral("the outbox %1 must be locked before it is changed").arg(m_directory);
        return false;
    }
    return true;
}

std::optional<OutboxEntry> Outbox::enqueue(const MessageWriter& writer, const QDateTime& now,
                                           QString* error)
{
    if (!requireLock(error)) {
        return std::nullopt;
    }

    OutboxEntry entry;
    entry.id = newId(now);
    entry.envelopeId = newEnvelopeId();
    entry.queuedAt = now.toUTC();
    entry.state = OutboxState::Queued;

    // The message file first: without its sidecar it is not queued yet (see the class comment).
    const QString messagePath = messageFilePath(entry.id);
    QSaveFile file(messagePath);
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(kOwnerReadWrite)) {
        *error = QStringLiteral("cannot write %1: %2").arg(messagePath, file.errorString());
        return std::nullopt;
    }
    if (!writer(&file, &entry, error)) {
        file.cancelWriting();
        return std::nullopt;
    }
    if (!file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(messagePath, file.errorString());
        return std::nullopt;
    }
    entry.size = QFileInfo(messagePath).size();

    if (!save(entry, error)) {
        QString ignored;
        removeFile(messagePath, &ignored);
        return std::nullopt;
    }
    return entry;
}

OutboxListing Outbox::list() const
{
    OutboxListing listing;
    const QStringList names =
        QDir(m_directory).entryList({QLatin1Char('*') + kEntrySuffix}, QDir::Files, QDir::Name);
    for (const QString& name : names) {
        const QString id = name.chopped(kEntrySuffix.size());
        QString error;
        if (std::optional<OutboxEntry> entry = load(id, &error)) {
            listing.entries.append(*entry);
        } else {
            listing.problems.append(OutboxProblem{id, entryFilePath(id), error});
        }
    }
    return listing;
}

std::optional<OutboxEntry> Outbox::load(const QString& id, QString* error) const
{
    const QString path = entryFilePath(id);
    if (!isValidOutboxId(id)) {
        *error = QStringLiteral("'%1' is not an outbox message id").arg(id);
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    if (file.size() > kMaxEntryBytes) {
        *error = QStringLiteral("%1 is too large to be an outbox entry").arg(path);
        return std::nullopt;
    }

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.read(kMaxEntryBytes), &parseError);
    if (!document.isObject()) {
        *error = QStringLiteral("%1 is not a valid outbox entry: %2")
                     .arg(path, parseError.error == QJsonParseError::NoError
                                    ? QStringLiteral("not a JSON object")
                                    : parseError.errorString());
        return std::nullopt;
    }
    OutboxEntry entry;
    QString fieldError;
    if (!OutboxEntry::fromJson(document.object(), &entry, &fieldError)) {
        *error = QStringLiteral("%1 is not a valid outbox entry: %2").arg(path, fieldError);
        return std::nullopt;
    }
    if (entry.id != id) {
        *error = QStringLiteral("%1 is not a valid outbox entry: it names the id '%2'")
                     .arg(path, entry.id);
        return std::nullopt;
    }
    return entry;
}

bool Outbox::save(const OutboxEntry& entry, QString* error) const
{
    if (!requireLock(error)) {
        return false;
    }
    if (!isValidOutboxId(entry.id)) {
        *error = QStringLiteral("'%1' is not an outbox message id").arg(entry.id);
        return false;
    }
    return writeAtomically(entryFilePath(entry.id),
                           QJsonDocument(entry.toJson()).toJson(QJsonDocument::Indented), error);
}

bool Outbox::remove(const QString& id, QString* error) const
{
    if (!requireLock(error)) {
        return false;
    }
    if (!isValidOutboxId(id)) {
        *error = QStringLiteral("'%1' is not an outbox message id").arg(id);
        return false;
    }
    // The sidecar first: an orphaned message file is cleaned up by recover(), while a sidecar
    // without its message would look like a message whose content was lost.
    return removeFile(entryFilePath(id), error) && removeFile(messageFilePath(id), error);
}

OutboxRecovery Outbox::recover(const QDateTime& now)
{
    OutboxRecovery recovery;
    QString error;
    if (!requireLock(&error)) {
        qCWarning(lcSubmission).noquote() << error;
        return recovery;
    }

    removeOrphans(&recovery);
    const QStringList names =
        QDir(m_directory).entryList({QLatin1Char('*') + kEntrySuffix}, QDir::Files, QDir::Name);
    for (const QString& name : names) {
        recoverEntry(name.chopped(kEntrySuffix.size()), now, &recovery);
    }
    return recovery;
}

void Outbox::recoverEntry(const QString& id, const QDateTime& now, OutboxRecovery* recovery)
{
    QString error;
    std::optional<OutboxEntry> entry = load(id, &error);
    if (!entry) {
        qCWarning(lcSubmission).noquote() << error;
        return; // left as it is; list() reports it
    }

    if (!QFileInfo::exists(messageFilePath(id)) && entry->state != OutboxState::Failed) {
        entry->state = OutboxState::Failed;
        entry->lastError = QStringLiteral("The message file %1 is missing, so the message cannot "
                                          "be sent or copied to Sent.")
                               .arg(messageFilePath(id));
        entry->lastErrorAt = now.toUTC();
        recovery->missingContent.append(id);
    } else if (entry->state == OutboxState::Sending) {
        entry->state = OutboxState::Retrying;
        entry->nextAttemptAt = now.toUTC();
        entry->lastError = QStringLiteral("Sending was interrupted (the program ended); the "
                                          "server may or may not have received the message.");
        entry->lastErrorAt = now.toUTC();
        recovery->interrupted.append(id);
    } else {
        return;
    }
    if (!save(*entry, &error)) {
        qCWarning(lcSubmission).noquote() << error;
    }
}

void Outbox::removeOrphans(OutboxRecovery* recovery)
{
    const QDir directory(m_directory);
    const QStringList names = directory.entryList(QDir::Files | QDir::Hidden, QDir::Name);
    for (const QString& name : names) {
        if (name == kLockName || name.startsWith(kLockName)) {
            continue; // the lock file and QLockFile's own temporary files
        }
        const bool message = name.endsWith(kMessageSuffix);
        const bool entry = name.endsWith(kEntrySuffix);
        const QString id = message || entry ? name.section(QLatin1Char('.'), 0, 0) : QString();
        const bool orphanMessage = message && !names.contains(id + kEntrySuffix);
        // QSaveFile's temporary files ("<id>.json.XXXXXX") of a write a crash interrupted.
        const bool temporary = !message && !entry &&
                               (name.contains(kMessageSuffix + QLatin1Char('.')) ||
                                name.contains(kEntrySuffix + QLatin1Char('.')));
        if ((orphanMessage && isValidOutboxId(id)) || temporary) {
            QString error;
            if (removeFile(directory.filePath(name), &error)) {
                recovery->orphansRemoved.append(name);
            } else {
                qCWarning(lcSubmission).noquote() << error;
            }
        }
    }
}

QString Outbox::newId(const QDateTime& now)
{
    return now.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmsszzz")) + QLatin1Char('-') +
           QString::number(QRandomGenerator::system()->generate(), 16).rightJustified(8, u'0');
}

QString Outbox::newEnvelopeId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

} // namespace Latchmail
