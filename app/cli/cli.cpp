// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by every latchmail-cli command: output of JSON and errors, and parsing of a
// command's own options on top of QCommandLineParser.
#include "app/cli/cli.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Latchmail::Cli {

void Context::printJson(const QJsonValue& value) const
{
    QJsonDocument document;
    if (value.isArray()) {
        document.setArray(value.toArray());
    } else {
        document.setObject(value.toObject());
    }
    out << QString::fromUtf8(document.toJson(QJsonDocument::Indented));
    out.flush();
}

int Context::fail(int code, const QString& message) const
{
    err << QStringLiteral("latchmail-cli: ") << message << Qt::endl;
    return code;
}

int Context::usageError(const QString& message, const QString& usage) const
{
    err << QStringLiteral("latchmail-cli: ") << message << QStringLiteral("\n\n") << usage;
    if (!usage.endsWith(QLatin1Char('\n'))) {
        err << QLatin1Char('\n');
    }
    err.flush();
    return ExitUsage;
}

std::optional<int> parseCommandLine(Context& context, QCommandLineParser& parser,
                                    const QString& usage, const QStringList& positionalNames)
{
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON output."));
    const QCommandLineOption profile(QStringLiteral("profile"), QStringLiteral("Profile root."),
                                     QStringLiteral("DIR"));
    parser.addOptions({help, json, profile});

    // QCommandLineParser treats the first element as the program name.
    if (!parser.parse(QStringList{QStringLiteral("latchmail-cli")} + context.args)) {
        return context.usageError(parser.errorText(), usage);
    }

    if (parser.isSet(help)) {
        context.out << usage;
        context.out.flush();
        return ExitOk;
    }
    context.json = context.json || parser.isSet(json);
    if (parser.isSet(profile)) {
        context.profileRoot = parser.value(profile);
    }

    const QStringList positional = parser.positionalArguments();
    if (positional.size() < positionalNames.size()) {
        return context.usageError(
            QStringLiteral("missing %1").arg(positionalNames.at(positional.size())), usage);
    }
    if (positional.size() > positionalNames.size()) {
        return context.usageError(
            QStringLiteral("unexpected argument '%1'").arg(positional.at(positionalNames.size())),
            usage);
    }
    return std::nullopt;
}

} // namespace Latchmail::Cli
