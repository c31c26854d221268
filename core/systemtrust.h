// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QSslCertificate>

namespace Latchmail {

/// Whether the system's trust store vouches for `chain` (the server's certificate first, then
/// the intermediates it sent) as a TLS server's chain: signatures, validity periods, CA
/// constraints and the server purpose (RFC 5280 6.1), through OpenSSL's own path validation.
/// The store is OpenSSL's default certificate file and hashed directory, which SSL_CERT_FILE and
/// SSL_CERT_DIR override. The host name is not part of this (checkServerIdentity() does that).
[[nodiscard]] bool systemStoreVerifiesChain(const QList<QSslCertificate>& chain);

} // namespace Latchmail
