// SPDX-License-Identifier: GPL-3.0-or-later
// `sync NAME [--mailbox M]`: connects as the account says (latches and STARTTLS rules
// enforced), logs in with the keyring password, lists the mailboxes, synchronises one mailbox
// into the offline cache, reads the message and unread counts of the other mailboxes (STATUS)
// and logs out.
//
// --json prints {"id", "mailbox", "messages", "added", "removed", "flagsChanged",
// "fullResync", "uidValidityChanged", "incremental", "unchanged", "otherMailboxes": [{"name",
// "messages", "unseen", "uidNext"}]}; "unchanged": STATUS showed nothing new, no SELECT was
// needed. Errors go to standard error only.
#include "app/cli/commands.h"
#include "app/cli/imapcli.h"

#include "core/profile.h"
#include "imap/cache/messagecache.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonObject>

namespace Latchmail::Cli {

namespace {

const QString kUsage = QStringLiteral(
    "usage: latchmail-cli sync NAME [--mailbox M]\n"
    "\n"
    "Synchronises a mailbox (default INBOX) of the account into its offline cache: new\n"
    "messages' headers and structure, changed flags, removed messages; it also shows the\n"
    "message and unread counts of the other mailboxes. The connection follows\n"
    "the account's TLS mode and security latches; the password comes from the system keyring\n"
    "and is sent only once TLS is up and every latch is met.\n"
    "Exit status: 3 refused for security reasons, 4 login failed, 5 network or TLS failure.\n");

QJsonArray countsJson(const QList<Imap::MailboxCounts>& counts)
{
    QJsonArray array;
    for (const Imap::MailboxCounts& mailbox : counts) {
        array.append(QJsonObject{
            {QStringLiteral("name"), mailbox.mailbox},
            {QStringLiteral("messages"), qint64(mailbox.messages)},
            {QStringLiteral("unseen"), qint64(mailbox.unseen)},
            {QStringLiteral("uidNext"), qint64(mailbox.uidNext)},
        });
    }
    return array;
}

void printCounts(Context& context, const QList<Imap::MailboxCounts>& counts)
{
    for (const Imap::MailboxCounts& mailbox : counts) {
        context.out << QStringLiteral("  ") << mailbox.mailbox << QStringLiteral(": ")
                    << mailbox.messages << QStringLiteral(" messages, ") << mailbox.unseen
                    << QStringLiteral(" unread") << Qt::endl;
    }
}

void printReport(Context& context, const QString& id, const Imap::SyncReport& report,
                 qint64 messages)
{
    if (context.json) {
        context.printJson(QJsonObject{
            {QStringLiteral("id"), id},
            {QStringLiteral("mailbox"), report.mailbox},
            {QStringLiteral("messages"), messages},
            {QStringLiteral("added"), qint64(report.added)},
            {QStringLiteral("removed"), qint64(report.removed)},
            {QStringLiteral("flagsChanged"), qint64(report.flagsChanged)},
            {QStringLiteral("fullResync"), report.fullResync},
            {QStringLiteral("uidValidityChanged"), report.uidValidityChanged},
            {QStringLiteral("incremental"), report.usedQresync || report.unchanged},
            {QStringLiteral("unchanged"), report.unchanged},
            {QStringLiteral("otherMailboxes"), countsJson(report.otherMailboxes)},
        });
        return;
    }
    context.out << report.mailbox << QStringLiteral(": ") << messages
                << QStringLiteral(" messages (") << report.added << QStringLiteral(" new, ")
                << report.removed << QStringLiteral(" removed, ") << report.flagsChanged
                << QStringLiteral(" with changed flags)");
    if (report.uidValidityChanged) {
        context.out << QStringLiteral("; the mailbox was replaced on the server, so the cache "
                                      "was rebuilt");
    }
    context.out << Qt::endl;
    printCounts(context, report.otherMailboxes);
}

} // namespace

int runSync(Context& context)
{
    QCommandLineParser parser;
    const QCommandLineOption mailbox = mailboxOption();
    parser.addOption(mailbox);
    if (const auto stop = parseCommandLine(context, parser, kUsage, {QStringLiteral("NAME")})) {
        return *stop;
    }
    int status = ExitOk;
    const std::optional<Account> account =
        loadImapAccount(context, parser.positionalArguments().first(), &status);
    if (!account) {
        return status;
    }

    Imap::ImapService service(*account, Profile::resolve(context.profileRoot),
                              keyringImapPassword(account->id));
    QString error;
    if (!service.openCache(&error)) {
        return context.fail(ExitFailure, error);
    }
    Imap::SyncReport report;
    QObject::connect(&service, &Imap::ImapService::synchronized,
                     [&report](const Imap::SyncReport& done) { report = done; });
    const QString name = parser.value(mailbox);
    status = runImapOperation(context, service, [&] { service.synchronize(name); });
    if (status != ExitOk) {
        return status;
    }
    printReport(context, account->id, report, service.cache()->messageCount(name));
    return ExitOk;
}

} // namespace Latchmail::Cli
