// SPDX-License-Identifier: GPL-3.0-or-later
// Reads delivery status notifications (RFC 3464) received by mail (untrusted input).
#pragma once

#include "submission/smtpreply.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Latchmail {

/// RFC 3464 2.3.3: what happened to the message for one recipient.
enum class DsnAction { Unknown, Failed, Delayed, Delivered, Relayed, Expanded };

[[nodiscard]] QString dsnActionName(DsnAction action);          // "failed", …; "unknown"
[[nodiscard]] DsnAction dsnActionFromName(const QString& name); // case-insensitive

/// The per-recipient fields of a delivery status notification (RFC 3464 2.3).
struct DsnRecipientReport
{
    QString finalRecipient; // the address, without its address-type
    QString finalRecipientType;
    QString originalRecipient; // as the report wrote it (ORCPT, RFC 3461 4.2); may be empty
    QString originalRecipientType;
    DsnAction action = DsnAction::Unknown;
    EnhancedStatusCode status; // RFC 3463
    QString diagnosticType;    // "smtp", …
    QString diagnosticText;    // the remote server's words, unfolded
    QString remoteMta;         // without its mta-name-type
    QDateTime lastAttemptDate;
    QDateTime willRetryUntil;
    QStringList securityLatches; // DEEP 6 SMTP-Security-Latch: latches that stopped delivery

    /// A plain-language account of the outcome; the remote server's diagnostic is quoted and
    /// attributed to it.
    [[nodiscard]] QString reason() const;

    /// True when `address` is this recipient: the original recipient when the report names one
    /// (xtext and RFC 6533 escapes undone), else the final recipient. The local part compares
    /// exactly, the domain case-insensitively and after IDNA conversion.
    [[nodiscard]] bool isRecipient(const QString& address) const;
};

/// A delivery status notification: RFC 6522 multipart/report with report-type=delivery-status.
struct DeliveryReport
{
    QString envelopeId; // Original-Envelope-Id (RFC 3464 2.2.1), xtext decoded
    QString reportingMta;
    QDateTime arrivalDate;
    QList<DsnRecipientReport> recipients;
    QByteArray returnedHeaders;       // header block of the returned message, if any
    bool returnedFullMessage = false; // message/rfc822 rather than text/rfc822-headers
    QString humanReadableText;        // the first part, for display (bounded)

    /// The report for `address`, or null (see DsnRecipientReport::isRecipient).
    [[nodiscard]] const DsnRecipientReport* recipient(const QString& address) const;

    /// True when the report is about the submission with `envelopeId` (the ENVID it was sent
    /// with, RFC 3461 4.4) and names `recipient` (empty: any recipient).
    [[nodiscard]] bool matches(const QString& sentEnvelopeId, const QString& recipient = {}) const;
};

/// Limits applied to reports; larger input is refused or cut, never read whole into memory
/// twice.
inline constexpr qsizetype kMaxDeliveryStatusOctets = 256 * 1024;
inline constexpr qsizetype kMaxReturnedHeaderOctets = 512 * 1024;
inline constexpr int kMaxReportRecipients = 1000;

/// Recognises and reads a delivery report from a whole message. Returns nothing, with
/// `error` saying why, when the message is not a delivery report or the report is unreadable.
[[nodiscard]] std::optional<DeliveryReport> parseDeliveryReport(QByteArrayView message,
                                                                QString* error = nullptr);

/// Reads the content of a message/delivery-status part (RFC 3464 2.1): the per-message fields,
/// then one block per recipient. Folded lines, comments and any letter case are accepted.
[[nodiscard]] bool parseDeliveryStatus(QByteArrayView content, DeliveryReport* report,
                                       QString* error = nullptr);

/// True when two addresses name the same mailbox: local parts equal, domains equal ignoring
/// case and IDNA form.
[[nodiscard]] bool isSameMailbox(const QString& a, const QString& b);

} // namespace Latchmail
