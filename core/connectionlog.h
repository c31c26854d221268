// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/latch.h"
#include "core/tlsobservation.h"

#include <QString>

namespace Latchmail {

/// The one-line summary of a secured connection (DEEP 5.2 asks servers to log the cipher; a
/// client does the same): service, endpoint, how TLS started, protocol, IANA suite, key bits,
/// forward secrecy and the certificate verdict. Carries no secret.
[[nodiscard]] QString connectionSummary(Service service, const QString& host, quint16 port,
                                        const TlsObservation& observation);

/// The certificate verdict as shown to people: "verified", or "encrypted, server identity not
/// verified: <reasons>".
[[nodiscard]] QString certificateVerdict(const TlsObservation& observation);

/// Appends `line`, prefixed with the current UTC time, to the connection log file `path`
/// (created when missing). Returns false when the file cannot be written.
bool appendConnectionLog(const QString& path, const QString& line);

} // namespace Latchmail
