// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/logintask.h"

#include "imap/command.h"
#include "imap/session.h"

namespace Latchmail::Imap {

void LoginTask::run()
{
    QByteArray password = m_password.toUtf8();
    const Command command = Commands::login(session()->nextTag(), m_userName.toUtf8(), password,
                                            session()->commandOptions());
    password.fill('\0');
    wipePassword();
    send(command, true);
}

} // namespace Latchmail::Imap
