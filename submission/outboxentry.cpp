// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox sidecar and its JSON form. Sidecars are written by this program, but a damaged or
// hand-edited file must still give a precise error rather than a half-read entry.
#include "submission/outboxentry.h"

#include <QJsonArray>
#include <QRegularExpression>

#include <array>
#include <limits>
#include <utility>

namespace Latchmail {

namespace {

constexpr std::array kStateNames{
    std::pair{OutboxState::Queued, "queued"},
    std::pair{OutboxState::Sending, "sending"},
    std::pair{OutboxState::Retrying, "retrying"},
    std::pair{OutboxState::HeldForSecurity, "held-for-security"},
    std::pair{OutboxState::Failed, "failed"},
    std::pair{OutboxState::SentAwaitingCopy, "sent-awaiting-copy"},
};

constexpr std::array kRecipientStatusNames{
    std::pair{RecipientStatus::Pending, "pending"},
    std::pair{RecipientStatus::Accepted, "accepted"},
    std::pair{RecipientStatus::Refused, "refused"},
};

QString isoTime(const QDateTime& time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonValue timeValue(const QDateTime& time)
{
    return time.isValid() ? QJsonValue(isoTime(time)) : QJsonValue(QJsonValue::Null);
}

// Reads the fields of one JSON object, remembering the first problem with its path.
class FieldReader
{
public:
    FieldReader(const QJsonObject& object, QString path)
        : m_object(object)
        , m_path(std::move(path))
    {
    }

    QString string(const char* key, bool required = true)
    {
        const QJsonValue value = m_object.value(QLatin1String(key));
        if (value.isString()) {
            return value.toString();
        }
        if (!required && (value.isUndefined() || value.isNull())) {
            return {};
        }
        fail(key, "a string");
        return {};
    }

    bool boolean(const char* key)
    {
        const QJsonValue value = m_object.value(QLatin1String(key));
        if (!value.isBool()) {
            fail(key, "true or false");
        }
        return value.toBool();
    }

    qint64 integer(const char* key, qint64 minimum, qint64 maximum)
    {
        const QJsonValue value = m_object.value(QLatin1String(key));
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number < double(minimum) || number > double(maximum) ||
            number != double(qint64(number))) {
            fail(key, "a whole number in range");
            return minimum;
        }
        return qint64(number);
    }

    // Null or absent reads as an invalid time.
    QDateTime time(const char* key)
    {
        const QJsonValue value = m_object.value(QLatin1String(key));
        if (value.isNull() || value.isUndefined()) {
            return {};
        }
        const QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
        if (!value.isString() || !time.isValid()) {
            fail(key, "an ISO 8601 time or null");
        }
        return time;
    }

    QJsonArray array(const char* key)
    {
        const QJsonValue value = m_object.value(QLatin1String(key));
        if (!value.isArray()) {
            fail(key, "an array");
        }
        return value.toArray();
    }

    QJsonObject object(const char* key)
    {
        const QJsonValue value = m_object.value(QLatin1String(key));
        if (!value.isObject()) {
            fail(key, "an object");
        }
        return value.toObject();
    }

    void fail(const char* key, const char* expected)
    {
        if (m_error.isEmpty()) {
            m_error = QStringLiteral("%1%2 must be %3")
                          .arg(m_path, QLatin1String(key), QLatin1String(expected));
        }
    }

    [[nodiscard]] const QString& error() const { return m_error; }

private:
    const QJsonObject& m_object;
    QString m_path;
    QString m_error;
};

QJsonObject recipientJson(const OutboxRecipient& recipient)
{
    return QJsonObject{
        {QStringLiteral("address"), recipient.address},
        {QStringLiteral("status"), recipientStatusName(recipient.status)},
        {QStringLiteral("reason"), recipient.reason},
    };
}

bool readRecipients(const QJsonArray& array, QList<OutboxRecipient>* out, QString* error)
{
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonObject object = array.at(i).toObject();
        FieldReader reader(object, QStringLiteral("recipients[%1].").arg(i));
        OutboxRecipient recipient;
        recipient.address = reader.string("address");
        const QString status = reader.string("status");
        recipient.reason = reader.string("reason", false);
        if (reader.error().isEmpty() && !recipientStatusFromName(status, &recipient.status)) {
            reader.fail("status", "pending, accepted or refused");
        }
        if (!reader.error().isEmpty()) {
            *error = reader.error();
            return false;
        }
        out->append(recipient);
    }
    return true;
}

QJsonObject sentCopyJson(const SentCopyProgress& copy)
{
    return QJsonObject{
        {QStringLiteral("started"), copy.started},
        {QStringLiteral("done"), copy.done},
        {QStringLiteral("mailbox"), copy.mailbox},
        {QStringLiteral("uidValidity"), qint64(copy.uidValidity)},
        {QStringLiteral("uid"), qint64(copy.uid)},
        {QStringLiteral("note"), copy.note},
    };
}

bool readSentCopy(const QJsonObject& object, SentCopyProgress* out, QString* error)
{
    FieldReader reader(object, QStringLiteral("sentCopy."));
    out->started = reader.boolean("started");
    out->done = reader.boolean("done");
    out->mailbox = reader.string("mailbox", false);
    out->uidValidity = quint32(reader.integer("uidValidity", 0, 0xffffffffLL));
    out->uid = quint32(reader.integer("uid", 0, 0xffffffffLL));
    out->note = reader.string("note", false);
    *error = reader.error();
    return error->isEmpty();
}

} // namespace

QString outboxStateName(OutboxState state)
{
    for (const auto& [value, name] : kStateNames) {
        if (value == state) {
            return QLatin1String(name);
        }
    }
    return QStringLiteral("queued");
}

bool outboxStateFromName(const QString& name, OutboxState* out)
{
    for (const auto& [value, text] : kStateNames) {
        if (name == QLatin1String(text)) {
            *out = value;
            return true;
        }
    }
    return false;
}

QString recipientStatusName(RecipientStatus status)
{
    for (const auto& [value, name] : kRecipientStatusNames) {
        if (value == status) {
            return QLatin1String(name);
        }
    }
    return QStringLiteral("pending");
}

bool recipientStatusFromName(const QString& name, RecipientStatus* out)
{
    for (const auto& [value, text] : kRecipientStatusNames) {
        if (name == QLatin1String(text)) {
            *out = value;
            return true;
        }
    }
    return false;
}

QStringList OutboxEntry::pendingRecipients() const
{
    QStringList pending;
    for (const OutboxRecipient& recipient : recipients) {
        if (recipient.status == RecipientStatus::Pending) {
            pending.append(recipient.address);
        }
    }
    return pending;
}

bool OutboxEntry::isDue(const QDateTime& now) const
{
    if (state == OutboxState::Queued) {
        return true;
    }
    return state == OutboxState::Retrying && (!nextAttemptAt.isValid() || nextAttemptAt <= now);
}

QJsonObject OutboxEntry::toJson() const
{
    QJsonArray recipientArray;
    for (const OutboxRecipient& recipient : recipients) {
        recipientArray.append(recipientJson(recipient));
    }
    return QJsonObject{
        {QStringLiteral("version"), kSchemaVersion},
        {QStringLiteral("id"), id},
        {QStringLiteral("envelopeId"), envelopeId},
        {QStringLiteral("messageId"), messageId},
        {QStringLiteral("subject"), subject},
        {QStringLiteral("reversePath"), reversePath},
        {QStringLiteral("recipients"), recipientArray},
        {QStringLiteral("size"), size},
        {QStringLiteral("needs8BitMime"), needs8BitMime},
        {QStringLiteral("needsSmtpUtf8"), needsSmtpUtf8},
        {QStringLiteral("queuedAt"), timeValue(queuedAt)},
        {QStringLiteral("state"), outboxStateName(state)},
        {QStringLiteral("attempts"), attempts},
        {QStringLiteral("nextAttemptAt"), timeValue(nextAttemptAt)},
        {QStringLiteral("lastError"), lastError},
        {QStringLiteral("lastErrorAt"), timeValue(lastErrorAt)},
        {QStringLiteral("acceptedAt"), timeValue(acceptedAt)},
        {QStringLiteral("dsnRequested"), dsnRequested},
        {QStringLiteral("sentCopy"), sentCopyJson(sentCopy)},
    };
}

bool OutboxEntry::fromJson(const QJsonObject& json, OutboxEntry* out, QString* error)
{
    FieldReader reader(json, QString());
    if (reader.integer("version", 1, 1000) != kSchemaVersion && reader.error().isEmpty()) {
        *error = QStringLiteral("version %1 is not supported (this version reads %2)")
                     .arg(json.value(QStringLiteral("version")).toInt())
                     .arg(kSchemaVersion);
        return false;
    }

    OutboxEntry entry;
    entry.id = reader.string("id");
    entry.envelopeId = reader.string("envelopeId");
    entry.messageId = reader.string("messageId", false);
    entry.subject = reader.string("subject", false);
    entry.reversePath = reader.string("reversePath");
    const QJsonArray recipientArray = reader.array("recipients");
    entry.size = reader.integer("size", 0, std::numeric_limits<qint32>::max() * qint64(64));
    entry.needs8BitMime = reader.boolean("needs8BitMime");
    entry.needsSmtpUtf8 = reader.boolean("needsSmtpUtf8");
    entry.queuedAt = reader.time("queuedAt");
    const QString state = reader.string("state");
    entry.attempts = int(reader.integer("attempts", 0, 1000000));
    entry.nextAttemptAt = reader.time("nextAttemptAt");
    entry.lastError = reader.string("lastError", false);
    entry.lastErrorAt = reader.time("lastErrorAt");
    entry.acceptedAt = reader.time("acceptedAt");
    entry.dsnRequested = reader.boolean("dsnRequested");
    const QJsonObject copy = reader.object("sentCopy");

    if (reader.error().isEmpty() && !outboxStateFromName(state, &entry.state)) {
        reader.fail("state", "one of the outbox states");
    }
    if (reader.error().isEmpty() && !isValidOutboxId(entry.id)) {
        reader.fail("id", "1 to 64 letters, digits or '-'");
    }
    if (!reader.error().isEmpty()) {
        *error = reader.error();
        return false;
    }
    if (!readRecipients(recipientArray, &entry.recipients, error) ||
        !readSentCopy(copy, &entry.sentCopy, error)) {
        return false;
    }
    *out = entry;
    return true;
}

bool isValidOutboxId(const QString& id)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"));
    return pattern.match(id).hasMatch();
}

} // namespace Latchmail
