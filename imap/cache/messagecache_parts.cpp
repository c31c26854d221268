// SPDX-License-Identifier: GPL-3.0-or-later
// Body parts of MessageCache: inline rows for small parts, files beside the database for large
// ones, and PartWriter for streaming a part as it arrives.
#include "imap/cache/messagecache.h"

#include "imap/cache/sqlvalues_p.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

namespace Latchmail {

namespace {

// Section specs are built by Latchmail, not taken from the server; anything else is refused so
// a section can never name a path outside the parts directory.
bool isValidSection(const QString& section)
{
    static const QRegularExpression pattern(QStringLiteral("^[0-9A-Za-z.]{0,64}$"));
    return pattern.match(section).hasMatch();
}

const QString kPartialSuffix = QStringLiteral(".partial");

} // namespace

QString MessageCache::partRelativePath(qint64 id, quint32 uid, const QString& section) const
{
    return QString::number(id) + QLatin1Char('/') + QString::number(uid) + QLatin1Char('_') +
           section + QStringLiteral(".part");
}

QStringList MessageCache::partFiles(qint64 id, const QList<quint32>* uids) const
{
    QStringList result;
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT uid, file_path FROM parts"
                                 " WHERE mailbox_id = ? AND file_path IS NOT NULL"));
    query.addBindValue(id);
    if (!query.exec()) {
        failQuery(QStringLiteral("listing part files"), query);
        return result;
    }
    const QSet<quint32> wanted =
        uids ? QSet<quint32>(uids->cbegin(), uids->cend()) : QSet<quint32>();
    while (query.next()) {
        if (!uids || wanted.contains(query.value(0).toUInt())) {
            result.append(query.value(1).toString());
        }
    }
    return result;
}

void MessageCache::removePartFiles(const QStringList& relativePaths) const
{
    const QDir parts(partsDirectory());
    for (const QString& path : relativePaths) {
        QFile::remove(parts.filePath(path));
    }
}

bool MessageCache::insertPartRow(qint64 id, quint32 uid, const QString& section, qint64 size,
                                 const QByteArray& bytes, const QString& relativePath)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral(
        "INSERT INTO parts (mailbox_id, uid, section, size, bytes, file_path)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (mailbox_id, uid, section) DO UPDATE SET"
        " size = excluded.size, bytes = excluded.bytes, file_path = excluded.file_path"));
    query.addBindValue(id);
    query.addBindValue(uid);
    query.addBindValue(SqlValues::text(section));
    query.addBindValue(size);
    query.addBindValue(relativePath.isEmpty() ? QVariant(bytes) : QVariant());
    query.addBindValue(relativePath.isEmpty() ? QVariant() : QVariant(relativePath));
    if (!query.exec()) {
        return failQuery(QStringLiteral("storing a body part"), query);
    }
    return true;
}

bool MessageCache::storePart(const QString& mailbox, quint32 uid, const QString& section,
                             const QByteArray& bytes)
{
    std::unique_ptr<PartWriter> writer = beginPart(mailbox, uid, section);
    if (!writer) {
        return false;
    }
    if (!writer->append(bytes) || !writer->commit()) {
        return fail(writer->error());
    }
    return true;
}

std::unique_ptr<PartWriter> MessageCache::beginPart(const QString& mailbox, quint32 uid,
                                                    const QString& section)
{
    if (!isValidSection(section)) {
        fail(QStringLiteral("\"%1\" is not a section this cache stores").arg(section));
        return nullptr;
    }
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return nullptr;
    }
    if (!message(mailbox, uid)) {
        fail(QStringLiteral("message %1 of \"%2\" is not in the message cache")
                 .arg(uid)
                 .arg(mailbox));
        return nullptr;
    }
    return std::unique_ptr<PartWriter>(new PartWriter(this, mailbox, id, uid, section));
}

std::optional<CachedPart> MessageCache::part(const QString& mailbox, quint32 uid,
                                             const QString& section) const
{
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return std::nullopt;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT size, bytes, file_path FROM parts"
                                 " WHERE mailbox_id = ? AND uid = ? AND section = ?"));
    query.addBindValue(id);
    query.addBindValue(uid);
    query.addBindValue(SqlValues::text(section));
    if (!query.exec()) {
        failQuery(QStringLiteral("reading a body part"), query);
        return std::nullopt;
    }
    if (!query.next()) {
        return std::nullopt;
    }

    CachedPart part;
    part.section = section;
    part.size = query.value(0).toLongLong();
    if (query.value(2).isNull()) {
        part.bytes = query.value(1).toByteArray();
        return part;
    }
    part.filePath = QDir(partsDirectory()).filePath(query.value(2).toString());

    // A file that vanished or was cut short is not a cached part: it will be fetched again.
    if (QFileInfo(part.filePath).size() != part.size) {
        fail(QStringLiteral("the cached file of part %1 of message %2 is missing or damaged")
                 .arg(section, QString::number(uid)));
        return std::nullopt;
    }
    return part;
}

std::optional<QByteArray> MessageCache::partBytes(const QString& mailbox, quint32 uid,
                                                  const QString& section) const
{
    const std::optional<CachedPart> found = part(mailbox, uid, section);
    if (!found) {
        return std::nullopt;
    }
    if (!found->isFile()) {
        return found->bytes;
    }
    QFile file(found->filePath);
    if (!file.open(QIODevice::ReadOnly)) {
        fail(QStringLiteral("cannot read %1: %2").arg(found->filePath, file.errorString()));
        return std::nullopt;
    }
    return file.readAll();
}

QStringList MessageCache::cachedSections(const QString& mailbox, quint32 uid) const
{
    QStringList result;
    const qint64 id = mailboxId(mailbox);
    if (id < 0) {
        return result;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT section FROM parts WHERE mailbox_id = ? AND uid = ?"
                                 " ORDER BY section"));
    query.addBindValue(id);
    query.addBindValue(uid);
    if (!query.exec()) {
        failQuery(QStringLiteral("listing body parts"), query);
        return result;
    }
    while (query.next()) {
        result.append(query.value(0).toString());
    }
    return result;
}

PartWriter::PartWriter(MessageCache* cache, QString mailbox, qint64 mailboxId, quint32 uid,
                       QString section)
    : m_cache(cache)
    , m_mailbox(std::move(mailbox))
    , m_mailboxId(mailboxId)
    , m_uid(uid)
    , m_section(std::move(section))
{
}

PartWriter::~PartWriter()
{
    discard();
}

bool PartWriter::spill()
{
    m_relativePath = m_cache->partRelativePath(m_mailboxId, m_uid, m_section);
    const QString path = QDir(m_cache->partsDirectory()).filePath(m_relativePath);
    QDir().mkpath(QFileInfo(path).absolutePath());

    m_file = std::make_unique<QFile>(path + kPartialSuffix);
    if (!m_file->open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        m_file->write(m_memory) != m_memory.size()) {
        m_error =
            QStringLiteral("cannot write %1: %2").arg(m_file->fileName(), m_file->errorString());
        return false;
    }
    m_memory.clear();
    m_memory.squeeze();
    return true;
}

bool PartWriter::append(QByteArrayView chunk)
{
    if (m_done) {
        m_error = QStringLiteral("the part has already been committed or discarded");
        return false;
    }
    m_size += chunk.size();
    if (!m_file && m_memory.size() + chunk.size() <= MessageCache::kInlinePartLimit) {
        m_memory.append(chunk);
        return true;
    }
    if (!m_file && !spill()) {
        return false;
    }
    if (m_file->write(chunk.data(), chunk.size()) != chunk.size()) {
        m_error =
            QStringLiteral("cannot write %1: %2").arg(m_file->fileName(), m_file->errorString());
        return false;
    }
    return true;
}

bool PartWriter::commit()
{
    if (m_done) {
        m_error = QStringLiteral("the part has already been committed or discarded");
        return false;
    }
    const std::optional<CachedPart> previous = m_cache->part(m_mailbox, m_uid, m_section);

    QString finalPath;
    if (m_file) {
        finalPath = m_file->fileName().chopped(kPartialSuffix.size());
        m_file->close();
        QFile::remove(finalPath);
        if (m_file->error() != QFileDevice::NoError ||
            !QFile::rename(m_file->fileName(), finalPath)) {
            m_error = QStringLiteral("cannot store %1: %2").arg(finalPath, m_file->errorString());
            discard();
            return false;
        }
    }

    if (!m_cache->insertPartRow(m_mailboxId, m_uid, m_section, m_size, m_memory, m_relativePath)) {
        m_error = m_cache->lastError();
        if (!finalPath.isEmpty()) {
            QFile::remove(finalPath);
        }
        discard();
        return false;
    }

    // A part that moved from a file into the database leaves its old file behind.
    if (previous && previous->isFile() && finalPath.isEmpty()) {
        QFile::remove(previous->filePath);
    }
    m_done = true;
    m_file.reset();
    m_memory.clear();
    return true;
}

void PartWriter::discard()
{
    if (m_file) {
        m_file->close();
        m_file->remove();
        m_file.reset();
    }
    m_memory.clear();
    m_done = true;
}

} // namespace Latchmail
