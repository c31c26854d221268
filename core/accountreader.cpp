// SPDX-License-Identifier: GPL-3.0-or-later
// Reads account files (schema in accountstore.cpp). The input is untrusted: account files may
// be damaged, truncated or edited by hand, and a mistake in them must never weaken a latch.
// Every field is type-checked, unknown fields are rejected, and the
// first problem ends the reading with a message naming the file, the field and the fault.
#include "core/accountstore.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QLocale>
#include <QUrl>

#include <cmath>

namespace Latchmail {

namespace {

using Kind = AccountStoreError::Kind;

const QString kSchemaVersionKey = QStringLiteral("schemaVersion");

QString quoted(const QString& text)
{
    return u'"' % text % u'"';
}

QString childPath(const QString& path, const QString& key)
{
    return path.isEmpty() ? key : path % u'.' % key;
}

QString indexPath(const QString& path, qsizetype index)
{
    return path % u'[' % QString::number(index) % u']';
}

QString jsonTypeName(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

// A DNS name in letter-digit-hyphen form after IDNA conversion (RFC 1123 section 2.1), or an IP
// address literal.
bool isValidHost(const QString& host)
{
    if (host.isEmpty() || host.size() > 253) {
        return false;
    }
    if (QHostAddress().setAddress(host)) {
        return true;
    }

    const QString ace = QString::fromLatin1(QUrl::toAce(host));
    if (ace.isEmpty() || ace.size() > 253) {
        return false;
    }
    for (const QString& label : ace.split(u'.')) {
        if (label.isEmpty() || label.size() > 63 || label.startsWith(u'-') ||
            label.endsWith(u'-')) {
            return false;
        }
        for (const QChar c : label) {
            if (!(c.isDigit() || (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                  c == u'-')) {
                return false;
            }
        }
    }
    return true;
}

/// Reads one account document. The first problem found is kept in `m_error`.
class AccountReader
{
public:
    explicit AccountReader(QString filePath)
        : m_filePath(std::move(filePath))
    {
    }

    AccountLoadResult read(const QByteArray& bytes);

private:
    bool fail(Kind kind, const QString& path, const QString& problem);
    bool parseDocument(const QByteArray& bytes, QJsonObject* root);
    bool checkVersion(const QJsonObject& root);
    bool checkKeys(const QJsonObject& object, const QString& path, const QStringList& required,
                   const QStringList& optional = {});
    bool expectType(const QJsonValue& value, QJsonValue::Type type, const QString& path,
                    const char* expected);
    bool readString(const QJsonObject& object, const QString& path, const QString& key,
                    QString* out);
    bool readBool(const QJsonObject& object, const QString& path, const QString& key, bool* out);
    bool readHost(const QJsonObject& object, const QString& path, QString* out);
    bool readDate(const QJsonValue& value, const QString& path, QDateTime* out);
    bool readToken(const QString& token, const QString& path);

    bool readAccount(const QJsonObject& root, Account* out);
    bool readSettings(const QJsonObject& services, const QString& name, ServiceSettings* out);
    bool readRecords(const QJsonValue& value, QMap<QString, LatchRecord>* out);
    bool readRecord(const QJsonValue& value, const QString& path, QString* key, LatchRecord* out);
    bool readLatches(const QJsonValue& value, const QString& path, LatchRecord* out);
    bool readObservation(const QJsonObject& record, const QString& path, LatchRecord* out);
    bool readFailures(const QJsonValue& value, const QString& path, LatchRecord* out);
    bool readFailure(const QJsonValue& value, const QString& path, LatchFailureRecord* out);

    QString m_filePath;
    std::optional<AccountStoreError> m_error;
    QStringList m_warnings;
};

AccountLoadResult AccountReader::read(const QByteArray& bytes)
{
    QJsonObject root;
    Account account;
    if (!parseDocument(bytes, &root) || !checkVersion(root) || !readAccount(root, &account)) {
        return AccountLoadResult{std::nullopt, m_error, m_warnings};
    }
    return AccountLoadResult{account, std::nullopt, m_warnings};
}

bool AccountReader::fail(Kind kind, const QString& path, const QString& problem)
{
    const QString where = path.isEmpty() ? QString() : path % QStringLiteral(": ");
    m_error =
        AccountStoreError{kind, m_filePath, m_filePath % QStringLiteral(": ") % where % problem};
    return false;
}

bool AccountReader::parseDocument(const QByteArray& bytes, QJsonObject* root)
{
    if (bytes.size() > AccountStore::kMaxFileBytes) {
        return fail(Kind::Corrupt, {},
                    QStringLiteral("the file is larger than %1 bytes; this is not an account file")
                        .arg(AccountStore::kMaxFileBytes));
    }
    if (bytes.trimmed().isEmpty()) {
        return fail(Kind::Corrupt, {}, QStringLiteral("the file is empty"));
    }

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return fail(Kind::Corrupt, {},
                    QStringLiteral("not valid JSON at byte offset %1 (%2); the file is damaged "
                                   "or truncated")
                        .arg(parseError.offset)
                        .arg(parseError.errorString()));
    }
    if (!document.isObject()) {
        return fail(Kind::Corrupt, {},
                    QStringLiteral("the top level is not a JSON object; this is not a Latchmail "
                                   "account file"));
    }
    *root = document.object();
    return true;
}

bool AccountReader::checkVersion(const QJsonObject& root)
{
    const QJsonValue value = root.value(kSchemaVersionKey);
    if (value.isUndefined()) {
        return fail(Kind::Corrupt, {},
                    QStringLiteral("missing \"schemaVersion\"; this is not a Latchmail account "
                                   "file"));
    }
    if (!value.isDouble()) {
        return fail(Kind::Corrupt, kSchemaVersionKey,
                    QStringLiteral("expected an integer, found ") % jsonTypeName(value));
    }
    const double version = value.toDouble();
    if (std::trunc(version) != version) {
        return fail(Kind::Corrupt, kSchemaVersionKey,
                    QStringLiteral("expected an integer, found ") %
                        QString::number(version, 'g', QLocale::FloatingPointShortest));
    }
    if (version == AccountStore::kSchemaVersion) {
        return true;
    }

    const QString supported = QStringLiteral("this version of Latchmail reads schema version %1")
                                  .arg(AccountStore::kSchemaVersion);
    const QString found = QString::number(version, 'g', QLocale::FloatingPointShortest);
    if (version > AccountStore::kSchemaVersion) {
        return fail(
            Kind::UnknownVersion, {},
            QStringLiteral("schema version %1 was written by a newer Latchmail; ").arg(found) %
                supported);
    }
    return fail(Kind::UnknownVersion, {},
                QStringLiteral("schema version %1 is unknown; ").arg(found) % supported);
}

bool AccountReader::checkKeys(const QJsonObject& object, const QString& path,
                              const QStringList& required, const QStringList& optional)
{
    for (const QString& key : required) {
        if (!object.contains(key)) {
            return fail(Kind::Invalid, path, QStringLiteral("missing field ") % quoted(key));
        }
    }
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!required.contains(it.key()) && !optional.contains(it.key())) {
            return fail(Kind::Invalid, path, QStringLiteral("unknown field ") % quoted(it.key()));
        }
    }
    return true;
}

bool AccountReader::expectType(const QJsonValue& value, QJsonValue::Type type, const QString& path,
                               const char* expected)
{
    if (value.type() == type) {
        return true;
    }
    return fail(Kind::Invalid, path,
                QStringLiteral("expected ") % QLatin1String(expected) % QStringLiteral(", found ") %
                    jsonTypeName(value));
}

bool AccountReader::readString(const QJsonObject& object, const QString& path, const QString& key,
                               QString* out)
{
    const QJsonValue value = object.value(key);
    if (!expectType(value, QJsonValue::String, childPath(path, key), "a string")) {
        return false;
    }
    *out = value.toString();
    return true;
}

bool AccountReader::readBool(const QJsonObject& object, const QString& path, const QString& key,
                             bool* out)
{
    const QJsonValue value = object.value(key);
    if (!expectType(value, QJsonValue::Bool, childPath(path, key), "true or false")) {
        return false;
    }
    *out = value.toBool();
    return true;
}

bool AccountReader::readHost(const QJsonObject& object, const QString& path, QString* out)
{
    const QString hostPath = childPath(path, QStringLiteral("host"));
    QString host;
    if (!readString(object, path, QStringLiteral("host"), &host)) {
        return false;
    }
    if (host.isEmpty()) {
        return fail(Kind::Invalid, hostPath, QStringLiteral("the host name is empty"));
    }
    if (!isValidHost(host)) {
        return fail(Kind::Invalid, hostPath,
                    quoted(host) % QStringLiteral(" is not a valid host "
                                                  "name"));
    }
    *out = host;
    return true;
}

bool AccountReader::readDate(const QJsonValue& value, const QString& path, QDateTime* out)
{
    if (!expectType(value, QJsonValue::String, path, "a date string")) {
        return false;
    }
    const QDateTime parsed = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    if (!parsed.isValid() || parsed.timeSpec() == Qt::LocalTime) {
        return fail(Kind::Invalid, path,
                    quoted(value.toString()) %
                        QStringLiteral(" is not an ISO 8601 date and time with a time zone "
                                       "(such as 2026-01-31T12:00:00Z)"));
    }
    *out = parsed.toUTC();
    return true;
}

bool AccountReader::readToken(const QString& token, const QString& path)
{
    if (isValidLatchToken(token)) {
        return true;
    }
    return fail(Kind::Invalid, path, quoted(token) % QStringLiteral(" is not a valid latch token"));
}

bool AccountReader::readAccount(const QJsonObject& root, Account* out)
{
    static const QStringList keys{kSchemaVersionKey,
                                  QStringLiteral("id"),
                                  QStringLiteral("displayName"),
                                  QStringLiteral("address"),
                                  QStringLiteral("requestSuccessDsn"),
                                  QStringLiteral("services"),
                                  QStringLiteral("latchRecords")};
    const QString servicesPath = QStringLiteral("services");
    const QJsonValue services = root.value(servicesPath);
    if (!checkKeys(root, {}, keys) || !readString(root, {}, QStringLiteral("id"), &out->id) ||
        !readString(root, {}, QStringLiteral("displayName"), &out->displayName) ||
        !readString(root, {}, QStringLiteral("address"), &out->address) ||
        !readBool(root, {}, QStringLiteral("requestSuccessDsn"), &out->requestSuccessDsn) ||
        !expectType(services, QJsonValue::Object, servicesPath, "an object")) {
        return false;
    }
    if (!isValidAccountId(out->id)) {
        return fail(Kind::Invalid, QStringLiteral("id"),
                    quoted(out->id) % QStringLiteral(" is not a valid account id (1 to 64 "
                                                     "letters, digits, '.', '_' or '-', not "
                                                     "starting with '.')"));
    }

    const QStringList serviceKeys{serviceName(Service::MessageAccess),
                                  serviceName(Service::MessageSubmission)};
    return checkKeys(services.toObject(), servicesPath, serviceKeys) &&
           readSettings(services.toObject(), serviceKeys.at(0), &out->imap) &&
           readSettings(services.toObject(), serviceKeys.at(1), &out->submission) &&
           readRecords(root.value(QStringLiteral("latchRecords")), &out->latchRecords);
}

bool AccountReader::readSettings(const QJsonObject& services, const QString& name,
                                 ServiceSettings* out)
{
    static const QStringList keys{QStringLiteral("host"),           QStringLiteral("port"),
                                  QStringLiteral("tlsMode"),        QStringLiteral("userName"),
                                  QStringLiteral("allowCleartext"), QStringLiteral("extraCaFile")};
    const QString path = QStringLiteral("services.") % name;
    const QJsonValue value = services.value(name);
    if (!expectType(value, QJsonValue::Object, path, "an object")) {
        return false;
    }

    const QJsonObject object = value.toObject();
    const QJsonValue port = object.value(QStringLiteral("port"));
    QString mode;
    if (!checkKeys(object, path, keys) || !readHost(object, path, &out->host) ||
        !expectType(port, QJsonValue::Double, childPath(path, QStringLiteral("port")),
                    "a port number") ||
        !readString(object, path, QStringLiteral("tlsMode"), &mode) ||
        !readString(object, path, QStringLiteral("userName"), &out->userName) ||
        !readBool(object, path, QStringLiteral("allowCleartext"), &out->allowCleartext) ||
        !readString(object, path, QStringLiteral("extraCaFile"), &out->extraCaFile)) {
        return false;
    }

    const double number = port.toDouble();
    if (std::trunc(number) != number || number < 0 || number > 65535) {
        return fail(Kind::Invalid, childPath(path, QStringLiteral("port")),
                    QString::number(number, 'g', QLocale::FloatingPointShortest) %
                        QStringLiteral(" is not a port number (0 to 65535, 0 for the default)"));
    }
    out->port = static_cast<quint16>(number);
    if (!tlsModeFromName(mode, &out->tlsMode)) {
        return fail(Kind::Invalid, childPath(path, QStringLiteral("tlsMode")),
                    quoted(mode) % QStringLiteral(" is not a TLS mode (expected \"auto\", "
                                                  "\"implicit\" or \"starttls\")"));
    }
    return true;
}

bool AccountReader::readRecords(const QJsonValue& value, QMap<QString, LatchRecord>* out)
{
    const QString path = QStringLiteral("latchRecords");
    if (!expectType(value, QJsonValue::Array, path, "an array")) {
        return false;
    }

    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        QString key;
        LatchRecord record;
        if (!readRecord(array.at(i), indexPath(path, i), &key, &record)) {
            return false;
        }
        if (out->contains(key)) {
            return fail(Kind::Invalid, indexPath(path, i),
                        QStringLiteral("a second record for ") % key);
        }
        out->insert(key, record);
    }
    return true;
}

bool AccountReader::readRecord(const QJsonValue& value, const QString& path, QString* key,
                               LatchRecord* out)
{
    static const QStringList keys{QStringLiteral("service"), QStringLiteral("host"),
                                  QStringLiteral("latches"), QStringLiteral("recentFailures")};
    if (!expectType(value, QJsonValue::Object, path, "an object")) {
        return false;
    }

    const QJsonObject object = value.toObject();
    QString name;
    QString host;
    Service service = Service::MessageAccess;
    if (!checkKeys(object, path, keys, {QStringLiteral("lastObservation")}) ||
        !readString(object, path, QStringLiteral("service"), &name)) {
        return false;
    }
    if (!serviceFromName(name, &service)) {
        return fail(Kind::Invalid, childPath(path, QStringLiteral("service")),
                    quoted(name) % QStringLiteral(" is not a service (expected \"imap\" or "
                                                  "\"submission\")"));
    }
    if (!readHost(object, path, &host) ||
        !readLatches(object.value(QStringLiteral("latches")),
                     childPath(path, QStringLiteral("latches")), out) ||
        !readObservation(object, path, out) ||
        !readFailures(object.value(QStringLiteral("recentFailures")),
                      childPath(path, QStringLiteral("recentFailures")), out)) {
        return false;
    }
    *key = Account::recordKey(service, host);
    return true;
}

bool AccountReader::readLatches(const QJsonValue& value, const QString& path, LatchRecord* out)
{
    if (!expectType(value, QJsonValue::Object, path, "an object")) {
        return false;
    }

    const QJsonObject latches = value.toObject();
    for (auto it = latches.begin(); it != latches.end(); ++it) {
        QDateTime since;
        if (!readToken(it.key(), path) ||
            !readDate(it.value(), childPath(path, it.key()), &since)) {
            return false;
        }
        if (!isKnownLatch(it.key())) {
            m_warnings.append(m_filePath % QStringLiteral(": ") % path %
                              QStringLiteral(": unknown latch ") % quoted(it.key()) %
                              QStringLiteral(" kept as it is; this version of Latchmail cannot "
                                             "enforce it"));
        }
        out->latches.insert(it.key(), since);
    }
    return true;
}

bool AccountReader::readObservation(const QJsonObject& record, const QString& path,
                                    LatchRecord* out)
{
    const QString key = QStringLiteral("lastObservation");
    const QString observationPath = childPath(path, key);
    if (!record.contains(key)) {
        return true;
    }
    if (!expectType(record.value(key), QJsonValue::Object, observationPath, "an object")) {
        return false;
    }

    QString problem;
    if (!TlsObservation::fromJson(record.value(key).toObject(), &out->lastObservation, &problem)) {
        // The observation reader names fields relative to "observation".
        const QString prefix = QStringLiteral("observation.");
        if (problem.startsWith(prefix)) {
            return fail(Kind::Invalid, {}, observationPath % u'.' % problem.mid(prefix.size()));
        }
        return fail(Kind::Invalid, observationPath, problem);
    }
    out->hasObservation = true;
    return true;
}

bool AccountReader::readFailures(const QJsonValue& value, const QString& path, LatchRecord* out)
{
    if (!expectType(value, QJsonValue::Array, path, "an array")) {
        return false;
    }

    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        LatchFailureRecord failure;
        if (!readFailure(array.at(i), indexPath(path, i), &failure)) {
            return false;
        }
        out->recentFailures.append(failure);
    }
    if (out->recentFailures.size() > LatchRecord::kMaxRecentFailures) {
        m_warnings.append(m_filePath % QStringLiteral(": ") % path %
                          QStringLiteral(": %1 failures recorded; only the newest %2 are kept")
                              .arg(out->recentFailures.size())
                              .arg(LatchRecord::kMaxRecentFailures));
        out->recentFailures.remove(0, out->recentFailures.size() - LatchRecord::kMaxRecentFailures);
    }
    return true;
}

bool AccountReader::readFailure(const QJsonValue& value, const QString& path,
                                LatchFailureRecord* out)
{
    static const QStringList keys{QStringLiteral("at"), QStringLiteral("failed"),
                                  QStringLiteral("detail")};
    if (!expectType(value, QJsonValue::Object, path, "an object")) {
        return false;
    }

    const QJsonObject object = value.toObject();
    const QString failedPath = childPath(path, QStringLiteral("failed"));
    const QJsonValue failed = object.value(QStringLiteral("failed"));
    if (!checkKeys(object, path, keys) ||
        !readDate(object.value(QStringLiteral("at")), childPath(path, QStringLiteral("at")),
                  &out->at) ||
        !readString(object, path, QStringLiteral("detail"), &out->detail) ||
        !expectType(failed, QJsonValue::Array, failedPath, "an array of latch tokens")) {
        return false;
    }

    const QJsonArray tokens = failed.toArray();
    for (qsizetype i = 0; i < tokens.size(); ++i) {
        const QString tokenPath = indexPath(failedPath, i);
        if (!expectType(tokens.at(i), QJsonValue::String, tokenPath, "a latch token") ||
            !readToken(tokens.at(i).toString(), tokenPath)) {
            return false;
        }
        out->failed.insert(tokens.at(i).toString());
    }
    return true;
}

} // namespace

AccountLoadResult AccountStore::fromJson(const QByteArray& bytes, const QString& filePath)
{
    return AccountReader(filePath).read(bytes);
}

} // namespace Latchmail
