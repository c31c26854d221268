// SPDX-License-Identifier: GPL-3.0-or-later
// latchmail-cli: global options, the command table and dispatch to one function per command.
#include "app/cli/cli.h"
#include "app/cli/commands.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

namespace {

using namespace Latchmail::Cli;

struct Command
{
    const char* name;
    int (*run)(Context&);
    const char* synopsis;
    const char* summary;
};

constexpr Command kCommands[] = {
    {"account", runAccount, "account add|list|show|remove …", "manage accounts"},
    {"probe", runProbe, "probe imap|submission HOST[:PORT]", "what TLS a server offers"},
    {"security", runSecurity, "security NAME", "latches, last observation, latch failures"},
    {"sync", runSync, "sync NAME [--mailbox M]", "synchronise into the cache"},
    {"list", runList, "list NAME [--mailbox M]", "messages from the cache"},
    {"show", runShow, "show NAME UID [--mailbox M]", "one message"},
    {"send", runSend, "send NAME --to ADDR --subject TEXT", "send standard input"},
    {"outbox", runOutbox, "outbox NAME", "queued and held messages"},
};

QString globalUsage()
{
    QString text =
        QStringLiteral("usage: latchmail-cli [--profile DIR] [--json] COMMAND [ARGS…]\n"
                       "\n"
                       "Global options (before or after the command):\n"
                       "  --profile DIR   keep every file of the profile under DIR\n"
                       "                  (default: $LATCHMAIL_PROFILE, else ~/.config/latchmail)\n"
                       "  --json          machine-readable output (stable shapes, see the README)\n"
                       "  -h, --help      this help; COMMAND --help shows a command's help\n"
                       "\n"
                       "Commands:\n");
    for (const Command& command : kCommands) {
        text += QStringLiteral("  ") + QString::fromUtf8(command.synopsis).leftJustified(36) +
                QString::fromUtf8(command.summary) + QLatin1Char('\n');
    }
    text += QStringLiteral("\nExit status: 0 success, 1 failure, 2 usage error, 3 refused for "
                           "security reasons,\n4 authentication failed, 5 network or TLS "
                           "failure.\n");
    return text;
}

const Command* findCommand(const QString& name)
{
    for (const Command& command : kCommands) {
        if (name == QLatin1String(command.name)) {
            return &command;
        }
    }
    return nullptr;
}

// `help COMMAND …` is the same as `COMMAND … --help`.
int runHelp(Context& context, QStringList words)
{
    if (words.isEmpty()) {
        context.out << globalUsage();
        return ExitOk;
    }
    const QString name = words.takeFirst();
    const Command* command = findCommand(name);
    if (command == nullptr) {
        return context.usageError(QStringLiteral("unknown command '%1'").arg(name), globalUsage());
    }
    context.args = words + QStringList{QStringLiteral("--help")};
    return command->run(context);
}

int dispatch(Context& context, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("help"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("json"));
    const QCommandLineOption profile(QStringLiteral("profile"), QStringLiteral("profile"),
                                     QStringLiteral("DIR"));
    parser.addOptions({help, json, profile});
    if (!parser.parse(arguments)) {
        return context.usageError(parser.errorText(), globalUsage());
    }

    context.json = parser.isSet(json);
    context.profileRoot = parser.value(profile);

    QStringList words = parser.positionalArguments();
    if (parser.isSet(help)) {
        return runHelp(context, words);
    }
    if (words.isEmpty()) {
        return context.usageError(QStringLiteral("no command given"), globalUsage());
    }

    const QString name = words.takeFirst();
    if (name == QLatin1String("help")) {
        return runHelp(context, words);
    }
    const Command* command = findCommand(name);
    if (command == nullptr) {
        return context.usageError(QStringLiteral("unknown command '%1'").arg(name), globalUsage());
    }
    context.args = words;
    return command->run(context);
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("latchmail-cli"));

    QTextStream out(stdout);
    QTextStream err(stderr);
    Context context{QString(), false, QStringList(), out, err};

    const int status = dispatch(context, QCoreApplication::arguments());
    out.flush();
    err.flush();
    return status;
}
