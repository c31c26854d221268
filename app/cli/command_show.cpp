// SPDX-License-Identifier: GPL-3.0-or-later
// `show NAME UID [--mailbox M]`: one message from the offline cache. When its text is not
// cached yet, only the parts needed for it are fetched (BODY.PEEK, so the message stays
// unread) and kept for offline reading.
//
// --json prints {"id", "mailbox", "uid", "subject", "from", "to", "cc", "date", "messageId",
// "flags", "size", "text", "attachments": [{"part", "fileName", "mimeType", "size"}]}; errors go
// to standard error only.
#include "app/cli/commands.h"
#include "app/cli/imapcli.h"

#include "core/profile.h"
#include "imap/cache/messagecache.h"
#include "imap/cache/messagecontent.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

namespace Latchmail::Cli {

namespace {

const QString kUsage = QStringLiteral(
    "usage: latchmail-cli show NAME UID [--mailbox M]\n"
    "\n"
    "Shows one message of a mailbox (default INBOX): its headers, its text and its\n"
    "attachments. The message must be in the cache ('sync' puts it there); its text is fetched\n"
    "on first use and kept for offline reading. The message is not marked as read.\n");

QJsonObject contentJson(const QString& id, const QString& mailbox,
                        const Imap::MessageContent& content)
{
    QJsonArray attachments;
    for (const Imap::AttachmentInfo& attachment : content.attachments) {
        attachments.append(QJsonObject{{QStringLiteral("part"), attachment.part},
                                       {QStringLiteral("fileName"), attachment.fileName},
                                       {QStringLiteral("mimeType"), attachment.mimeType},
                                       {QStringLiteral("size"), attachment.size}});
    }
    const CachedMessage& message = content.message;
    return QJsonObject{
        {QStringLiteral("id"), id},
        {QStringLiteral("mailbox"), mailbox},
        {QStringLiteral("uid"), qint64(message.uid)},
        {QStringLiteral("subject"), message.subject},
        {QStringLiteral("from"), message.from},
        {QStringLiteral("to"), message.to},
        {QStringLiteral("cc"), message.cc},
        {QStringLiteral("date"), message.date.isValid()
                                     ? QJsonValue(message.date.toUTC().toString(Qt::ISODate))
                                     : QJsonValue()},
        {QStringLiteral("messageId"), message.messageId},
        {QStringLiteral("flags"), QJsonArray::fromStringList(message.flags)},
        {QStringLiteral("size"), message.size},
        {QStringLiteral("text"), content.text},
        {QStringLiteral("attachments"), attachments},
    };
}

void printContent(QTextStream& out, const Imap::MessageContent& content)
{
    const CachedMessage& message = content.message;
    out << QStringLiteral("From:    ") << message.from << '\n';
    out << QStringLiteral("To:      ") << message.to << '\n';
    if (!message.cc.isEmpty()) {
        out << QStringLiteral("Cc:      ") << message.cc << '\n';
    }
    if (message.date.isValid()) {
        out << QStringLiteral("Date:    ") << message.date.toLocalTime().toString(Qt::RFC2822Date)
            << '\n';
    }
    out << QStringLiteral("Subject: ") << message.subject << QStringLiteral("\n\n");
    out << content.text;
    if (!content.text.endsWith(QLatin1Char('\n'))) {
        out << '\n';
    }
    for (const Imap::AttachmentInfo& attachment : content.attachments) {
        out << QStringLiteral("[attachment ") << attachment.part << QStringLiteral(": ")
            << (attachment.fileName.isEmpty() ? QStringLiteral("(no name)") : attachment.fileName)
            << QStringLiteral(", ") << attachment.mimeType << QStringLiteral(", ")
            << attachment.size << QStringLiteral(" bytes]\n");
    }
    out.flush();
}

} // namespace

int runShow(Context& context)
{
    QCommandLineParser parser;
    const QCommandLineOption mailboxOpt = mailboxOption();
    parser.addOption(mailboxOpt);
    if (const auto stop = parseCommandLine(context, parser, kUsage,
                                           {QStringLiteral("NAME"), QStringLiteral("UID")})) {
        return *stop;
    }
    bool validUid = false;
    const quint32 uid = parser.positionalArguments().at(1).toUInt(&validUid);
    if (!validUid || uid == 0) {
        return context.usageError(
            QStringLiteral("'%1' is not a message UID").arg(parser.positionalArguments().at(1)),
            kUsage);
    }
    int status = ExitOk;
    const std::optional<Account> account =
        loadImapAccount(context, parser.positionalArguments().first(), &status);
    if (!account) {
        return status;
    }

    const Profile profile = Profile::resolve(context.profileRoot);
    if (!QFileInfo::exists(profile.cacheFile(account->id))) {
        return context.fail(ExitFailure, QStringLiteral("nothing is cached for '%1' yet; run "
                                                        "'latchmail-cli sync %1' first")
                                             .arg(account->id));
    }
    Imap::ImapService service(*account, profile, keyringImapPassword(account->id));
    QString error;
    if (!service.openCache(&error)) {
        return context.fail(ExitFailure, error);
    }
    const QString mailbox = parser.value(mailboxOpt);
    std::optional<Imap::MessageContent> content =
        Imap::loadMessageContent(*service.cache(), mailbox, uid, &error);
    if (!content) {
        return context.fail(ExitFailure, error);
    }
    if (!content->textAvailable) {
        status = runImapOperation(context, service,
                                  [&] { service.fetchParts(mailbox, uid, content->textSections); });
        if (status != ExitOk) {
            return status;
        }
        content = Imap::loadMessageContent(*service.cache(), mailbox, uid, &error);
        if (!content || !content->textAvailable) {
            return context.fail(ExitFailure, error.isEmpty() ? QStringLiteral("the message text "
                                                                              "could not be read")
                                                             : error);
        }
    }

    if (context.json) {
        context.printJson(contentJson(account->id, mailbox, *content));
    } else {
        printContent(context.out, *content);
    }
    return ExitOk;
}

} // namespace Latchmail::Cli
