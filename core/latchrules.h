// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/latch.h"
#include "core/tlsobservation.h"

namespace Latchmail {

/// The latches a connection with this observation earns (DEEP 3.2 and 5.3). A cleartext
/// connection, or one whose symmetric key is shorter than 128 bits, earns nothing.
[[nodiscard]] LatchSet earned(const TlsObservation& observation);

/// The required latches this observation fails. Unknown tokens cannot be checked and are
/// therefore always reported as violated (fail closed).
[[nodiscard]] LatchSet violations(const LatchSet& required, const TlsObservation& observation);

} // namespace Latchmail
