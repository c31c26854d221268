// SPDX-License-Identifier: GPL-3.0-or-later
// `list NAME [--mailbox M]`: the messages of a mailbox as the offline cache holds them; no
// network access.
//
// --json prints {"id", "mailbox", "uidValidity", "lastSync", "messages": [{"uid", "date",
// "internalDate", "from", "to", "cc", "subject", "messageId", "flags", "size"}]}; times are UTC
// ISO 8601 or null. Errors go to standard error only.
#include "app/cli/commands.h"
#include "app/cli/imapcli.h"

#include "core/profile.h"
#include "imap/cache/messagecache.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

namespace Latchmail::Cli {

namespace {

const QString kUsage = QStringLiteral(
    "usage: latchmail-cli list NAME [--mailbox M]\n"
    "\n"
    "Lists the messages of a mailbox (default INBOX) from the offline cache: UID, date, sender,\n"
    "subject and flags. Nothing is fetched; run 'sync' first to bring the cache up to date.\n");

QJsonValue timeJson(const QDateTime& at)
{
    return at.isValid() ? QJsonValue(at.toUTC().toString(Qt::ISODate)) : QJsonValue();
}

QJsonObject messageJson(const MessageSummary& message)
{
    return QJsonObject{
        {QStringLiteral("uid"), qint64(message.uid)},
        {QStringLiteral("date"), timeJson(message.date)},
        {QStringLiteral("internalDate"), timeJson(message.internalDate)},
        {QStringLiteral("from"), message.from},
        {QStringLiteral("to"), message.to},
        {QStringLiteral("cc"), message.cc},
        {QStringLiteral("subject"), message.subject},
        {QStringLiteral("messageId"), message.messageId},
        {QStringLiteral("flags"), QJsonArray::fromStringList(message.flags)},
        {QStringLiteral("size"), message.size},
    };
}

void printLine(QTextStream& out, const MessageSummary& message)
{
    const QDateTime date = message.date.isValid() ? message.date : message.internalDate;
    out << QString::number(message.uid).rightJustified(6) << QStringLiteral("  ")
        << (date.isValid() ? date.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"))
                           : QStringLiteral("                "))
        << QStringLiteral("  ") << message.from.left(30).leftJustified(30) << QStringLiteral("  ")
        << message.subject;
    if (!message.flags.isEmpty()) {
        out << QStringLiteral("  [") << message.flags.join(QLatin1Char(' ')) << QLatin1Char(']');
    }
    out << '\n';
}

} // namespace

int runList(Context& context)
{
    QCommandLineParser parser;
    const QCommandLineOption mailboxOpt = mailboxOption();
    parser.addOption(mailboxOpt);
    if (const auto stop = parseCommandLine(context, parser, kUsage, {QStringLiteral("NAME")})) {
        return *stop;
    }
    int status = ExitOk;
    const std::optional<Account> account =
        loadImapAccount(context, parser.positionalArguments().first(), &status);
    if (!account) {
        return status;
    }

    const QString file = Profile::resolve(context.profileRoot).cacheFile(account->id);
    const QString name = parser.value(mailboxOpt);
    MessageCache cache;
    if (!QFileInfo::exists(file)) {
        return context.fail(ExitFailure, QStringLiteral("nothing is cached for '%1' yet; run "
                                                        "'latchmail-cli sync %1' first")
                                             .arg(account->id));
    }
    if (!cache.open(file)) {
        return context.fail(ExitFailure, cache.lastError());
    }
    const std::optional<CachedMailbox> mailbox = cache.mailbox(name);
    if (!mailbox) {
        return context.fail(ExitFailure,
                            QStringLiteral("the mailbox \u201c%1\u201d is not in the cache; run "
                                           "'latchmail-cli sync %2 --mailbox %1' first")
                                .arg(name, account->id));
    }
    const QList<MessageSummary> messages = cache.summaries(name);

    if (context.json) {
        QJsonArray list;
        for (const MessageSummary& message : messages) {
            list.append(messageJson(message));
        }
        context.printJson(QJsonObject{{QStringLiteral("id"), account->id},
                                      {QStringLiteral("mailbox"), name},
                                      {QStringLiteral("uidValidity"), qint64(mailbox->uidValidity)},
                                      {QStringLiteral("lastSync"), timeJson(mailbox->lastSync)},
                                      {QStringLiteral("messages"), list}});
        return ExitOk;
    }
    for (const MessageSummary& message : messages) {
        printLine(context.out, message);
    }
    context.out << messages.size() << QStringLiteral(" messages in ") << name
                << (mailbox->lastSync.isValid()
                        ? QStringLiteral(", synchronised ") +
                              mailbox->lastSync.toLocalTime().toString(Qt::ISODate)
                        : QStringLiteral(", not completely synchronised yet"))
                << Qt::endl;
    return ExitOk;
}

} // namespace Latchmail::Cli
