// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <QTextStream>

#include <optional>

class QCommandLineParser;

namespace Latchmail::Cli {

/// Exit status of latchmail-cli (documented in the README).
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,         // anything else
    ExitUsage = 2,           // bad command line
    ExitSecurityRefusal = 3, // refused by a security latch or by the STARTTLS rules
    ExitAuthFailed = 4,      // the server rejected the credentials
    ExitNetwork = 5,         // network or TLS failure
};

/// What every command receives: global options already parsed, the command's own arguments
/// (without the command words), and the output streams.
struct Context
{
    QString profileRoot; // --profile, empty when not given
    bool json = false;   // --json
    QStringList args;
    QTextStream& out;
    QTextStream& err;

    /// Prints `value` as indented JSON on `out` (for --json output).
    void printJson(const QJsonValue& value) const;
    /// Prints "latchmail-cli: <message>" on `err` and returns `code`.
    int fail(int code, const QString& message) const;
    /// Prints "latchmail-cli: <message>", a blank line and `usage` on `err`; returns ExitUsage.
    int usageError(const QString& message, const QString& usage) const;
};

/// Parses `context.args` for one command with `parser`, to which the caller has added the
/// command's own options. --help, --json and --profile are added here, so the global options
/// are also accepted after the command words. `usage` is the command's help text. Returns an
/// exit status when the command must stop: ExitOk after printing the help on `out`, ExitUsage
/// after an unknown option, a missing option value, or positional arguments other than
/// `positionalNames` (e.g. {"NAME"}; a missing one is named in the error).
[[nodiscard]] std::optional<int> parseCommandLine(Context& context, QCommandLineParser& parser,
                                                  const QString& usage,
                                                  const QStringList& positionalNames);

} // namespace Latchmail::Cli
