// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/authenticatetask.h"

#include "imap/command.h"
#include "imap/session.h"

namespace Latchmail::Imap {

void AuthenticateTask::run()
{
    QByteArray password = m_password.toUtf8();
    const Command command = Commands::authenticatePlain(session()->nextTag(), m_userName.toUtf8(),
                                                        password, session()->commandOptions());
    password.fill('\0');
    wipePassword();
    send(command, true);
}

void AuthenticateTask::handleContinuation(const ContinuationRequest&)
{
    // The PLAIN response was sent; a second challenge is not part of RFC 4616.
    if (!m_cancelled) {
        m_cancelled = true;
        session()->sendLine(QByteArrayLiteral("*\r\n"), true);
    }
}

} // namespace Latchmail::Imap
