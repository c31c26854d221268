// SPDX-License-Identifier: GPL-3.0-or-later
// Message rows of MessageCache: storing, flag updates, removal and reading.
#include "imap/cache/messagecache.h"

#include "imap/cache/sqlvalues_p.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>

#include <sqlite3.h>

#include <memory>

namespace Latchmail {

namespace {

const QString kSpace = QStringLiteral(" ");

const QString kMessageColumns = QStringLiteral(
    "uid, flags, subject, from_addr, to_addr, cc_addr, date, message_id, in_reply_to,"
    " envelope_raw, internaldate, size, bodystructure, modseq");

CachedMessage messageFromRow(const QSqlQuery& query)
{
    CachedMessage message;
    message.uid = query.value(0).toUInt();
    message.flags = query.value(1).toString().split(kSpace, Qt::SkipEmptyParts);
    message.subject = query.value(2).toString();
    message.from = query.value(3).toString();
    message.to = query.value(4).toString();
    message.cc = query.value(5).toString();
    message.date = SqlValues::dateFrom(query.value(6));
    message.messageId = query.value(7).toString();
    message.inReplyTo = query.value(8).toString();
    message.envelopeRaw = query.value(9).toByteArray();
    message.internalDate = SqlValues::dateFrom(query.value(10));
    message.size = query.value(11).toLongLong();
    message.bodyStructure = query.value(12).toByteArray();
    message.modSeq = query.value(13).toULongLong();
    return message;
}

// The upsert of one message row on SQLite's own statement API. Qt SQL's binding (a QVariant
// and a placeholder name per value) costs more than SQLite's execution of the statement; a
// header sync stores 100,000 rows. Texts are bound in place: `message` outlives the step.
int bindMessage(sqlite3_stmt* statement, qint64 mailboxId, const CachedMessage& message,
                const QString& flags)
{
    // The text columns are NOT NULL: a null string is stored as empty text.
    const auto text = [statement](int column, const QString& value) {
        return value.isEmpty() ? sqlite3_bind_text(statement, column, "", 0, SQLITE_STATIC)
                               : sqlite3_bind_text16(statement, column, value.constData(),
                                                     int(value.size() * 2), SQLITE_STATIC);
    };
    const auto blob = [statement](int column, const QByteArray& value) {
        return value.isNull() ? sqlite3_bind_null(statement, column)
                              : sqlite3_bind_blob(statement, column, value.constData(),
                                                  int(value.size()), SQLITE_STATIC);
    };
    const auto date = [statement](int column, const QDateTime& value) {
        return value.isValid() ? sqlite3_bind_int64(statement, column, value.toMSecsSinceEpoch())
                               : sqlite3_bind_null(statement, column);
    };
    const int results[] = {
        sqlite3_bind_int64(statement, 1, mailboxId),
        sqlite3_bind_int64(statement, 2, message.uid),
        text(3, flags),
        text(4, message.subject),
        text(5, message.from),
        text(6, message.to),
        text(7, message.cc),
        date(8, message.date),
        text(9, message.messageId),
        text(10, message.inReplyTo),
        blob(11, message.envelopeRaw),
        date(12, message.internalDate),
        sqlite3_bind_int64(statement, 13, message.size),
        blob(14, message.bodyStructure),
        sqlite3_bind_int64(statement, 15, static_cast<sqlite3_int64>(message.modSeq)),
    };
    for (const int result : results) {
        if (result != SQLITE_OK) {
            return result;
        }
    }
    return SQLITE_OK;
}

// The sqlite3 connection under a Qt SQL one (QSqlDriver::handle()), or null.
sqlite3* nativeConnection(const QSqlDatabase& db)
{
    const QVariant handle = db.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0) {
        return nullptr;
    }
    return *static_cast<sqlite3* const*>(handle.constData());
}

using NativeStatement = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

// `sql` prepared on `db`; `*result` is SQLite's answer (the statement is null unless SQLITE_OK).
NativeStatement prepareNative(sqlite3* db, QByteArrayView sql, int* result)
{
    sqlite3_stmt* prepared = nullptr;
    *result = sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &prepared, nullptr);
    return NativeStatement(prepared, &sqlite3_finalize);
}

QString notSqlite(const QString& filePath)
{
    return QStringLiteral("message cache %1: the database driver is not SQLite").arg(filePath);
}

} // namespace

bool MessageCache::storeMessages(const QString& mailbox, const QList<CachedMessage>& messages)
{
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return false;
    }
    sqlite3* const db = nativeConnection(m_db);
    if (!db) {
        return fail(notSqlite(m_filePath));
    }
    if (!beginTransaction()) {
        return false;
    }

    // An upsert rather than REPLACE: REPLACE deletes the row first, which would cascade to the
    // message's cached parts.
    const QByteArray sql =
        (QStringLiteral("INSERT INTO messages (mailbox_id, ") + kMessageColumns +
         QStringLiteral(") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT (mailbox_id, uid) DO UPDATE SET flags = excluded.flags,"
                        " subject = excluded.subject, from_addr = excluded.from_addr,"
                        " to_addr = excluded.to_addr, cc_addr = excluded.cc_addr,"
                        " date = excluded.date, message_id = excluded.message_id,"
                        " in_reply_to = excluded.in_reply_to, envelope_raw = excluded.envelope_raw,"
                        " internaldate = excluded.internaldate, size = excluded.size,"
                        " bodystructure = excluded.bodystructure, modseq = excluded.modseq"))
            .toUtf8();
    int result = SQLITE_OK;
    const NativeStatement statement = prepareNative(db, sql, &result);
    for (qsizetype i = 0; result == SQLITE_OK && i < messages.size(); ++i) {
        const CachedMessage& message = messages.at(i);
        const QString flags = message.flags.join(kSpace);
        result = bindMessage(statement.get(), id, message, flags);
        if (result == SQLITE_OK) {
            result = sqlite3_step(statement.get());
            result = result == SQLITE_DONE ? sqlite3_reset(statement.get()) : result;
        }
    }
    if (result != SQLITE_OK) {
        const QString why = QString::fromUtf8(sqlite3_errmsg(db));
        m_db.rollback();
        return fail(
            QStringLiteral("message cache %1: storing messages failed: %2").arg(m_filePath, why));
    }
    return commitTransaction();
}

bool MessageCache::updateFlags(const QString& mailbox, const QList<FlagUpdate>& updates)
{
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return false;
    }
    if (!beginTransaction()) {
        return false;
    }

    // A zero MODSEQ means "not reported": keep the one already known.
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE messages SET flags = ?,"
                                 " modseq = CASE WHEN ? > 0 THEN ? ELSE modseq END"
                                 " WHERE mailbox_id = ? AND uid = ?"));
    for (const FlagUpdate& update : updates) {
        query.addBindValue(SqlValues::text(update.flags.join(kSpace)));
        query.addBindValue(static_cast<qint64>(update.modSeq));
        query.addBindValue(static_cast<qint64>(update.modSeq));
        query.addBindValue(id);
        query.addBindValue(update.uid);
        if (!query.exec()) {
            m_db.rollback();
            return failQuery(QStringLiteral("updating flags"), query);
        }
    }
    return commitTransaction();
}

bool MessageCache::removeMessages(const QString& mailbox, const QList<quint32>& uids)
{
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return false;
    }
    const QStringList files = partFiles(id, &uids);
    if (!beginTransaction()) {
        return false;
    }

    QSqlQuery parts(m_db);
    parts.prepare(QStringLiteral("DELETE FROM parts WHERE mailbox_id = ? AND uid = ?"));
    QSqlQuery messages(m_db);
    messages.prepare(QStringLiteral("DELETE FROM messages WHERE mailbox_id = ? AND uid = ?"));
    for (quint32 uid : uids) {
        for (QSqlQuery* query : {&parts, &messages}) {
            query->addBindValue(id);
            query->addBindValue(uid);
            if (!query->exec()) {
                m_db.rollback();
                return failQuery(QStringLiteral("removing messages"), *query);
            }
        }
    }
    if (!commitTransaction()) {
        return false;
    }
    removePartFiles(files);
    return true;
}

QList<quint32> MessageCache::uids(const QString& mailbox) const
{
    QList<quint32> result;
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return result;
    }
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid"));
    query.addBindValue(id);
    if (!query.exec()) {
        failQuery(QStringLiteral("reading UIDs"), query);
        return result;
    }
    while (query.next()) {
        result.append(query.value(0).toUInt());
    }
    return result;
}

QList<CachedMessage> MessageCache::messages(const QString& mailbox) const
{
    QList<CachedMessage> result;
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return result;
    }
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT ") + kMessageColumns +
                  QStringLiteral(" FROM messages WHERE mailbox_id = ? ORDER BY uid"));
    query.addBindValue(id);
    if (!query.exec()) {
        failQuery(QStringLiteral("reading messages"), query);
        return result;
    }
    while (query.next()) {
        result.append(messageFromRow(query));
    }
    return result;
}

QList<MessageSummary> MessageCache::summaries(const QString& mailbox) const
{
    QList<MessageSummary> result;
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return result;
    }
    sqlite3* const db = nativeConnection(m_db);
    if (!db) {
        fail(notSqlite(m_filePath));
        return result;
    }
    result.reserve(messageCount(mailbox));

    // Read on SQLite's own statement API, as rows are stored: a QVariant per value would cost
    // more than the reading itself.
    int step = SQLITE_OK;
    const NativeStatement statement =
        prepareNative(db,
                      "SELECT uid, flags, subject, from_addr, to_addr, cc_addr, date, message_id,"
                      " internaldate, size FROM messages WHERE mailbox_id = ? ORDER BY uid",
                      &step);
    if (step == SQLITE_OK) {
        step = sqlite3_bind_int64(statement.get(), 1, id);
    }
    const auto text = [&statement](int column) {
        const auto* utf8 =
            reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), column));
        return QString::fromUtf8(utf8, sqlite3_column_bytes(statement.get(), column));
    };
    const auto date = [&statement](int column) {
        return sqlite3_column_type(statement.get(), column) == SQLITE_NULL
                   ? QDateTime()
                   : QDateTime::fromMSecsSinceEpoch(sqlite3_column_int64(statement.get(), column),
                                                    Qt::UTC);
    };
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        step = sqlite3_step(statement.get());
        if (step != SQLITE_ROW) {
            break;
        }
        MessageSummary& summary = result.emplace_back();
        summary.uid = quint32(sqlite3_column_int64(statement.get(), 0));
        summary.flags = text(1).split(kSpace, Qt::SkipEmptyParts);
        summary.subject = text(2);
        summary.from = text(3);
        summary.to = text(4);
        summary.cc = text(5);
        summary.date = date(6);
        summary.messageId = text(7);
        summary.internalDate = date(8);
        summary.size = sqlite3_column_int64(statement.get(), 9);
    }
    if (step != SQLITE_DONE) {
        fail(QStringLiteral("message cache %1: reading the message list failed: %2")
                 .arg(m_filePath, QString::fromUtf8(sqlite3_errmsg(db))));
        return {};
    }
    return result;
}

std::optional<CachedMessage> MessageCache::message(const QString& mailbox, quint32 uid) const
{
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return std::nullopt;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT ") + kMessageColumns +
                  QStringLiteral(" FROM messages WHERE mailbox_id = ? AND uid = ?"));
    query.addBindValue(id);
    query.addBindValue(uid);
    if (!query.exec()) {
        failQuery(QStringLiteral("reading a message"), query);
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }
    return messageFromRow(query);
}

QHash<quint32, QStringList> MessageCache::flagsByUid(const QString& mailbox) const
{
    QHash<quint32, QStringList> result;
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return result;
    }
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT uid, flags FROM messages WHERE mailbox_id = ?"));
    query.addBindValue(id);
    if (!query.exec()) {
        failQuery(QStringLiteral("reading flags"), query);
        return result;
    }
    while (query.next()) {
        result.insert(query.value(0).toUInt(),
                      query.value(1).toString().split(kSpace, Qt::SkipEmptyParts));
    }
    return result;
}

qint64 MessageCache::messageCount(const QString& mailbox) const
{
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return -1;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM messages WHERE mailbox_id = ?"));
    query.addBindValue(id);
    if (!query.exec() || !query.next()) {
        failQuery(QStringLiteral("counting messages"), query);
        return -1;
    }
    return query.value(0).toLongLong();
}

quint64 MessageCache::highestCachedModSeq(const QString& mailbox) const
{
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return 0;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT COALESCE(MAX(modseq), 0) FROM messages"
                                 " WHERE mailbox_id = ?"));
    query.addBindValue(id);
    if (!query.exec() || !query.next()) {
        failQuery(QStringLiteral("reading MODSEQ values"), query);
        return 0;
    }
    return query.value(0).toULongLong();
}

} // namespace Latchmail
