// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

class QSslCipher;

namespace Latchmail {

/// The IANA registry name of a cipher suite given the TLS library's (OpenSSL) name, taken from
/// OpenSSL itself (SSL_CIPHER_standard_name). TLS 1.3 names are returned unchanged. Empty when
/// OpenSSL does not know the suite.
[[nodiscard]] QString ianaCipherName(const QString& openSslName);

/// The inverse: OpenSSL's name for an IANA name, or empty.
[[nodiscard]] QString openSslCipherName(const QString& ianaName);

/// What the latch rules need to know about a negotiated or offered cipher suite.
struct CipherFacts
{
    QString iana;                // IANA registry name; empty when OpenSSL does not know the suite
    QString openSsl;             // OpenSSL's name
    int keyBits = 0;             // symmetric key bits actually used (QSslCipher::usedBits)
    bool forwardSecrecy = false; // ephemeral (EC)DH key exchange, or any TLS 1.3 suite
    bool usesMd5 = false;        // MD5 as the record MAC (RFC 1321)
    bool usesRc4 = false;        // RC4 as the bulk cipher (RFC 7465)

    friend bool operator==(const CipherFacts&, const CipherFacts&) = default;
};

/// The facts of `cipher`, from OpenSSL's own description of the suite (key exchange, cipher and
/// digest identifiers). A suite OpenSSL does not know is never called forward secret; MD5 and
/// RC4 are then recognised from its name and encryption method.
[[nodiscard]] CipherFacts cipherFacts(const QSslCipher& cipher);

/// The same from an OpenSSL suite name and its used key bits, for suites this TLS library cannot
/// instantiate (RC4 and MD5 suites are not compiled into it).
[[nodiscard]] CipherFacts cipherFacts(const QString& openSslName, int usedBits);

} // namespace Latchmail
