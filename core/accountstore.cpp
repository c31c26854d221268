// SPDX-License-Identifier: GPL-3.0-or-later
// Account files: one JSON document per account at `<profile>/accounts/<id>.json`, holding the
// settings and, beside them, the latch records (DEEP section 5.4: latches are stored with the
// account configuration). Schema version 1:
//
//   {
//     "schemaVersion": 1,                      integer; any other value is refused
//     "id": "work",                            must equal the file name stem
//     "displayName": "Work",                   string
//     "address": "ann@example.org",            string
//     "requestSuccessDsn": true,               boolean (RFC 3461 NOTIFY=SUCCESS)
//     "services": {
//       "imap":       { "host": "imap.example.org",  host name or IP literal, before DNS
//                       "port": 993,                 0..65535; 0 = default for tlsMode
//                       "tlsMode": "auto",           "auto" | "implicit" | "starttls"
//                       "userName": "ann",           string
//                       "allowCleartext": false,     boolean
//                       "extraCaFile": "" },         path of a PEM file, or ""
//       "submission": { …the same fields… }
//     },
//     "latchRecords": [                        one per (service, host) ever latched
//       { "service": "imap",                   "imap" | "submission"
//         "host": "imap.example.org",          lower case; the latch key (DEEP 3.1)
//         "latches": { "tls12": "2026-01-31T12:00:00Z", … },   token -> first set (UTC)
//         "lastObservation": { … },            optional; TlsObservation::toJson()
//         "recentFailures": [                  oldest first, at most 20 kept
//           { "at": "2026-02-01T08:00:00Z", "failed": ["tls-cert"], "detail": "…" } ] }
//     ]
//   }
//
// Reading is fail-closed: every field is required (except lastObservation), unknown fields,
// malformed latch tokens, bad host names, ports and dates make the whole file invalid, and an
// account is never returned together with an error. Latch tokens that are well-formed but
// unknown to this version are kept and reported as warnings, so a round trip preserves them.
// Files are written through QSaveFile (never half-written), mode 0600, in a 0700 directory.
#include "core/accountstore.h"

#include "core/logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <fcntl.h>
#include <unistd.h>

namespace Latchmail {

namespace {

using Kind = AccountStoreError::Kind;

const QString kSuffix = QStringLiteral(".json");
const QString kSchemaVersionKey = QStringLiteral("schemaVersion");

AccountStoreError makeError(Kind kind, const QString& filePath, const QString& problem)
{
    return AccountStoreError{kind, filePath, filePath % QStringLiteral(": ") % problem};
}

// Creates the accounts directory owner-only when missing; its parents get the usual modes.
std::optional<AccountStoreError> ensureDirectory(const QString& directory, const QString& file)
{
    const QFileInfo info(directory);
    if (info.isDir()) {
        return std::nullopt;
    }

    const QDir parent = info.absoluteDir();
    const QFile::Permissions ownerOnly = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
    if (!QDir().mkpath(parent.absolutePath()) || !parent.mkdir(info.fileName(), ownerOnly)) {
        return makeError(Kind::WriteFailed, file,
                         QStringLiteral("cannot create the directory ") % directory);
    }
    return std::nullopt;
}

// QSaveFile renames atomically but does not flush the directory entry; without this a power
// loss right after save() may bring back the previous file.
void syncDirectory(const QString& directory)
{
    const int fd = ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

std::optional<AccountStoreError> readFile(const QString& path, QByteArray* out)
{
    const QFileInfo info(path);
    if (!info.exists() && !info.isSymLink()) {
        return makeError(Kind::NotFound, path, QStringLiteral("no such account file"));
    }
    if (info.isDir()) {
        return makeError(Kind::Unreadable, path,
                         QStringLiteral("cannot read the account file: it is a directory"));
    }

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        const QString link = info.isSymLink() ? QStringLiteral(" (it is a symbolic link to ") %
                                                    info.symLinkTarget() % u')'
                                              : QString();
        return makeError(Kind::Unreadable, path,
                         QStringLiteral("cannot read the account file: ") % file.errorString() %
                             link);
    }
    // One byte more than the reader accepts is enough to know the file is too large.
    *out = file.read(AccountStore::kMaxFileBytes + 1);
    if (file.error() != QFileDevice::NoError) {
        return makeError(Kind::Unreadable, path,
                         QStringLiteral("cannot read the account file: ") % file.errorString());
    }
    return std::nullopt;
}

QString dateToJson(const QDateTime& dateTime)
{
    const QDateTime utc = dateTime.toUTC();
    return utc.toString(utc.time().msec() == 0 ? Qt::ISODate : Qt::ISODateWithMs);
}

QJsonObject settingsToJson(const ServiceSettings& settings)
{
    return QJsonObject{{QStringLiteral("host"), settings.host},
                       {QStringLiteral("port"), settings.port},
                       {QStringLiteral("tlsMode"), tlsModeName(settings.tlsMode)},
                       {QStringLiteral("userName"), settings.userName},
                       {QStringLiteral("allowCleartext"), settings.allowCleartext},
                       {QStringLiteral("extraCaFile"), settings.extraCaFile}};
}

QJsonObject failureToJson(const LatchFailureRecord& failure)
{
    return QJsonObject{
        {QStringLiteral("at"), dateToJson(failure.at)},
        {QStringLiteral("failed"), QJsonArray::fromStringList(failure.failed.toList())},
        {QStringLiteral("detail"), failure.detail}};
}

QJsonObject recordToJson(const QString& key, const LatchRecord& record)
{
    // The key is recordKey(): "<service>:<host>"; host names never contain ':' but IPv6
    // literals do, so only the first ':' separates.
    const qsizetype colon = key.indexOf(u':');
    QJsonObject latches;
    for (auto it = record.latches.begin(); it != record.latches.end(); ++it) {
        latches.insert(it.key(), dateToJson(it.value()));
    }
    QJsonArray failures;
    for (const LatchFailureRecord& failure : record.recentFailures) {
        failures.append(failureToJson(failure));
    }

    QJsonObject json{{QStringLiteral("service"), key.left(colon)},
                     {QStringLiteral("host"), colon < 0 ? QString() : key.mid(colon + 1)},
                     {QStringLiteral("latches"), latches},
                     {QStringLiteral("recentFailures"), failures}};
    if (record.hasObservation) {
        json.insert(QStringLiteral("lastObservation"), record.lastObservation.toJson());
    }
    return json;
}

} // namespace

bool isValidAccountId(const QString& id)
{
    if (id.isEmpty() || id.size() > 64 || id.startsWith(u'.')) {
        return false;
    }
    for (const QChar c : id) {
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                        (c >= u'0' && c <= u'9') || c == u'.' || c == u'_' || c == u'-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

AccountStore::AccountStore(QString accountsDirectory)
    : m_directory(std::move(accountsDirectory))
{
}

QString AccountStore::filePath(const QString& accountId) const
{
    return m_directory % u'/' % accountId % kSuffix;
}

QStringList AccountStore::accountIds() const
{
    const QStringList names =
        QDir(m_directory)
            .entryList({QStringLiteral("*.json")}, QDir::Files | QDir::Hidden, QDir::Name);
    QStringList ids;
    for (const QString& name : names) {
        const QString id = name.chopped(kSuffix.size());
        if (isValidAccountId(id)) {
            ids.append(id);
        }
    }
    return ids;
}

QByteArray AccountStore::toJson(const Account& account)
{
    QJsonArray records;
    for (auto it = account.latchRecords.begin(); it != account.latchRecords.end(); ++it) {
        records.append(recordToJson(it.key(), it.value()));
    }
    const QJsonObject services{
        {serviceName(Service::MessageAccess), settingsToJson(account.imap)},
        {serviceName(Service::MessageSubmission), settingsToJson(account.submission)}};

    const QJsonObject root{{kSchemaVersionKey, AccountStore::kSchemaVersion},
                           {QStringLiteral("id"), account.id},
                           {QStringLiteral("displayName"), account.displayName},
                           {QStringLiteral("address"), account.address},
                           {QStringLiteral("requestSuccessDsn"), account.requestSuccessDsn},
                           {QStringLiteral("services"), services},
                           {QStringLiteral("latchRecords"), records}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

AccountLoadResult AccountStore::load(const QString& accountId) const
{
    const QString path = filePath(accountId);
    if (!isValidAccountId(accountId)) {
        return {std::nullopt,
                makeError(Kind::Invalid, path,
                          QStringLiteral("\"%1\" is not a valid account id").arg(accountId)),
                {}};
    }

    QByteArray bytes;
    if (std::optional<AccountStoreError> error = readFile(path, &bytes)) {
        return {std::nullopt, error, {}};
    }

    AccountLoadResult result = fromJson(bytes, path);
    if (result.account && result.account->id != accountId) {
        const QString problem =
            QStringLiteral("id: \"%1\" does not match the file name").arg(result.account->id);
        return {std::nullopt, makeError(Kind::Invalid, path, problem), result.warnings};
    }
    return result;
}

std::optional<AccountStoreError> AccountStore::save(const Account& account) const
{
    const QString path = filePath(account.id);
    if (!isValidAccountId(account.id)) {
        return makeError(Kind::Invalid, path,
                         QStringLiteral("\"%1\" is not a valid account id").arg(account.id));
    }

    // Never write a file this version could not read back.
    const QByteArray bytes = toJson(account);
    const AccountLoadResult check = fromJson(bytes, path);
    if (check.error) {
        // The reader's message starts with the path; say once that nothing was written.
        const QString problem = check.error->message.mid(path.size() + 2);
        return makeError(check.error->kind, path, QStringLiteral("refusing to save: ") % problem);
    }
    if (std::optional<AccountStoreError> error = ensureDirectory(m_directory, path)) {
        return error;
    }

    QSaveFile file(path);
    const bool written = file.open(QIODevice::WriteOnly) &&
                         file.setPermissions(QFile::ReadOwner | QFile::WriteOwner) &&
                         file.write(bytes) == bytes.size() && file.commit();
    if (!written) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return makeError(Kind::WriteFailed, path,
                         QStringLiteral("cannot write the account file: ") % reason);
    }
    syncDirectory(m_directory);
    qCDebug(lcCore) << "saved account" << account.id << "to" << path;
    return std::nullopt;
}

std::optional<AccountStoreError> AccountStore::remove(const QString& accountId) const
{
    const QString path = filePath(accountId);
    if (!isValidAccountId(accountId)) {
        return makeError(Kind::Invalid, path,
                         QStringLiteral("\"%1\" is not a valid account id").arg(accountId));
    }

    QFile file(path);
    if (!file.exists()) {
        return makeError(Kind::NotFound, path, QStringLiteral("no such account file"));
    }
    if (!file.remove()) {
        return makeError(Kind::WriteFailed, path,
                         QStringLiteral("cannot remove the account file: ") % file.errorString());
    }
    syncDirectory(m_directory);
    return std::nullopt;
}

} // namespace Latchmail
