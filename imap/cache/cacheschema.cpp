// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/cache/cacheschema.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

namespace Latchmail::CacheSchema {

namespace {

// Version 1: mailboxes with their sync state, message metadata, fetched body parts.
// Dates are milliseconds since the epoch (UTC); flags and attributes are space separated.
const QStringList& migrationV1()
{
    static const QStringList statements = {
        QStringLiteral("CREATE TABLE mailboxes ("
                       " id INTEGER PRIMARY KEY,"
                       " name TEXT NOT NULL UNIQUE,"
                       " delimiter TEXT NOT NULL DEFAULT '',"
                       " attributes TEXT NOT NULL DEFAULT '',"
                       " special_use TEXT NOT NULL DEFAULT '',"
                       " uidvalidity INTEGER NOT NULL DEFAULT 0,"
                       " uidnext INTEGER NOT NULL DEFAULT 0,"
                       " highestmodseq INTEGER NOT NULL DEFAULT 0,"
                       " last_sync INTEGER)"),
        QStringLiteral("CREATE TABLE messages ("
                       " mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,"
                       " uid INTEGER NOT NULL,"
                       " flags TEXT NOT NULL DEFAULT '',"
                       " subject TEXT NOT NULL DEFAULT '',"
                       " from_addr TEXT NOT NULL DEFAULT '',"
                       " to_addr TEXT NOT NULL DEFAULT '',"
                       " cc_addr TEXT NOT NULL DEFAULT '',"
                       " date INTEGER,"
                       " message_id TEXT NOT NULL DEFAULT '',"
                       " in_reply_to TEXT NOT NULL DEFAULT '',"
                       " envelope_raw BLOB,"
                       " internaldate INTEGER,"
                       " size INTEGER NOT NULL DEFAULT 0,"
                       " bodystructure BLOB,"
                       " modseq INTEGER NOT NULL DEFAULT 0,"
                       " PRIMARY KEY (mailbox_id, uid)) WITHOUT ROWID"),
        QStringLiteral("CREATE TABLE parts ("
                       " mailbox_id INTEGER NOT NULL,"
                       " uid INTEGER NOT NULL,"
                       " section TEXT NOT NULL,"
                       " size INTEGER NOT NULL,"
                       " bytes BLOB,"
                       " file_path TEXT,"
                       " PRIMARY KEY (mailbox_id, uid, section),"
                       " FOREIGN KEY (mailbox_id, uid) REFERENCES messages(mailbox_id, uid)"
                       "  ON DELETE CASCADE) WITHOUT ROWID"),
    };
    return statements;
}

const QList<const QStringList*>& migrations()
{
    static const QList<const QStringList*> steps = {&migrationV1()};
    return steps;
}

bool execute(QSqlDatabase& db, const QString& statement, QString* error)
{
    QSqlQuery query(db);
    if (!query.exec(statement)) {
        *error = query.lastError().text();
        return false;
    }
    return true;
}

bool applyMigration(QSqlDatabase& db, int version, QString* error)
{
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }

    for (const QString& statement : *migrations().at(version - 1)) {
        if (!execute(db, statement, error)) {
            db.rollback();
            return false;
        }
    }

    QSqlQuery record(db);
    record.prepare(
        QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
    record.addBindValue(version);
    record.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    if (!record.exec() || !db.commit()) {
        *error = record.lastError().isValid() ? record.lastError().text() : db.lastError().text();
        db.rollback();
        return false;
    }
    return true;
}

} // namespace

int appliedVersion(QSqlDatabase& db, QString* error)
{
    if (!execute(db,
                 QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"),
                 error)) {
        return -1;
    }

    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) ||
        !query.next()) {
        *error = query.lastError().text();
        return -1;
    }
    return query.value(0).toInt();
}

bool migrate(QSqlDatabase& db, QString* error)
{
    static_assert(kCurrentVersion >= 1);
    Q_ASSERT(migrations().size() == kCurrentVersion);

    const int applied = appliedVersion(db, error);
    if (applied < 0) {
        return false;
    }
    if (applied > kCurrentVersion) {
        *error = QStringLiteral("the message cache uses schema version %1, but this version of "
                                "Latchmail only knows versions up to %2")
                     .arg(applied)
                     .arg(kCurrentVersion);
        return false;
    }

    for (int version = applied + 1; version <= kCurrentVersion; ++version) {
        if (!applyMigration(db, version, error)) {
            *error = QStringLiteral("migrating the message cache to schema version %1 failed: %2")
                         .arg(version)
                         .arg(*error);
            return false;
        }
    }
    return true;
}

} // namespace Latchmail::CacheSchema
