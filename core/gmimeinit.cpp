// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/gmimeinit.h"

#include <gmime/gmime.h>

#include <mutex>

namespace Latchmail {

void ensureGMimeInitialized()
{
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

} // namespace Latchmail
