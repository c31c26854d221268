// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/envelope.h"

namespace Latchmail::Imap {

QByteArray Address::addrSpec() const
{
    if (host.isEmpty()) {
        return mailbox;
    }
    return mailbox + '@' + host;
}

} // namespace Latchmail::Imap
