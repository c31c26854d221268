// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace Latchmail {

/// The negotiated TLS protocol version, as reported by the TLS library after the handshake.
enum class TlsVersion { None, Tls10, Tls11, Tls12, Tls13, Unknown };

[[nodiscard]] QString tlsVersionName(TlsVersion version);         // "TLSv1.3", "none", "unknown"
[[nodiscard]] TlsVersion tlsVersionFromName(const QString& name); // inverse; Unknown otherwise

/// How the connection became encrypted.
enum class TransportSecurity { Cleartext, ImplicitTls, StartTls };

[[nodiscard]] QString transportSecurityName(TransportSecurity transport); // "implicit-tls", …
/// Inverse of transportSecurityName(). An unknown name yields Cleartext and sets `*ok` to false.
[[nodiscard]] TransportSecurity transportSecurityFromName(const QString& name, bool* ok = nullptr);

/// One certificate of the chain the server presented.
struct CertificateInfo
{
    QString subject;
    QString issuer;
    QDateTime notBefore;
    QDateTime notAfter;
    QString sha256; // upper-case hex, colon separated

    friend bool operator==(const CertificateInfo&, const CertificateInfo&) = default;
};

/// Everything Latchmail learnt about one TLS session: the input of the latch rules, shown in the
/// security view and written to the connection log.
struct TlsObservation
{
    TransportSecurity transport = TransportSecurity::Cleartext;
    TlsVersion protocol = TlsVersion::None;
    QString cipherIana;    // IANA registry name, e.g. TLS_DHE_RSA_WITH_AES_128_CBC_SHA
    QString cipherOpenSsl; // the TLS library's name, e.g. DHE-RSA-AES128-SHA
    int keyBits = 0;       // symmetric key bits actually used
    bool forwardSecrecy = false;
    bool cipherUsesMd5 = false;
    bool cipherUsesRc4 = false;
    bool certificateVerified = false; // chain trusted and identity matched (RFC 7817)
    QStringList verificationErrors;   // why it was not verified, in plain language
    QList<CertificateInfo> chain;     // leaf first
    QDateTime observedAt;

    [[nodiscard]] bool isEncrypted() const { return transport != TransportSecurity::Cleartext; }

    /// A JSON object with every field; dates are ISO 8601 in UTC (or null when unset).
    [[nodiscard]] QJsonObject toJson() const;
    /// Reads what toJson() wrote; returns false (and fills `error` with the path of the offending
    /// field) when a field is missing, has the wrong type, or names an unknown enum value.
    /// Fields it does not know are ignored.
    [[nodiscard]] static bool fromJson(const QJsonObject& json, TlsObservation* out,
                                       QString* error);

    friend bool operator==(const TlsObservation&, const TlsObservation&) = default;
};

} // namespace Latchmail
