// SPDX-License-Identifier: GPL-3.0-or-later
// Commands whose engines (IMAP synchronisation, message cache, submission, outbox) are not part
// of this build. Each says so and fails; none pretends to have done anything.
#include "app/cli/commands.h"

namespace Latchmail::Cli {

namespace {

int notAvailable(const Context& context, const char* command)
{
    return context.fail(
        ExitFailure,
        QStringLiteral("'%1' is not available in this build").arg(QString::fromLatin1(command)));
}

} // namespace

int runSync(Context& context)
{
    return notAvailable(context, "sync");
}

int runList(Context& context)
{
    return notAvailable(context, "list");
}

int runShow(Context& context)
{
    return notAvailable(context, "show");
}

int runSend(Context& context)
{
    return notAvailable(context, "send");
}

int runOutbox(Context& context)
{
    return notAvailable(context, "outbox");
}

} // namespace Latchmail::Cli
