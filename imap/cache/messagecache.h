// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/cache/cachetypes.h"

#include <QHash>
#include <QSqlDatabase>
#include <QString>

#include <memory>
#include <optional>

class QFile;
class QSqlQuery;

namespace Latchmail {

class PartWriter;

/// The offline message cache of one account: an SQLite database (WAL journal, versioned schema)
/// holding mailboxes with their sync state, message metadata and fetched body parts. Parts larger
/// than kInlinePartLimit live in files in a directory beside the database (`<file>.parts/`).
/// Every write of several rows is one transaction, so an interrupted sync leaves the cache as it
/// was after the last completed batch. Not thread-safe; use one instance per thread.
class MessageCache
{
public:
    static constexpr qint64 kInlinePartLimit = 256 * 1024;

    MessageCache();
    ~MessageCache();
    MessageCache(const MessageCache&) = delete;
    MessageCache& operator=(const MessageCache&) = delete;

    /// Who else uses the file: an owner cleans up what an interrupted part fetch left behind; an
    /// additional connection (another thread of the owner's process) leaves that alone, since
    /// the owner may be writing such a file at that very moment.
    enum class Connection { Owner, Additional };

    /// Opens (creating and migrating when needed) the cache at `filePath`. On failure
    /// lastError() says which file and what went wrong.
    [[nodiscard]] bool open(const QString& filePath, Connection connection = Connection::Owner);
    void close();
    [[nodiscard]] bool isOpen() const { return m_db.isOpen(); }
    [[nodiscard]] QString filePath() const { return m_filePath; }
    [[nodiscard]] QString partsDirectory() const { return m_filePath + QStringLiteral(".parts"); }
    [[nodiscard]] QString lastError() const { return m_lastError; }

    // Mailboxes

    /// Records the result of a complete LIST: new mailboxes are added, known ones keep their sync
    /// state, mailboxes no longer listed are dropped with their messages and parts.
    [[nodiscard]] bool replaceMailboxList(const QList<CachedMailbox>& listed);
    /// Adds `name` with no sync state when it is not known yet.
    [[nodiscard]] bool ensureMailbox(const QString& name);
    [[nodiscard]] std::optional<CachedMailbox> mailbox(const QString& name) const;
    [[nodiscard]] QList<CachedMailbox> mailboxes() const;
    /// The mailbox with this RFC 6154 special-use attribute ("\\Sent", …), if any.
    [[nodiscard]] std::optional<CachedMailbox> mailboxWithSpecialUse(const QString& use) const;
    /// Stores the state reached by a completed sync (RFC 3501 2.3.1.1, RFC 7162 3.1.1).
    [[nodiscard]] bool setSyncState(const QString& name, quint32 uidValidity, quint32 uidNext,
                                    quint64 highestModSeq, const QDateTime& at);
    /// Forgets every message and part of `name` and starts over under a new UIDVALIDITY
    /// (RFC 3501 2.3.1.1: the old UIDs mean nothing any more).
    [[nodiscard]] bool resetMailbox(const QString& name, quint32 uidValidity);

    // Messages

    /// Inserts or updates `messages` in one transaction; cached parts of updated messages stay.
    [[nodiscard]] bool storeMessages(const QString& mailbox, const QList<CachedMessage>& messages);
    /// Applies flag changes in one transaction; UIDs not in the cache are ignored.
    [[nodiscard]] bool updateFlags(const QString& mailbox, const QList<FlagUpdate>& updates);
    /// Removes messages (and their parts) in one transaction.
    [[nodiscard]] bool removeMessages(const QString& mailbox, const QList<quint32>& uids);
    [[nodiscard]] QList<quint32> uids(const QString& mailbox) const;
    /// All cached messages of `mailbox`, in UID order.
    [[nodiscard]] QList<CachedMessage> messages(const QString& mailbox) const;
    /// The message list of `mailbox` in UID order: what messages() gives, less the stored
    /// structures, read in one pass (100,000 messages in a few hundred milliseconds).
    [[nodiscard]] QList<MessageSummary> summaries(const QString& mailbox) const;
    [[nodiscard]] std::optional<CachedMessage> message(const QString& mailbox, quint32 uid) const;
    [[nodiscard]] qint64 messageCount(const QString& mailbox) const;
    /// The flags of every cached message of `mailbox`, by UID (lighter than messages()).
    [[nodiscard]] QHash<quint32, QStringList> flagsByUid(const QString& mailbox) const;
    /// The highest MODSEQ among the cached messages of `mailbox` (0 when none has one).
    [[nodiscard]] quint64 highestCachedModSeq(const QString& mailbox) const;

    // Parts

    /// Stores a part held in memory (inline, or in a file when larger than kInlinePartLimit).
    [[nodiscard]] bool storePart(const QString& mailbox, quint32 uid, const QString& section,
                                 const QByteArray& bytes);
    /// Starts a streamed part: bytes are appended in chunks, memory stays bounded by
    /// kInlinePartLimit, and nothing is visible until PartWriter::commit() succeeds. Returns null
    /// (with lastError()) when the message is not cached.
    [[nodiscard]] std::unique_ptr<PartWriter> beginPart(const QString& mailbox, quint32 uid,
                                                        const QString& section);
    [[nodiscard]] std::optional<CachedPart> part(const QString& mailbox, quint32 uid,
                                                 const QString& section) const;
    /// Reads a cached part whole, from the database or its file.
    [[nodiscard]] std::optional<QByteArray> partBytes(const QString& mailbox, quint32 uid,
                                                      const QString& section) const;
    [[nodiscard]] QStringList cachedSections(const QString& mailbox, quint32 uid) const;

private:
    friend class PartWriter;

    [[nodiscard]] qint64 mailboxId(const QString& name) const;
    bool fail(const QString& message) const; // records the error; returns false
    bool failQuery(const QString& what, const QSqlQuery& query) const;
    [[nodiscard]] bool beginTransaction();
    [[nodiscard]] bool commitTransaction();
    [[nodiscard]] bool removeMailboxRows(qint64 id, bool keepMailbox);
    [[nodiscard]] QStringList partFiles(qint64 id, const QList<quint32>* uids) const;
    void removePartFiles(const QStringList& relativePaths) const;
    void removeStalePartials() const;
    [[nodiscard]] bool insertPartRow(qint64 id, quint32 uid, const QString& section, qint64 size,
                                     const QByteArray& bytes, const QString& relativePath);
    [[nodiscard]] QString partRelativePath(qint64 id, quint32 uid, const QString& section) const;

    QSqlDatabase m_db;
    QString m_connectionName;
    QString m_filePath;
    mutable QString m_lastError;
    mutable QHash<QString, qint64> m_mailboxIds;
};

/// A body part being streamed into the cache (RFC 3501 6.4.5 BODY[section] literal). Bytes are
/// kept in memory up to MessageCache::kInlinePartLimit, then spilled to a `.partial` file that
/// becomes the part's file only on commit(). Destroying an uncommitted writer discards it.
class PartWriter
{
public:
    ~PartWriter();
    PartWriter(const PartWriter&) = delete;
    PartWriter& operator=(const PartWriter&) = delete;

    [[nodiscard]] bool append(QByteArrayView chunk);
    /// Makes the part visible in the cache. Returns false (with error()) on a write failure.
    [[nodiscard]] bool commit();
    void discard();
    [[nodiscard]] qint64 size() const { return m_size; }
    [[nodiscard]] QString error() const { return m_error; }

private:
    friend class MessageCache;
    PartWriter(MessageCache* cache, QString mailbox, qint64 mailboxId, quint32 uid,
               QString section);
    [[nodiscard]] bool spill();

    MessageCache* m_cache;
    QString m_mailbox;
    qint64 m_mailboxId;
    quint32 m_uid;
    QString m_section;
    QByteArray m_memory;
    std::unique_ptr<QFile> m_file;
    QString m_relativePath;
    qint64 m_size = 0;
    bool m_done = false;
    QString m_error;
};

} // namespace Latchmail
