// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSslCertificate>
#include <QString>

namespace Latchmail {

/// Outcome of matching a server certificate against the host name the user configured
/// (RFC 7817 section 3, RFC 6125 section 6). No CNAME canonicalisation: the reference identity
/// is exactly the configured host, before any DNS lookup.
enum class IdentityResult {
    Matched,
    NoCertificate,
    NoUsableIdentifier,   // neither a DNS-ID/IP-ID in subjectAltName nor a CN to fall back on
    NameMismatch,         // no presented identifier matches the configured host
    WildcardNotLeftMost,  // a wildcard elsewhere than as the whole left-most label
    PartialWildcard,      // "f*.example.com" style, not accepted
    WildcardTooBroad,     // "*.com" style: wildcard directly under a public suffix-like label
    IpAddressMismatch,    // configured host is an IP address and no IP-ID matches
    InvalidReferenceHost, // the configured host itself is not a valid name
};

/// A plain-language sentence for the user explaining `result`.
[[nodiscard]] QString identityResultText(IdentityResult result);

/// Checks `leaf` against `configuredHost` (a DNS name, an IPv4/IPv6 literal, or a bracketed IPv6
/// literal). Names compare case-insensitively as A-labels, ignoring one trailing dot. DNS-IDs
/// come from subjectAltName; IP-IDs are used only for an IP literal host and compare as
/// addresses; the subject CN is a fallback only when subjectAltName holds neither (RFC 6125
/// 6.4.4). A wildcard is honoured only as the whole left-most label of a name with at least
/// three labels, stands for exactly one label, and never for an A-label (`xn--`).
[[nodiscard]] IdentityResult checkServerIdentity(const QString& configuredHost,
                                                 const QSslCertificate& leaf);

/// Matches one presented DNS-ID against the reference host by the rules above. An IP literal
/// reference never matches a DNS-ID (IpAddressMismatch).
[[nodiscard]] IdentityResult matchPresentedIdentifier(const QString& reference,
                                                      const QString& presentedDnsId);

} // namespace Latchmail
