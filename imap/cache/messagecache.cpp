// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/cache/messagecache.h"

#include "imap/cache/cacheschema.h"
#include "imap/cache/sqlvalues_p.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace Latchmail {

namespace {

const QString kSpace = QStringLiteral(" ");

CachedMailbox mailboxFromRow(const QSqlQuery& query)
{
    CachedMailbox mailbox;
    mailbox.name = query.value(0).toString();
    mailbox.delimiter = query.value(1).toString();
    mailbox.attributes = query.value(2).toString().split(kSpace, Qt::SkipEmptyParts);
    mailbox.specialUse = query.value(3).toString();
    mailbox.uidValidity = query.value(4).toUInt();
    mailbox.uidNext = query.value(5).toUInt();
    mailbox.highestModSeq = query.value(6).toULongLong();
    mailbox.lastSync = SqlValues::dateFrom(query.value(7));
    return mailbox;
}

const QString kMailboxColumns = QStringLiteral(
    "name, delimiter, attributes, special_use, uidvalidity, uidnext, highestmodseq, last_sync");

} // namespace

MessageCache::MessageCache()
    : m_connectionName(QStringLiteral("latchmail-cache-") +
                       QUuid::createUuid().toString(QUuid::WithoutBraces))
{
}

MessageCache::~MessageCache()
{
    close();
}

bool MessageCache::open(const QString& filePath, Connection connection)
{
    close();
    m_filePath = QFileInfo(filePath).absoluteFilePath();

    if (!QDir().mkpath(QFileInfo(m_filePath).absolutePath()) || !QDir().mkpath(partsDirectory())) {
        return fail(
            QStringLiteral("cannot create the directory of the message cache %1").arg(m_filePath));
    }

    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(m_filePath);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!m_db.open()) {
        const QString why = m_db.lastError().text();
        close();
        return fail(QStringLiteral("cannot open the message cache %1: %2").arg(m_filePath, why));
    }

    // WAL lets a reader (the GUI) and a writer (a CLI sync) share the file; NORMAL syncing is
    // safe with WAL (a crash may lose the last transaction, never corrupt the database).
    QSqlQuery pragma(m_db);
    const QStringList pragmas = {QStringLiteral("PRAGMA journal_mode=WAL"),
                                 QStringLiteral("PRAGMA synchronous=NORMAL"),
                                 QStringLiteral("PRAGMA foreign_keys=ON")};
    for (const QString& statement : pragmas) {
        if (!pragma.exec(statement)) {
            const QString why = pragma.lastError().text();
            close();
            return fail(
                QStringLiteral("the message cache %1 is not usable: %2").arg(m_filePath, why));
        }
    }

    QString error;
    if (!CacheSchema::migrate(m_db, &error)) {
        close();
        return fail(
            QStringLiteral("the message cache %1 is not usable: %2").arg(m_filePath, error));
    }

    if (connection == Connection::Owner) {
        removeStalePartials();
    }
    return true;
}

void MessageCache::close()
{
    m_mailboxIds.clear();
    if (!m_db.isValid()) {
        return;
    }
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

bool MessageCache::fail(const QString& message) const
{
    m_lastError = message;
    return false;
}

bool MessageCache::failQuery(const QString& what, const QSqlQuery& query) const
{
    return fail(QStringLiteral("message cache %1: %2 failed: %3")
                    .arg(m_filePath, what, query.lastError().text()));
}

bool MessageCache::beginTransaction()
{
    if (!m_db.transaction()) {
        return fail(QStringLiteral("message cache %1: cannot start a transaction: %2")
                        .arg(m_filePath, m_db.lastError().text()));
    }
    return true;
}

bool MessageCache::commitTransaction()
{
    if (!m_db.commit()) {
        const QString why = m_db.lastError().text();
        m_db.rollback();
        return fail(QStringLiteral("message cache %1: commit failed: %2").arg(m_filePath, why));
    }
    return true;
}

qint64 MessageCache::mailboxId(const QString& name) const
{
    const auto cached = m_mailboxIds.constFind(name);
    if (cached != m_mailboxIds.constEnd()) {
        return *cached;
    }

    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT id FROM mailboxes WHERE name = ?"));
    query.addBindValue(name);
    if (!query.exec()) {
        failQuery(QStringLiteral("looking up a mailbox"), query);
        return -1;
    }
    if (!query.next()) {
        fail(QStringLiteral("the mailbox \"%1\" is not in the message cache").arg(name));
        return -1;
    }
    const qint64 id = query.value(0).toLongLong();
    m_mailboxIds.insert(name, id);
    return id;
}

bool MessageCache::ensureMailbox(const QString& name)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO mailboxes (name) VALUES (?) ON CONFLICT DO NOTHING"));
    query.addBindValue(name);
    if (!query.exec()) {
        return failQuery(QStringLiteral("adding a mailbox"), query);
    }
    return true;
}

bool MessageCache::replaceMailboxList(const QList<CachedMailbox>& listed)
{
    QSet<QString> listedNames;
    for (const CachedMailbox& mailbox : listed) {
        listedNames.insert(mailbox.name);
    }

    QList<qint64> dropped;
    for (const CachedMailbox& known : mailboxes()) {
        if (!listedNames.contains(known.name)) {
            dropped.append(mailboxId(known.name));
        }
    }

    QStringList droppedFiles;
    for (qint64 id : std::as_const(dropped)) {
        droppedFiles += partFiles(id, nullptr);
    }

    if (!beginTransaction()) {
        return false;
    }
    QSqlQuery upsert(m_db);
    upsert.prepare(QStringLiteral(
        "INSERT INTO mailboxes (name, delimiter, attributes, special_use) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET delimiter = excluded.delimiter,"
        " attributes = excluded.attributes, special_use = excluded.special_use"));
    for (const CachedMailbox& mailbox : listed) {
        upsert.addBindValue(SqlValues::text(mailbox.name));
        upsert.addBindValue(SqlValues::text(mailbox.delimiter));
        upsert.addBindValue(SqlValues::text(mailbox.attributes.join(kSpace)));
        upsert.addBindValue(SqlValues::text(mailbox.specialUse));
        if (!upsert.exec()) {
            m_db.rollback();
            return failQuery(QStringLiteral("storing the mailbox list"), upsert);
        }
    }
    for (qint64 id : std::as_const(dropped)) {
        if (!removeMailboxRows(id, false)) {
            m_db.rollback();
            return false;
        }
    }
    if (!commitTransaction()) {
        return false;
    }

    m_mailboxIds.clear();
    removePartFiles(droppedFiles);
    return true;
}

std::optional<CachedMailbox> MessageCache::mailbox(const QString& name) const
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT ") + kMailboxColumns +
                  QStringLiteral(" FROM mailboxes WHERE name = ?"));
    query.addBindValue(name);
    if (!query.exec()) {
        failQuery(QStringLiteral("reading a mailbox"), query);
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }
    return mailboxFromRow(query);
}

QList<CachedMailbox> MessageCache::mailboxes() const
{
    QList<CachedMailbox> result;
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT ") + kMailboxColumns +
                    QStringLiteral(" FROM mailboxes ORDER BY name"))) {
        failQuery(QStringLiteral("reading the mailbox list"), query);
        return result;
    }
    while (query.next()) {
        result.append(mailboxFromRow(query));
    }
    return result;
}

std::optional<CachedMailbox> MessageCache::mailboxWithSpecialUse(const QString& use) const
{
    for (const CachedMailbox& mailbox : mailboxes()) {
        if (mailbox.specialUse.compare(use, Qt::CaseInsensitive) == 0) {
            return mailbox;
        }
    }
    return std::nullopt;
}

bool MessageCache::setSyncState(const QString& name, quint32 uidValidity, quint32 uidNext,
                                quint64 highestModSeq, const QDateTime& at)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE mailboxes SET uidvalidity = ?, uidnext = ?,"
                                 " highestmodseq = ?, last_sync = ? WHERE name = ?"));
    query.addBindValue(uidValidity);
    query.addBindValue(uidNext);
    query.addBindValue(static_cast<qint64>(highestModSeq));
    query.addBindValue(SqlValues::date(at));
    query.addBindValue(name);
    if (!query.exec()) {
        return failQuery(QStringLiteral("storing the sync state"), query);
    }
    if (query.numRowsAffected() != 1) {
        return fail(QStringLiteral("the mailbox \"%1\" is not in the message cache").arg(name));
    }
    return true;
}

bool MessageCache::resetMailbox(const QString& name, quint32 uidValidity)
{
    const qint64 id = mailboxId(name);
    if (id < 0) {
        return false;
    }
    const QStringList files = partFiles(id, nullptr);

    if (!beginTransaction()) {
        return false;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE mailboxes SET uidvalidity = ?, uidnext = 0,"
                                 " highestmodseq = 0, last_sync = NULL WHERE id = ?"));
    query.addBindValue(uidValidity);
    query.addBindValue(id);
    if (!query.exec() || !removeMailboxRows(id, true)) {
        m_db.rollback();
        return query.lastError().isValid() ? failQuery(QStringLiteral("resetting a mailbox"), query)
                                           : false;
    }
    if (!commitTransaction()) {
        return false;
    }
    removePartFiles(files);
    return true;
}

bool MessageCache::removeMailboxRows(qint64 id, bool keepMailbox)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("DELETE FROM parts WHERE mailbox_id = ?"));
    query.addBindValue(id);
    if (!query.exec()) {
        return failQuery(QStringLiteral("removing parts"), query);
    }
    query.prepare(QStringLiteral("DELETE FROM messages WHERE mailbox_id = ?"));
    query.addBindValue(id);
    if (!query.exec()) {
        return failQuery(QStringLiteral("removing messages"), query);
    }
    if (keepMailbox) {
        return true;
    }
    query.prepare(QStringLiteral("DELETE FROM mailboxes WHERE id = ?"));
    query.addBindValue(id);
    if (!query.exec()) {
        return failQuery(QStringLiteral("removing a mailbox"), query);
    }
    return true;
}

void MessageCache::removeStalePartials() const
{
    // A `.partial` file is a part whose fetch never completed (crash, disconnect): never valid.
    QDirIterator it(partsDirectory(), {QStringLiteral("*.partial")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile::remove(it.next());
    }
}

} // namespace Latchmail
