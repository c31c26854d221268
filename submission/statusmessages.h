// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace Latchmail {

struct EnhancedStatusCode;
struct SmtpReply;

/// Who a submission problem comes from; the user sees the three differently.
enum class StatusVoice {
    ServerSaid,        // the server refused or failed, in its own reply
    ProtocolError,     // Latchmail found the server's reply malformed or out of place
    ConnectionTrouble, // network or TLS trouble: the conversation did not happen
};

/// A plain-language message for the user about a submission outcome.
struct StatusMessage
{
    StatusVoice voice = StatusVoice::ServerSaid;
    bool permanent = false; // retrying the same message will fail again (5xx / X=5)
    QString explanation;    // our words: what it means and what to do
    QString serverText;     // the server's words, made safe for display (ServerSaid only)

    /// The explanation followed by `The server said: "…"` where the server gave text.
    [[nodiscard]] QString text() const;
};

/// The meaning of an enhanced status code (RFC 3463, the IANA registry of RFC 5248), falling
/// back to the meaning of its class and subject, then of the bare reply code (RFC 5321 4.2.2).
/// This is the one mapping from SMTP codes to words.
[[nodiscard]] QString statusMeaning(int replyCode, const EnhancedStatusCode& enhanced);

/// The user message for a negative SMTP reply (4xx/5xx): our explanation plus the server's
/// text, attributed to it.
[[nodiscard]] StatusMessage describeReply(const SmtpReply& reply);

/// A user message in the "protocol error" voice, for something Latchmail detected.
[[nodiscard]] StatusMessage describeProtocolError(const QString& detail);

/// A user message in the "connection trouble" voice (network or TLS), naming the server.
[[nodiscard]] StatusMessage describeConnectionTrouble(const QString& host, const QString& detail);

/// Server text made safe to show: control characters removed, whitespace collapsed, at most
/// `maxLength` characters.
[[nodiscard]] QString displaySafeServerText(const QString& text, qsizetype maxLength = 400);

} // namespace Latchmail
