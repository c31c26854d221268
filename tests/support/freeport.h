// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

namespace Latchmail::Test {

/// Returns a TCP port on 127.0.0.1 that nothing is bound to right now. It is chosen at random
/// below the kernel's ephemeral range, so that outgoing connections do not take it in the
/// meantime, and this process never hands out the same port twice. Another process may still
/// pick it before the server binds it: launchers retry on "Address already in use". In-process
/// servers should listen on port 0 instead.
quint16 pickFreePort();

} // namespace Latchmail::Test
