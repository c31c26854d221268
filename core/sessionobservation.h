// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/tlsobservation.h"

#include <QList>
#include <QSslCertificate>
#include <QSslError>

class QSslSocket;

namespace Latchmail {

/// The certificate facts kept in an observation: subject and issuer as `CN=…, O=…`, validity,
/// and the SHA-256 fingerprint (upper-case hex, colon separated).
[[nodiscard]] CertificateInfo certificateInfo(const QSslCertificate& certificate);

/// Qt's chain-verification errors without its host-name check, which Latchmail replaces by
/// its own RFC 7817 identity check; duplicates removed.
[[nodiscard]] QList<QSslError> chainErrorsOnly(const QList<QSslError>& errors);

/// The TlsObservation of the session `socket` just negotiated: negotiated protocol version
/// (QSslSocket::sessionProtocol(), not the suite's minimum version), the suite's facts, the
/// presented chain, and the certificate verdict — verified only when `chainErrors` is empty and
/// the leaf matches `configuredHost` (RFC 7817 section 3). Every reason for a negative verdict is
/// listed in plain language in verificationErrors.
[[nodiscard]] TlsObservation observeSession(const QSslSocket& socket, TransportSecurity transport,
                                            const QString& configuredHost,
                                            const QList<QSslError>& chainErrors);

} // namespace Latchmail
