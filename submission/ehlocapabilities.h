// SPDX-License-Identifier: GPL-3.0-or-later
// Reads the EHLO reply of a server (untrusted input).
#pragma once

#include <QString>
#include <QStringList>

namespace Latchmail {

struct SmtpReply;

/// The service extensions a server announced in its EHLO reply (RFC 5321 4.1.1.1). Read again
/// after STARTTLS: what was announced before TLS must be forgotten (RFC 3207 4.2).
struct EhloCapabilities
{
    QString serverDomain; // first word of the first line

    bool startTls = false;            // RFC 3207
    QStringList authMechanisms;       // RFC 4954, upper case, each once, in announced order
    bool sizeAnnounced = false;       // RFC 1870
    qint64 maxMessageSize = 0;        // SIZE's limit; 0 when none was stated
    bool eightBitMime = false;        // RFC 6152
    bool smtpUtf8 = false;            // RFC 6531
    bool pipelining = false;          // RFC 2920
    bool dsn = false;                 // RFC 3461
    bool enhancedStatusCodes = false; // RFC 2034
    bool chunking = false;            // RFC 3030
    QStringList keywords;             // every well-formed keyword, upper case

    [[nodiscard]] bool hasAuthMechanism(const QString& mechanism) const;

    /// Reads a 250 EHLO reply. Lines whose keyword is not `(ALPHA / DIGIT) *(ALPHA / DIGIT /
    /// "-")` are ignored; the obsolete `AUTH=` form is read like `AUTH`. A reply that is not
    /// 250 gives an empty set.
    [[nodiscard]] static EhloCapabilities fromReply(const SmtpReply& reply);
};

} // namespace Latchmail
