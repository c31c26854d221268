// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/latch.h"
#include "core/tlsobservation.h"

namespace Latchmail {

/// The latches a connection with this observation earns (DEEP 3.2 and 5.3). A cleartext
/// connection, one whose symmetric key is shorter than 128 bits, or one whose protocol version is
/// None or Unknown earns nothing. Otherwise: `tls10`…`tls13` for the negotiated version and every
/// older one, `tls-cert` when the certificate was verified, `tls-nomd5`/`tls-norc4` when the suite
/// avoids MD5/RC4, `tls-pfs` when the key exchange is forward secret.
[[nodiscard]] LatchSet earned(const TlsObservation& observation);

/// The required latches this observation fails: every known required token that earned() does
/// not yield. Unknown tokens (for example `tls-dane-tlsa`, or one written by a newer version)
/// cannot be checked by this version and are therefore always reported as violated (fail closed).
[[nodiscard]] LatchSet violations(const LatchSet& required, const TlsObservation& observation);

} // namespace Latchmail
