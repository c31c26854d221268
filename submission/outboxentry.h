// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace Latchmail {

/// Where a queued message stands. `done` is not a state: a finished message leaves the outbox.
///
///   queued ─► sending ─► sent-awaiting-copy ─► (removed)
///               │  ▲
///               │  └── retrying (4xx reply, network or TLS trouble; exponential backoff)
///               ├────► held-for-security (latch failure or STARTTLS refusal; kept until the
///               │      user sends again)
///               └────► failed (5xx reply: the server will not take it as it is)
///
/// A message found in `sending` when an outbox is opened was interrupted by a crash: it
/// becomes `retrying` (see Outbox::recover()).
enum class OutboxState { Queued, Sending, Retrying, HeldForSecurity, Failed, SentAwaitingCopy };

/// "queued", "sending", "retrying", "held-for-security", "failed", "sent-awaiting-copy".
[[nodiscard]] QString outboxStateName(OutboxState state);
[[nodiscard]] bool outboxStateFromName(const QString& name, OutboxState* out);

/// Whether a recipient still has to be given to the server (RFC 5321 4.1.1.3 RCPT TO).
enum class RecipientStatus {
    Pending,  // not yet accepted: offered again on the next attempt
    Accepted, // the server took responsibility for this recipient
    Refused,  // the server refused it permanently (5xx); never offered again
};

[[nodiscard]] QString recipientStatusName(RecipientStatus status); // "pending", …
[[nodiscard]] bool recipientStatusFromName(const QString& name, RecipientStatus* out);

/// One envelope recipient (To, Cc and Bcc alike) and what the server said about it.
struct OutboxRecipient
{
    QString address;
    RecipientStatus status = RecipientStatus::Pending;
    QString reason; // why it was refused or is still pending, for the user

    friend bool operator==(const OutboxRecipient&, const OutboxRecipient&) = default;
};

/// Progress of the copy in the Sent mailbox (RFC 6154 \Sent). `started` is written before the
/// APPEND command is sent, `done` (with the APPENDUID of RFC 4315 when the server gave one)
/// after its tagged OK: a copy with `started` but not `done` may or may not exist on the server
/// and is looked up by Message-ID before another APPEND (see SentCopy).
struct SentCopyProgress
{
    bool started = false;
    bool done = false;
    QString mailbox;         // the mailbox the copy went to
    quint32 uidValidity = 0; // APPENDUID, 0 when the server did not say
    quint32 uid = 0;
    QString note; // why no copy was made, when the copy was given up

    friend bool operator==(const SentCopyProgress&, const SentCopyProgress&) = default;
};

/// The sidecar of one queued message: its envelope, the delivery-status-notification request
/// (RFC 3461 ENVID) and its progress through the states above.
struct OutboxEntry
{
    static constexpr int kSchemaVersion = 1;

    QString id;          // file stem of the message and the sidecar
    QString envelopeId;  // RFC 3461 ENVID, unique per message
    QString messageId;   // RFC 5322 Message-ID, without angle brackets
    QString subject;     // for listings
    QString reversePath; // RFC 5321 MAIL FROM address
    QList<OutboxRecipient> recipients;
    qint64 size = 0;            // octets of the message file
    bool needs8BitMime = false; // RFC 6152 BODY=8BITMIME
    bool needsSmtpUtf8 = false; // RFC 6531 SMTPUTF8

    QDateTime queuedAt;
    OutboxState state = OutboxState::Queued;
    int attempts = 0;        // connections that tried to submit it
    QDateTime nextAttemptAt; // retrying: not before this time
    QString lastError;       // the latest problem, for the user
    QDateTime lastErrorAt;

    QDateTime acceptedAt;      // when the server accepted the message data
    bool dsnRequested = false; // RFC 3461 parameters were sent (the server announced DSN)
    SentCopyProgress sentCopy;

    /// Recipients still to be offered to the server.
    [[nodiscard]] QStringList pendingRecipients() const;
    /// Whether the entry may be submitted at `now` (queued, or retrying and due).
    [[nodiscard]] bool isDue(const QDateTime& now) const;

    [[nodiscard]] QJsonObject toJson() const;
    /// Reads what toJson() wrote. Returns false and sets `error` (naming the field) when a field
    /// is missing or malformed; fields it does not know are ignored.
    [[nodiscard]] static bool fromJson(const QJsonObject& json, OutboxEntry* out, QString* error);

    friend bool operator==(const OutboxEntry&, const OutboxEntry&) = default;
};

/// True for an id Outbox can use as a file stem: 1 to 64 of [A-Za-z0-9-], not starting with '-'.
[[nodiscard]] bool isValidOutboxId(const QString& id);

} // namespace Latchmail
