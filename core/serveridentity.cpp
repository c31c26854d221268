// SPDX-License-Identifier: GPL-3.0-or-later
// Matches identifiers presented in a server certificate, which is untrusted input: presented
// names are validated label by label before any comparison.
#include "core/serveridentity.h"

#include <QHostAddress>
#include <QMultiMap>
#include <QUrl>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace Latchmail {

namespace {

constexpr qsizetype MaxLabelLength = 63;
constexpr qsizetype MaxNameLength = 253;
// "*.example.com" is the broadest wildcard accepted: the wildcard needs two labels beside it.
constexpr qsizetype MinWildcardLabels = 3;

struct ReferenceIdentity
{
    bool isIpAddress = false;
    QHostAddress address;
    QStringList labels; // A-labels, lower case, without the root label
};

QString withoutTrailingDot(const QString& name)
{
    return name.endsWith(u'.') ? name.chopped(1) : name;
}

bool isAllDigits(const QString& label)
{
    return std::all_of(label.begin(), label.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

// Splits a lower-case ASCII name into labels; nothing when a label is empty or too long.
std::optional<QStringList> splitLabels(const QString& name)
{
    if (name.isEmpty() || name.size() > MaxNameLength) {
        return std::nullopt;
    }

    const QStringList labels = name.split(u'.');
    for (const QString& label : labels) {
        if (label.isEmpty() || label.size() > MaxLabelLength) {
            return std::nullopt;
        }
    }
    return labels;
}

// RFC 7817 3: the reference identity is the host exactly as configured, before any DNS lookup.
// International names are compared as A-labels (RFC 6125 6.4.2).
std::optional<ReferenceIdentity> referenceIdentity(const QString& configuredHost)
{
    ReferenceIdentity reference;
    const bool bracketed = configuredHost.startsWith(u'[') && configuredHost.endsWith(u']');
    const QString host =
        bracketed ? configuredHost.mid(1, configuredHost.size() - 2) : configuredHost;
    if (reference.address.setAddress(host)) {
        reference.address.setScopeId(QString());
        reference.isIpAddress = true;
        return reference;
    }
    if (bracketed) {
        return std::nullopt;
    }

    const QString ace = QString::fromLatin1(QUrl::toAce(withoutTrailingDot(host))).toLower();
    const std::optional<QStringList> labels = splitLabels(ace);
    if (!labels || isAllDigits(labels->last())) {
        // RFC 1123 2.1: an all-numeric top label is an address ("127.0.0.1."), not a name, so it
        // must never be matched as a DNS-ID.
        return std::nullopt;
    }
    reference.labels = *labels;
    return reference;
}

// A presented DNS-ID must already be in A-label form; anything else never matches.
std::optional<QStringList> presentedLabels(const QString& presented)
{
    const QString name = withoutTrailingDot(presented);
    for (QChar c : name) {
        if (c.unicode() < 0x21 || c.unicode() > 0x7e) {
            return std::nullopt;
        }
    }
    return splitLabels(name.toLower());
}

// '*' stands for any run of characters within one label (used only to tell why a wildcard
// that would otherwise match is refused).
bool globMatches(QStringView pattern, QStringView text)
{
    qsizetype p = 0;
    qsizetype t = 0;
    qsizetype star = -1;
    qsizetype resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == u'*') {
            star = p++;
            resume = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star >= 0) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == u'*') {
        ++p;
    }
    return p == pattern.size();
}

bool looselyMatches(const QStringList& presented, const QStringList& reference)
{
    if (presented.size() != reference.size()) {
        return false;
    }
    for (qsizetype i = 0; i < presented.size(); ++i) {
        if (!globMatches(presented.at(i), reference.at(i))) {
            return false;
        }
    }
    return true;
}

// RFC 6125 6.4.3 as narrowed by RFC 7817 3: the wildcard must be the whole left-most label.
// Limitation: "*.co.uk"-style wildcards directly under a multi-label public suffix are not
// recognised as too broad — no public suffix list is shipped; CAs may not issue such names.
IdentityResult matchWildcard(const QStringList& presented, const QStringList& reference)
{
    if (!looselyMatches(presented, reference)) {
        return IdentityResult::NameMismatch;
    }

    // The name would match if every wildcard were honoured: report the rule that refuses it.
    for (qsizetype i = 1; i < presented.size(); ++i) {
        if (presented.at(i).contains(u'*')) {
            return IdentityResult::WildcardNotLeftMost;
        }
    }
    if (presented.first() != QLatin1String("*")) {
        return IdentityResult::PartialWildcard;
    }
    if (presented.size() < MinWildcardLabels) {
        return IdentityResult::WildcardTooBroad;
    }

    // A wildcard never stands for an internationalised label (RFC 6125 6.4.3).
    if (reference.first().startsWith(QLatin1String("xn--"))) {
        return IdentityResult::NameMismatch;
    }
    return IdentityResult::Matched;
}

IdentityResult matchDnsId(const ReferenceIdentity& reference, const QString& presentedDnsId)
{
    if (reference.isIpAddress) {
        return IdentityResult::IpAddressMismatch;
    }

    const std::optional<QStringList> presented = presentedLabels(presentedDnsId);
    if (!presented) {
        return IdentityResult::NameMismatch;
    }
    if (!presentedDnsId.contains(u'*')) {
        return *presented == reference.labels ? IdentityResult::Matched
                                              : IdentityResult::NameMismatch;
    }
    return matchWildcard(*presented, reference.labels);
}

// Matched wins; otherwise the reason a wildcard was refused is more useful than a plain mismatch.
IdentityResult bestResult(const ReferenceIdentity& reference, const QStringList& dnsIds)
{
    IdentityResult best = IdentityResult::NameMismatch;
    for (const QString& dnsId : dnsIds) {
        const IdentityResult result = matchDnsId(reference, dnsId);
        if (result == IdentityResult::Matched) {
            return result;
        }
        if (best == IdentityResult::NameMismatch) {
            best = result;
        }
    }
    return best;
}

// RFC 6125 6.4.4: the most specific CN is the last one in the subject's RDN sequence. Qt's
// subjectInfo() does not promise an order, so the DER is read with OpenSSL.
std::optional<QString> mostSpecificCommonName(const QSslCertificate& leaf)
{
    const QByteArray der = leaf.toDer();
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.constData());
    const std::unique_ptr<X509, decltype(&X509_free)> certificate(
        d2i_X509(nullptr, &cursor, der.size()), &X509_free);
    if (!certificate) {
        return std::nullopt;
    }

    const X509_NAME* subject = X509_get_subject_name(certificate.get());
    int last = -1;
    for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
        last = i;
    }
    if (last < 0) {
        return std::nullopt;
    }

    unsigned char* utf8 = nullptr;
    const int length =
        ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last)));
    if (length < 0) {
        return std::nullopt;
    }
    const QString commonName = QString::fromUtf8(reinterpret_cast<const char*>(utf8), length);
    OPENSSL_free(utf8);
    return commonName;
}

IdentityResult matchIpAddress(const ReferenceIdentity& reference, const QStringList& ipIds)
{
    for (const QString& ipId : ipIds) {
        if (QHostAddress(ipId) == reference.address) {
            return IdentityResult::Matched;
        }
    }
    return IdentityResult::IpAddressMismatch;
}

} // namespace

QString identityResultText(IdentityResult result)
{
    switch (result) {
    case IdentityResult::Matched:
        return QStringLiteral("The certificate was issued for this server name.");
    case IdentityResult::NoCertificate:
        return QStringLiteral("The server presented no certificate.");
    case IdentityResult::NoUsableIdentifier:
        return QStringLiteral("The certificate names no server: it has no DNS name, no IP address "
                              "and no common name.");
    case IdentityResult::NameMismatch:
        return QStringLiteral("The certificate was issued for a different server name.");
    case IdentityResult::WildcardNotLeftMost:
        return QStringLiteral(
            "The certificate has a wildcard name with the wildcard somewhere other "
            "than the first label, which is not accepted.");
    case IdentityResult::PartialWildcard:
        return QStringLiteral("The certificate has a partial wildcard name (like "
                              "f*.example.com), which is not accepted.");
    case IdentityResult::WildcardTooBroad:
        return QStringLiteral("The certificate has a wildcard name that covers a whole top-level "
                              "domain (like *.com), which is not accepted.");
    case IdentityResult::IpAddressMismatch:
        return QStringLiteral("The server is configured by IP address, and the certificate was "
                              "not issued for that address.");
    case IdentityResult::InvalidReferenceHost:
        return QStringLiteral("The configured server name is not a valid host name or IP "
                              "address.");
    }
    return QStringLiteral("The server's identity could not be checked.");
}

IdentityResult matchPresentedIdentifier(const QString& reference, const QString& presentedDnsId)
{
    const std::optional<ReferenceIdentity> identity = referenceIdentity(reference);
    if (!identity) {
        return IdentityResult::InvalidReferenceHost;
    }
    return matchDnsId(*identity, presentedDnsId);
}

// Limitation: SRV-IDs (RFC 4985) are not consulted — Qt does not expose otherName entries, and
// the reference identity is always the configured host, which the DNS-ID check covers.
IdentityResult checkServerIdentity(const QString& configuredHost, const QSslCertificate& leaf)
{
    if (leaf.isNull()) {
        return IdentityResult::NoCertificate;
    }
    const std::optional<ReferenceIdentity> reference = referenceIdentity(configuredHost);
    if (!reference) {
        return IdentityResult::InvalidReferenceHost;
    }

    const auto alternativeNames = leaf.subjectAlternativeNames();
    const QStringList ipIds = alternativeNames.values(QSsl::IpAddressEntry);
    if (reference->isIpAddress) {
        return matchIpAddress(*reference, ipIds);
    }

    QStringList dnsIds = alternativeNames.values(QSsl::DnsEntry);
    if (dnsIds.isEmpty() && ipIds.isEmpty()) {
        // RFC 6125 6.4.4: the common name is consulted only without any DNS-ID or IP-ID.
        const std::optional<QString> commonName = mostSpecificCommonName(leaf);
        if (!commonName) {
            return IdentityResult::NoUsableIdentifier;
        }
        dnsIds = {*commonName};
    }
    return bestResult(*reference, dnsIds);
}

} // namespace Latchmail
