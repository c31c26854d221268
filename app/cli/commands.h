// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/cli/cli.h"

// One function per command; each lives in its own command_<name>.cpp and returns an ExitCode.
namespace Latchmail::Cli {

int runAccount(Context& context);  // account add|list|show|remove
int runProbe(Context& context);    // probe imap|submission HOST[:PORT] [--tls …] [--ca-file PEM]
int runSecurity(Context& context); // security NAME
int runSync(Context& context);     // sync NAME [--mailbox M]
int runList(Context& context);     // list NAME [--mailbox M]
int runShow(Context& context);     // show NAME UID [--mailbox M]
int runSend(Context& context);     // send NAME --to … --subject … [--attach FILE]…
int runOutbox(Context& context);   // outbox NAME

int runAccountAdd(Context& context); // account add (command_account_add.cpp)

} // namespace Latchmail::Cli
