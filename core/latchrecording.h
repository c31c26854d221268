// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/latchfailure.h"
#include "core/profile.h"
#include "core/tlsobservation.h"

#include <optional>

namespace Latchmail {

/// Adds the latches a session earned after authenticating (DEEP 5.3), with the TLS it saw, to
/// the account file as it is on disk now: another program may have written it meanwhile.
/// Returns the account as saved; nothing when the file cannot be read or written (logged) or
/// when the account now names another host for `service`, whose latches these are not.
[[nodiscard]] std::optional<Account> recordEarnedLatches(const Profile& profile,
                                                         const Account& account, Service service,
                                                         const LatchSet& earned,
                                                         const TlsObservation& observation);

/// Adds a refused connection to the account file's failure history for `service`, so that the
/// user can see when and why a latch stopped the connection. Returns the account as saved, or
/// nothing when the file cannot be read or written (logged).
[[nodiscard]] std::optional<Account> recordLatchFailure(const Profile& profile,
                                                        const Account& account, Service service,
                                                        const LatchFailure& failure);

} // namespace Latchmail
