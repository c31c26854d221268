// SPDX-License-Identifier: GPL-3.0-or-later
// Reads the TLS claims of Received header fields (untrusted input).
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace Latchmail {

/// What a server recorded about TLS for the hop it received a message on. This is the
/// server's own claim in a Received field; nothing here is verified by Latchmail.
enum class ClaimedTls { Used, NotUsed, NotStated };

/// Where in a Received field a TLS claim was read from.
enum class ClaimSource {
    None,      // nothing about TLS was stated
    TlsClause, // the "tls" clause (DEEP 4, RFC 8314 4.3)
    Comment,   // a comment such as Postfix's "(using TLSv1.3 with cipher …)"
    Protocol,  // the with clause (RFC 3848: ESMTPS, ESMTPSA, LMTPS…)
};

/// "used", "not-used", "not-stated" (stored and printed as JSON).
[[nodiscard]] QString claimedTlsName(ClaimedTls claim);
[[nodiscard]] bool claimedTlsFromName(const QString& name, ClaimedTls* out);
/// "none", "tls-clause", "comment", "protocol".
[[nodiscard]] QString claimSourceName(ClaimSource source);
[[nodiscard]] bool claimSourceFromName(const QString& name, ClaimSource* out);

/// One Received field (RFC 5321 4.4) read for its TLS claims.
struct ReceivedHopClaim
{
    QString fromHost; // the from clause's domain or address literal; may be empty
    QString byHost;   // the by clause's domain; may be empty
    QString protocol; // the with clause (RFC 3848 / IANA Mail Transmission Types), upper case
    ClaimedTls tls = ClaimedTls::NotStated;
    QString tlsVersion;  // "TLSv1.3", where stated
    QString cipherSuite; // as written: IANA name, OpenSSL name or "0x1301", where stated
    ClaimSource source = ClaimSource::None;
    /// The text the claim was read from, as the server wrote it (at most kMaxClaimText
    /// characters): the comment, "tls <suite>" or "with <protocol>"; empty when none.
    QString claimText;

    static constexpr qsizetype kMaxClaimText = 300;

    /// "from a.example by b.example" (the parts that are known).
    [[nodiscard]] QString describe() const;

    friend bool operator==(const ReceivedHopClaim&, const ReceivedHopClaim&) = default;
};

/// Reads one Received field value (unfolded or folded). TLS is taken from, in this order: the
/// "tls" clause (DEEP 4, RFC 8314 4.3), a TLS comment as Postfix ("using TLSv1.3 with cipher
/// …"), Exim ("(TLS1.3)") or sendmail, Gmail and Exchange ("version=TLS1_2 cipher=…") write
/// it, and the with protocol (ESMTPS, ESMTPSA, LMTPS… mean TLS; SMTP, ESMTP, ESMTPA, LMTP…
/// mean none). Anything else leaves the claim NotStated.
[[nodiscard]] ReceivedHopClaim parseReceivedField(QByteArrayView value);

/// The TLS claims of all recorded hops of one message.
struct TransitSecurityClaims
{
    QList<ReceivedHopClaim> hops; // oldest first (the reverse of header order)
    int hopsWithTls = 0;
    int hopsWithoutTls = 0;
    int hopsNotStated = 0;
    bool truncated = false; // more than kMaxHops fields; the oldest were not read

    static constexpr int kMaxHops = 100;

    /// One sentence for the user, e.g. "All 3 recorded hops used TLS (as recorded by the
    /// servers)." or "2 of 3 recorded hops used TLS; 1 did not: from a by b (as recorded by
    /// the servers)."
    [[nodiscard]] QString summary() const;
};

/// Reads every Received field of a header block (for example the returned headers of a
/// delivery report, RFC 3461 4.3 RET=HDRS).
[[nodiscard]] TransitSecurityClaims readTransitSecurityClaims(QByteArrayView headerBlock);

/// The same from Received field values already taken out, in header order (newest first).
[[nodiscard]] TransitSecurityClaims readTransitSecurityClaims(const QList<QByteArray>& received);

} // namespace Latchmail
