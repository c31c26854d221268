// SPDX-License-Identifier: GPL-3.0-or-later
// Sent-message records and their correlation with delivery reports. Reports arrive by mail
// (untrusted input, already parsed by deliveryreport.h); record files are read back from disk
// and checked.
#include "submission/reportstore.h"

#include "submission/transitsecurity.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

#include <array>
#include <utility>

namespace Latchmail {

namespace {

constexpr std::array kStateNames{
    std::pair{SentRecipient::State::Accepted, "accepted"},
    std::pair{SentRecipient::State::Delivered, "delivered"},
    std::pair{SentRecipient::State::Relayed, "relayed"},
    std::pair{SentRecipient::State::Expanded, "expanded"},
    std::pair{SentRecipient::State::Delayed, "delayed"},
    std::pair{SentRecipient::State::Failed, "failed"},
};

// The most reports kept track of per message: each recipient yields at most a few.
constexpr qsizetype kMaxReportKeys = 1000;

QString isoTime(const QDateTime& time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QDateTime readTime(const QJsonValue& value)
{
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
}

// ENVIDs this program generates are UUIDs; anything else cannot become a file name.
bool isValidEnvelopeId(const QString& id)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$"));
    return pattern.match(id).hasMatch();
}

// A final outcome is not undone by a later "delayed" report that overtook it.
bool isFinal(SentRecipient::State state)
{
    return state == SentRecipient::State::Delivered || state == SentRecipient::State::Relayed ||
           state == SentRecipient::State::Expanded || state == SentRecipient::State::Failed;
}

std::optional<SentRecipient::State> stateForAction(DsnAction action)
{
    switch (action) {
    case DsnAction::Delivered:
        return SentRecipient::State::Delivered;
    case DsnAction::Relayed:
        return SentRecipient::State::Relayed;
    case DsnAction::Expanded:
        return SentRecipient::State::Expanded;
    case DsnAction::Delayed:
        return SentRecipient::State::Delayed;
    case DsnAction::Failed:
        return SentRecipient::State::Failed;
    case DsnAction::Unknown:
        break;
    }
    return std::nullopt;
}

QJsonObject recipientJson(const SentRecipient& recipient)
{
    return QJsonObject{
        {QStringLiteral("address"), recipient.address},
        {QStringLiteral("state"), sentRecipientStateName(recipient.state)},
        {QStringLiteral("reason"), recipient.reason},
        {QStringLiteral("statusCode"), recipient.statusCode},
        {QStringLiteral("reportedAt"), isoTime(recipient.reportedAt)},
    };
}

QJsonObject hopJson(const ReceivedHopClaim& hop)
{
    return QJsonObject{
        {QStringLiteral("fromHost"), hop.fromHost},
        {QStringLiteral("byHost"), hop.byHost},
        {QStringLiteral("protocol"), hop.protocol},
        {QStringLiteral("tls"), claimedTlsName(hop.tls)},
        {QStringLiteral("tlsVersion"), hop.tlsVersion},
        {QStringLiteral("cipherSuite"), hop.cipherSuite},
        {QStringLiteral("claimSource"), claimSourceName(hop.source)},
        {QStringLiteral("claimText"), hop.claimText},
    };
}

// Fields are cut to the lengths parseReceivedField() produces: a record file is read back from
// disk and might have been edited.
bool readHop(const QJsonObject& object, ReceivedHopClaim* hop)
{
    const auto text = [&object](const char* key, qsizetype limit) {
        return object.value(QLatin1String(key)).toString().left(limit);
    };
    hop->fromHost = text("fromHost", 255);
    hop->byHost = text("byHost", 255);
    hop->protocol = text("protocol", 255);
    hop->tlsVersion = text("tlsVersion", 64);
    hop->cipherSuite = text("cipherSuite", 100);
    hop->claimText = text("claimText", ReceivedHopClaim::kMaxClaimText);
    return claimedTlsFromName(object.value(QStringLiteral("tls")).toString(), &hop->tls) &&
           claimSourceFromName(object.value(QStringLiteral("claimSource")).toString(),
                               &hop->source);
}

bool readHops(const QJsonArray& array, QList<ReceivedHopClaim>* hops, QString* error)
{
    const qsizetype count = qMin<qsizetype>(array.size(), TransitSecurityClaims::kMaxHops);
    for (qsizetype i = 0; i < count; ++i) {
        ReceivedHopClaim hop;
        if (!readHop(array.at(i).toObject(), &hop)) {
            *error = QStringLiteral("transitHops[%1] is malformed").arg(i);
            return false;
        }
        hops->append(hop);
    }
    return true;
}

void applyTransit(SentRecord* record, const DeliveryReport& report)
{
    if (report.returnedHeaders.isEmpty()) {
        return;
    }
    const TransitSecurityClaims claims = readTransitSecurityClaims(report.returnedHeaders);
    if (claims.hops.isEmpty()) {
        return;
    }
    record->transitSummary = claims.summary();
    record->hopsWithTls = claims.hopsWithTls;
    record->hopsWithoutTls = claims.hopsWithoutTls;
    record->hopsNotStated = claims.hopsNotStated;
    record->transitHops = claims.hops;
}

} // namespace

QString sentRecipientStateName(SentRecipient::State state)
{
    for (const auto& [value, name] : kStateNames) {
        if (value == state) {
            return QLatin1String(name);
        }
    }
    return QStringLiteral("accepted");
}

bool sentRecipientStateFromName(const QString& name, SentRecipient::State* out)
{
    for (const auto& [value, text] : kStateNames) {
        if (name == QLatin1String(text)) {
            *out = value;
            return true;
        }
    }
    return false;
}

QString SentRecord::expectation() const
{
    if (!dsnRequested) {
        return QStringLiteral("No delivery reports can be expected: the server did not offer "
                              "delivery status notifications (DSN) when the message was sent.");
    }
    return successRequested
               ? QStringLiteral("Reports were requested for delivery, delay and failure.")
               : QStringLiteral("Reports were requested for delay and failure only.");
}

QJsonObject SentRecord::toJson() const
{
    QJsonArray recipientArray;
    for (const SentRecipient& recipient : recipients) {
        recipientArray.append(recipientJson(recipient));
    }
    QJsonArray hopArray;
    for (const ReceivedHopClaim& hop : transitHops) {
        hopArray.append(hopJson(hop));
    }
    return QJsonObject{
        {QStringLiteral("version"), kSchemaVersion},
        {QStringLiteral("envelopeId"), envelopeId},
        {QStringLiteral("messageId"), messageId},
        {QStringLiteral("subject"), subject},
        {QStringLiteral("acceptedAt"), isoTime(acceptedAt)},
        {QStringLiteral("dsnRequested"), dsnRequested},
        {QStringLiteral("successRequested"), successRequested},
        {QStringLiteral("recipients"), recipientArray},
        {QStringLiteral("transitSummary"), transitSummary},
        {QStringLiteral("hopsWithTls"), hopsWithTls},
        {QStringLiteral("hopsWithoutTls"), hopsWithoutTls},
        {QStringLiteral("hopsNotStated"), hopsNotStated},
        {QStringLiteral("transitHops"), hopArray},
        {QStringLiteral("reportKeys"), QJsonArray::fromStringList(reportKeys)},
    };
}

bool SentRecord::fromJson(const QJsonObject& json, SentRecord* out, QString* error)
{
    if (json.value(QStringLiteral("version")).toInt() != kSchemaVersion) {
        *error = QStringLiteral("version must be %1").arg(kSchemaVersion);
        return false;
    }
    SentRecord record;
    record.envelopeId = json.value(QStringLiteral("envelopeId")).toString();
    if (!isValidEnvelopeId(record.envelopeId)) {
        *error = QStringLiteral("envelopeId is missing or malformed");
        return false;
    }
    record.messageId = json.value(QStringLiteral("messageId")).toString();
    record.subject = json.value(QStringLiteral("subject")).toString();
    record.acceptedAt = readTime(json.value(QStringLiteral("acceptedAt")));
    record.dsnRequested = json.value(QStringLiteral("dsnRequested")).toBool();
    record.successRequested = json.value(QStringLiteral("successRequested")).toBool();
    record.transitSummary = json.value(QStringLiteral("transitSummary")).toString();
    record.hopsWithTls = json.value(QStringLiteral("hopsWithTls")).toInt();
    record.hopsWithoutTls = json.value(QStringLiteral("hopsWithoutTls")).toInt();
    record.hopsNotStated = json.value(QStringLiteral("hopsNotStated")).toInt();
    if (!readHops(json.value(QStringLiteral("transitHops")).toArray(), &record.transitHops,
                  error)) {
        return false;
    }
    for (const QJsonValue& key : json.value(QStringLiteral("reportKeys")).toArray()) {
        record.reportKeys.append(key.toString());
    }

    const QJsonArray recipientArray = json.value(QStringLiteral("recipients")).toArray();
    for (qsizetype i = 0; i < recipientArray.size(); ++i) {
        const QJsonObject object = recipientArray.at(i).toObject();
        SentRecipient recipient;
        recipient.address = object.value(QStringLiteral("address")).toString();
        if (recipient.address.isEmpty() ||
            !sentRecipientStateFromName(object.value(QStringLiteral("state")).toString(),
                                        &recipient.state)) {
            *error = QStringLiteral("recipients[%1] is malformed").arg(i);
            return false;
        }
        recipient.reason = object.value(QStringLiteral("reason")).toString();
        recipient.statusCode = object.value(QStringLiteral("statusCode")).toString();
        recipient.reportedAt = readTime(object.value(QStringLiteral("reportedAt")));
        record.recipients.append(recipient);
    }
    *out = record;
    return true;
}

ReportApplication applyReport(SentRecord* record, const DeliveryReport& report,
                              const QString& reportKey)
{
    ReportApplication application;
    application.envelopeId = record->envelopeId;
    if (!report.matches(record->envelopeId)) {
        return application;
    }
    application.matched = true;
    if (record->reportKeys.contains(reportKey)) {
        application.duplicate = true;
        return application;
    }

    for (const DsnRecipientReport& reported : report.recipients) {
        const std::optional<SentRecipient::State> state = stateForAction(reported.action);
        auto found =
            std::find_if(record->recipients.begin(), record->recipients.end(),
                         [&](const SentRecipient& r) { return reported.isRecipient(r.address); });
        if (found == record->recipients.end()) {
            application.unknownRecipients.append(reported.originalRecipient.isEmpty()
                                                     ? reported.finalRecipient
                                                     : reported.originalRecipient);
            continue;
        }
        if (!state || (isFinal(found->state) && *state == SentRecipient::State::Delayed)) {
            continue;
        }
        found->state = *state;
        found->reason = reported.reason();
        found->statusCode = reported.status.toString();
        found->reportedAt = reported.lastAttemptDate.isValid() ? reported.lastAttemptDate
                            : report.arrivalDate.isValid()     ? report.arrivalDate
                                                               : QDateTime::currentDateTimeUtc();
        application.updatedRecipients.append(found->address);
    }
    applyTransit(record, report);
    record->reportKeys.append(reportKey);
    if (record->reportKeys.size() > kMaxReportKeys) {
        record->reportKeys.removeFirst();
    }
    return application;
}

ReportStore::ReportStore(QString directory)
    : m_directory(std::move(directory))
{
}

QString ReportStore::filePath(const QString& envelopeId) const
{
    return m_directory + QLatin1Char('/') + envelopeId + QStringLiteral(".json");
}

bool ReportStore::save(const SentRecord& record, QString* error) const
{
    if (!isValidEnvelopeId(record.envelopeId)) {
        *error = QStringLiteral("'%1' cannot name a sent-message record").arg(record.envelopeId);
        return false;
    }
    if (!QDir().mkpath(m_directory)) {
        *error = QStringLiteral("cannot create the directory %1").arg(m_directory);
        return false;
    }
    QSaveFile file(filePath(record.envelopeId));
    const QByteArray bytes = QJsonDocument(record.toJson()).toJson(QJsonDocument::Indented);
    const bool written = file.open(QIODevice::WriteOnly) &&
                         file.setPermissions(QFile::ReadOwner | QFile::WriteOwner) &&
                         file.write(bytes) == bytes.size() && file.commit();
    if (!written) {
        *error = QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
        file.cancelWriting();
    }
    return written;
}

std::optional<SentRecord> ReportStore::load(const QString& envelopeId, QString* error) const
{
    if (!isValidEnvelopeId(envelopeId)) {
        *error = QStringLiteral("'%1' cannot name a sent-message record").arg(envelopeId);
        return std::nullopt;
    }
    QFile file(filePath(envelopeId));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString());
        return std::nullopt;
    }
    const QJsonDocument document = QJsonDocument::fromJson(file.read(kMaxRecordBytes));
    SentRecord record;
    QString fieldError;
    if (!document.isObject() || !SentRecord::fromJson(document.object(), &record, &fieldError)) {
        *error = QStringLiteral("%1 is not a valid sent-message record%2")
                     .arg(file.fileName(),
                          fieldError.isEmpty() ? QString() : QStringLiteral(": ") + fieldError);
        return std::nullopt;
    }
    return record;
}

QList<SentRecord> ReportStore::list(QStringList* problems) const
{
    QList<SentRecord> records;
    const QStringList names =
        QDir(m_directory).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString& name : names) {
        QString error;
        if (std::optional<SentRecord> record = load(name.chopped(5), &error)) {
            records.append(*record);
        } else if (problems) {
            problems->append(error);
        }
    }
    std::sort(records.begin(), records.end(),
              [](const SentRecord& a, const SentRecord& b) { return a.acceptedAt < b.acceptedAt; });
    return records;
}

ReportApplication ReportStore::apply(const DeliveryReport& report, const QString& reportKey,
                                     QString* error) const
{
    ReportApplication application;
    if (!isValidEnvelopeId(report.envelopeId) || !QFile::exists(filePath(report.envelopeId))) {
        return application; // not a submission of this account
    }
    std::optional<SentRecord> record = load(report.envelopeId, error);
    if (!record) {
        return application;
    }
    application = applyReport(&*record, report, reportKey);
    if (application.matched && !application.duplicate && !save(*record, error)) {
        application.updatedRecipients.clear();
    }
    return application;
}

} // namespace Latchmail
