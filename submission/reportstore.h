// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "submission/deliveryreport.h"
#include "submission/transitsecurity.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Latchmail {

/// What is known about one recipient of a sent message: the server's acceptance at submission,
/// then what delivery status notifications (RFC 3464) said.
struct SentRecipient
{
    enum class State { Accepted, Delivered, Relayed, Expanded, Delayed, Failed };

    QString address;
    State state = State::Accepted;
    QString reason;     // the report's account of it, remote diagnostic attributed
    QString statusCode; // RFC 3463 enhanced status code from the report, e.g. "2.0.0"
    QDateTime reportedAt;

    friend bool operator==(const SentRecipient&, const SentRecipient&) = default;
};

/// "accepted", "delivered", "relayed", "expanded", "delayed", "failed".
[[nodiscard]] QString sentRecipientStateName(SentRecipient::State state);
[[nodiscard]] bool sentRecipientStateFromName(const QString& name, SentRecipient::State* out);

/// One submitted message and its delivery reports, kept after it left the outbox.
struct SentRecord
{
    static constexpr int kSchemaVersion = 1;

    QString envelopeId; // RFC 3461 ENVID: the key reports are correlated by
    QString messageId;
    QString subject;
    QDateTime acceptedAt;
    /// Whether the submission asked for delivery status notifications. When the server did not
    /// announce DSN (RFC 3461 4), none can be expected and the record says so.
    bool dsnRequested = false;
    bool successRequested = false; // NOTIFY included SUCCESS
    QList<SentRecipient> recipients;

    /// Transit security from the Received fields of a returned report (transitsecurity.h).
    QString transitSummary; // empty until a report with returned headers arrived
    int hopsWithTls = 0;
    int hopsWithoutTls = 0;
    int hopsNotStated = 0;
    /// Each recorded hop, oldest first, with what its server claimed (from and by host,
    /// protocol, TLS, version, suite, and the text the claim was read from). Claims, not proofs.
    QList<ReceivedHopClaim> transitHops;

    QStringList reportKeys; // the report messages already applied (so each counts once)

    /// One sentence on what reports to expect.
    [[nodiscard]] QString expectation() const;

    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static bool fromJson(const QJsonObject& json, SentRecord* out, QString* error);

    friend bool operator==(const SentRecord&, const SentRecord&) = default;
};

/// How applying one report changed the store.
struct ReportApplication
{
    bool matched = false;   // the report's ENVID names a record of this store
    bool duplicate = false; // this report message was applied before
    QString envelopeId;
    QStringList updatedRecipients;
    QStringList unknownRecipients; // named by the report but not among the record's recipients
};

/// The sent messages of one account with their correlated delivery reports: one JSON file per
/// message, `<dir>/<ENVID>.json`, written atomically. Delivery reports are matched by their
/// Original-Envelope-Id (RFC 3464 2.2.1) and, within a message, by original recipient
/// (ORCPT, RFC 3461 4.2) or final recipient.
class ReportStore
{
public:
    explicit ReportStore(QString directory);

    static constexpr qint64 kMaxRecordBytes = 4 * 1024 * 1024;

    [[nodiscard]] QString directory() const { return m_directory; }
    [[nodiscard]] QString filePath(const QString& envelopeId) const;

    [[nodiscard]] bool save(const SentRecord& record, QString* error) const;
    [[nodiscard]] std::optional<SentRecord> load(const QString& envelopeId, QString* error) const;
    /// Every readable record, oldest first; unreadable files are listed in `problems`.
    [[nodiscard]] QList<SentRecord> list(QStringList* problems = nullptr) const;

    /// Correlates `report` (read from the message identified by `reportKey`, e.g.
    /// "INBOX/<uidvalidity>/<uid>") with its record and updates the record's recipients and
    /// transit security. A report whose ENVID names no record is not ours and changes nothing.
    [[nodiscard]] ReportApplication apply(const DeliveryReport& report, const QString& reportKey,
                                          QString* error) const;

private:
    QString m_directory;
};

/// Applies a report to a record in memory (the pure part of ReportStore::apply()).
[[nodiscard]] ReportApplication applyReport(SentRecord* record, const DeliveryReport& report,
                                            const QString& reportKey);

} // namespace Latchmail
