// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace Latchmail {

/// The IANA registry name of a cipher suite given the TLS library's (OpenSSL) name, taken from
/// OpenSSL itself (SSL_CIPHER_standard_name). TLS 1.3 names are returned unchanged. Empty when
/// OpenSSL does not know the suite.
[[nodiscard]] QString ianaCipherName(const QString& openSslName);

/// The inverse: OpenSSL's name for an IANA name, or empty.
[[nodiscard]] QString openSslCipherName(const QString& ianaName);

} // namespace Latchmail
