// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace Latchmail {

/// Initialises the GMime library once per process. Thread-safe and cheap after the first call;
/// every function of core/mime* calls it before touching GMime. GMime is never shut down: its
/// global state lives until the process exits.
void ensureGMimeInitialized();

} // namespace Latchmail
