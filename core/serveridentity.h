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
    NoUsableIdentifier,    // neither a DNS-ID/IP-ID in subjectAltName nor a CN to fall back on
    NameMismatch,          // no presented identifier matches the configured host
    WildcardNotLeftMost,   // a wildcard elsewhere than as the whole left-most label
    PartialWildcard,       // "f*.example.com" style, not accepted
    WildcardTooBroad,      // "*.com" style: wildcard directly under a public suffix-like label
    IpAddressMismatch,     // configured host is an IP address and no IP-ID matches
    InvalidReferenceHost,  // the configured host itself is not a valid name
};

[[nodiscard]] QString identityResultText(IdentityResult result);

/// Checks `leaf` against `configuredHost` (a DNS name or an IPv4/IPv6 literal).
[[nodiscard]] IdentityResult checkServerIdentity(const QString& configuredHost,
                                                 const QSslCertificate& leaf);

} // namespace Latchmail
