// SPDX-License-Identifier: GPL-3.0-or-later
// Reads observations back from account files, which may have been edited or damaged: every field
// of the JSON input is type-checked before use.
#include "core/tlsobservation.h"

#include <QJsonArray>
#include <QJsonValue>
#include <QRegularExpression>

#include <cmath>
#include <optional>

namespace Latchmail {

namespace {

constexpr int MaxKeyBits = 65536;

// One mapping for every enum's wire token; Unknown is a legitimate stored value (a version this
// build cannot name), so it has a token of its own.
const QList<std::pair<TlsVersion, QString>>& tlsVersionNames()
{
    static const QList<std::pair<TlsVersion, QString>> names{
        {TlsVersion::None, QStringLiteral("none")},
        {TlsVersion::Tls10, QStringLiteral("TLSv1.0")},
        {TlsVersion::Tls11, QStringLiteral("TLSv1.1")},
        {TlsVersion::Tls12, QStringLiteral("TLSv1.2")},
        {TlsVersion::Tls13, QStringLiteral("TLSv1.3")},
        {TlsVersion::Unknown, QStringLiteral("unknown")},
    };
    return names;
}

const QList<std::pair<TransportSecurity, QString>>& transportNames()
{
    static const QList<std::pair<TransportSecurity, QString>> names{
        {TransportSecurity::Cleartext, QStringLiteral("cleartext")},
        {TransportSecurity::ImplicitTls, QStringLiteral("implicit-tls")},
        {TransportSecurity::StartTls, QStringLiteral("starttls")},
    };
    return names;
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

QJsonValue dateTimeToJson(const QDateTime& dateTime)
{
    if (!dateTime.isValid()) {
        return QJsonValue(QJsonValue::Null);
    }
    return dateTime.toUTC().toString(Qt::ISODateWithMs);
}

// Reads typed fields of one JSON object; the first problem is written to `error`, prefixed with
// the path of the field ("observation.chain[1].notAfter").
class FieldReader
{
public:
    FieldReader(const QJsonObject& object, QString path, QString* error)
        : m_object(object)
        , m_path(std::move(path))
        , m_error(error)
    {
    }

    bool readString(const QString& key, QString* out)
    {
        const std::optional<QJsonValue> value = field(key, QJsonValue::String, "a string");
        if (value) {
            *out = value->toString();
        }
        return value.has_value();
    }

    bool readBool(const QString& key, bool* out)
    {
        const std::optional<QJsonValue> value = field(key, QJsonValue::Bool, "a boolean");
        if (value) {
            *out = value->toBool();
        }
        return value.has_value();
    }

    bool readInt(const QString& key, int minimum, int maximum, int* out);
    bool readDateTime(const QString& key, QDateTime* out);
    bool readStringList(const QString& key, QStringList* out);
    bool readArray(const QString& key, QJsonArray* out)
    {
        const std::optional<QJsonValue> value = field(key, QJsonValue::Array, "an array");
        if (value) {
            *out = value->toArray();
        }
        return value.has_value();
    }

    bool fail(const QString& key, const QString& problem)
    {
        if (m_error) {
            *m_error = m_path % u'.' % key % QStringLiteral(": ") % problem;
        }
        return false;
    }

    [[nodiscard]] const QString& path() const { return m_path; }

private:
    std::optional<QJsonValue> field(const QString& key, QJsonValue::Type type, const char* expected)
    {
        const QJsonValue value = m_object.value(key);
        if (value.isUndefined()) {
            fail(key, QStringLiteral("missing"));
            return std::nullopt;
        }
        if (value.type() != type) {
            fail(key, QStringLiteral("expected ") % QLatin1String(expected) %
                          QStringLiteral(", got ") % jsonTypeName(value));
            return std::nullopt;
        }
        return value;
    }

    QJsonObject m_object;
    QString m_path;
    QString* m_error;
};

bool FieldReader::readInt(const QString& key, int minimum, int maximum, int* out)
{
    const std::optional<QJsonValue> value = field(key, QJsonValue::Double, "an integer");
    if (!value) {
        return false;
    }

    const double number = value->toDouble();
    if (std::floor(number) != number || number < minimum || number > maximum) {
        return fail(key, QStringLiteral("expected an integer from %1 to %2, got %3")
                             .arg(minimum)
                             .arg(maximum)
                             .arg(number));
    }
    *out = static_cast<int>(number);
    return true;
}

bool FieldReader::readDateTime(const QString& key, QDateTime* out)
{
    const QJsonValue value = m_object.value(key);
    if (value.isNull()) {
        *out = QDateTime();
        return true;
    }
    if (!value.isString()) {
        return fail(key, value.isUndefined() ? QStringLiteral("missing")
                                             : QStringLiteral("expected an ISO 8601 date or null, "
                                                              "got ") %
                                                   jsonTypeName(value));
    }

    const QDateTime parsed = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    if (!parsed.isValid()) {
        return fail(key, QStringLiteral("not an ISO 8601 date: \"") % value.toString() % u'"');
    }
    if (parsed.timeSpec() == Qt::LocalTime) {
        return fail(key, QStringLiteral("date without UTC offset: \"") % value.toString() % u'"');
    }
    *out = parsed.toUTC();
    return true;
}

bool FieldReader::readStringList(const QString& key, QStringList* out)
{
    QJsonArray array;
    if (!readArray(key, &array)) {
        return false;
    }

    QStringList strings;
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString()) {
            return fail(key % QStringLiteral("[%1]").arg(i),
                        QStringLiteral("expected a string, got ") % jsonTypeName(array.at(i)));
        }
        strings.append(array.at(i).toString());
    }
    *out = strings;
    return true;
}

QJsonObject certificateToJson(const CertificateInfo& certificate)
{
    QJsonObject json;
    json.insert(QStringLiteral("subject"), certificate.subject);
    json.insert(QStringLiteral("issuer"), certificate.issuer);
    json.insert(QStringLiteral("notBefore"), dateTimeToJson(certificate.notBefore));
    json.insert(QStringLiteral("notAfter"), dateTimeToJson(certificate.notAfter));
    json.insert(QStringLiteral("sha256"), certificate.sha256);
    return json;
}

bool certificateFromJson(const QJsonObject& json, const QString& path, CertificateInfo* out,
                         QString* error)
{
    FieldReader reader(json, path, error);
    CertificateInfo certificate;
    if (!reader.readString(QStringLiteral("subject"), &certificate.subject) ||
        !reader.readString(QStringLiteral("issuer"), &certificate.issuer) ||
        !reader.readDateTime(QStringLiteral("notBefore"), &certificate.notBefore) ||
        !reader.readDateTime(QStringLiteral("notAfter"), &certificate.notAfter) ||
        !reader.readString(QStringLiteral("sha256"), &certificate.sha256)) {
        return false;
    }

    static const QRegularExpression fingerprint(QStringLiteral("^([0-9A-F]{2}:){31}[0-9A-F]{2}$"));
    if (!certificate.sha256.isEmpty() && !fingerprint.match(certificate.sha256).hasMatch()) {
        return reader.fail(QStringLiteral("sha256"),
                           QStringLiteral("expected 32 colon-separated upper-case hex bytes"));
    }
    *out = certificate;
    return true;
}

bool chainFromJson(FieldReader& reader, QList<CertificateInfo>* out, QString* error)
{
    QJsonArray array;
    if (!reader.readArray(QStringLiteral("chain"), &array)) {
        return false;
    }

    QList<CertificateInfo> chain;
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString index = QStringLiteral("chain[%1]").arg(i);
        if (!array.at(i).isObject()) {
            return reader.fail(index, QStringLiteral("expected an object, got ") %
                                          jsonTypeName(array.at(i)));
        }
        CertificateInfo certificate;
        if (!certificateFromJson(array.at(i).toObject(), reader.path() % u'.' % index, &certificate,
                                 error)) {
            return false;
        }
        chain.append(certificate);
    }
    *out = chain;
    return true;
}

bool enumsFromJson(FieldReader& reader, TlsObservation* observation)
{
    QString transport;
    QString protocol;
    if (!reader.readString(QStringLiteral("transport"), &transport) ||
        !reader.readString(QStringLiteral("protocol"), &protocol)) {
        return false;
    }

    bool known = false;
    observation->transport = transportSecurityFromName(transport, &known);
    if (!known) {
        return reader.fail(QStringLiteral("transport"),
                           QStringLiteral("unknown transport \"") % transport % u'"');
    }

    observation->protocol = tlsVersionFromName(protocol);
    if (observation->protocol == TlsVersion::Unknown && protocol != QLatin1String("unknown")) {
        return reader.fail(QStringLiteral("protocol"),
                           QStringLiteral("unknown TLS version \"") % protocol % u'"');
    }
    return true;
}

} // namespace

QString tlsVersionName(TlsVersion version)
{
    for (const auto& [value, name] : tlsVersionNames()) {
        if (value == version) {
            return name;
        }
    }
    return QStringLiteral("unknown");
}

TlsVersion tlsVersionFromName(const QString& name)
{
    for (const auto& [value, token] : tlsVersionNames()) {
        if (token == name) {
            return value;
        }
    }
    return TlsVersion::Unknown;
}

QString transportSecurityName(TransportSecurity transport)
{
    for (const auto& [value, name] : transportNames()) {
        if (value == transport) {
            return name;
        }
    }
    return QStringLiteral("cleartext");
}

TransportSecurity transportSecurityFromName(const QString& name, bool* ok)
{
    for (const auto& [value, token] : transportNames()) {
        if (token == name) {
            if (ok) {
                *ok = true;
            }
            return value;
        }
    }
    if (ok) {
        *ok = false;
    }
    return TransportSecurity::Cleartext;
}

QJsonObject TlsObservation::toJson() const
{
    QJsonArray chainJson;
    for (const CertificateInfo& certificate : chain) {
        chainJson.append(certificateToJson(certificate));
    }

    QJsonObject json;
    json.insert(QStringLiteral("transport"), transportSecurityName(transport));
    json.insert(QStringLiteral("protocol"), tlsVersionName(protocol));
    json.insert(QStringLiteral("cipherIana"), cipherIana);
    json.insert(QStringLiteral("cipherOpenSsl"), cipherOpenSsl);
    json.insert(QStringLiteral("keyBits"), keyBits);
    json.insert(QStringLiteral("forwardSecrecy"), forwardSecrecy);
    json.insert(QStringLiteral("cipherUsesMd5"), cipherUsesMd5);
    json.insert(QStringLiteral("cipherUsesRc4"), cipherUsesRc4);
    json.insert(QStringLiteral("certificateVerified"), certificateVerified);
    json.insert(QStringLiteral("verificationErrors"),
                QJsonArray::fromStringList(verificationErrors));
    json.insert(QStringLiteral("chain"), chainJson);
    json.insert(QStringLiteral("observedAt"), dateTimeToJson(observedAt));
    return json;
}

bool TlsObservation::fromJson(const QJsonObject& json, TlsObservation* out, QString* error)
{
    FieldReader reader(json, QStringLiteral("observation"), error);
    TlsObservation observation;
    if (!enumsFromJson(reader, &observation) ||
        !reader.readString(QStringLiteral("cipherIana"), &observation.cipherIana) ||
        !reader.readString(QStringLiteral("cipherOpenSsl"), &observation.cipherOpenSsl) ||
        !reader.readInt(QStringLiteral("keyBits"), 0, MaxKeyBits, &observation.keyBits) ||
        !reader.readBool(QStringLiteral("forwardSecrecy"), &observation.forwardSecrecy) ||
        !reader.readBool(QStringLiteral("cipherUsesMd5"), &observation.cipherUsesMd5) ||
        !reader.readBool(QStringLiteral("cipherUsesRc4"), &observation.cipherUsesRc4) ||
        !reader.readBool(QStringLiteral("certificateVerified"), &observation.certificateVerified) ||
        !reader.readStringList(QStringLiteral("verificationErrors"),
                               &observation.verificationErrors) ||
        !chainFromJson(reader, &observation.chain, error) ||
        !reader.readDateTime(QStringLiteral("observedAt"), &observation.observedAt)) {
        return false;
    }

    *out = observation;
    return true;
}

} // namespace Latchmail
