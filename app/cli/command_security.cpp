// SPDX-License-Identifier: GPL-3.0-or-later
// `security NAME`: per service the latches with the date each was first set, the last TLS
// observation and the recent latch failures.
#include "app/cli/accountformat.h"
#include "app/cli/commands.h"

#include "core/accountstore.h"
#include "core/profile.h"

#include <QCommandLineParser>
#include <QJsonArray>

namespace Latchmail::Cli {

namespace {

const QString kUsage = QStringLiteral(
    "usage: latchmail-cli security NAME\n"
    "\n"
    "For each service of the account: the server, the security latches with the date each was\n"
    "first set, the last connection's TLS observation (protocol, IANA cipher suite, key bits,\n"
    "forward secrecy, certificate verdict, subject, issuer, expiry and SHA-256 fingerprint of\n"
    "the server certificate, verification errors) and the recent latch failures.\n"
    "A latch recorded by a newer version of Latchmail cannot be checked; it is flagged, and\n"
    "connections are refused while it is present.\n");

} // namespace

int runSecurity(Context& context)
{
    QCommandLineParser parser;
    if (const auto stop = parseCommandLine(context, parser, kUsage, {QStringLiteral("NAME")})) {
        return *stop;
    }
    const QString id = parser.positionalArguments().first();
    if (!isValidAccountId(id)) {
        return context.usageError(QStringLiteral("invalid account name '%1'").arg(id), kUsage);
    }

    const AccountStore store(Profile::resolve(context.profileRoot).accountsDirectory());
    const AccountLoadResult result = store.load(id);
    if (!result.account) {
        return context.fail(ExitFailure, errorText(*result.error));
    }
    for (const QString& warning : result.warnings) {
        context.err << QStringLiteral("latchmail-cli: warning: ") << warning << Qt::endl;
    }

    if (context.json) {
        QJsonObject shape = securityJson(*result.account);
        shape.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings));
        context.printJson(shape);
    } else {
        printSecurity(context.out, *result.account);
    }
    return ExitOk;
}

} // namespace Latchmail::Cli
