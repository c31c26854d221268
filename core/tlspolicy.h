// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/latch.h"

#include <QSslConfiguration>

namespace Latchmail {

/// The TLS offer for a connection that must meet `required` (DEEP 5.1 and 5.3):
/// - protocol floor TLS 1.2 (1.0/1.1 are never offered), TLS 1.3 once `tls13` is latched;
/// - no suite with MD5, RC4, or under 128 bits; only forward-secret suites once `tls-pfs` is;
/// - TLS_RSA_WITH_AES_128_CBC_SHA and TLS_DHE_RSA_WITH_AES_128_CBC_SHA stay offered unless a
///   latch excludes them;
/// - anonymous, PSK and SRP suites are never offered (they authenticate nobody, or need a shared
///   secret a mail account does not have);
/// - preference order: TLS 1.3, forward-secret AEAD, forward-secret CBC, then RSA key transport.
/// `base` supplies CA certificates and anything else not decided by latches.
[[nodiscard]] QSslConfiguration policyFor(const LatchSet& required,
                                          const QSslConfiguration& base
                                          = QSslConfiguration::defaultConfiguration());

} // namespace Latchmail
