// SPDX-License-Identifier: GPL-3.0-or-later
// `outbox NAME`: the messages waiting in the account's outbox — queued, retrying, held for
// security, failed, or sent and waiting for their copy in Sent — each with its reason.
//   --flush       try every queued, retrying and held message now (exit status as `send`)
//   --remove ID   delete one message from the outbox (e.g. one that failed for good)
//   --sent        the sent messages with their delivery reports (command_reports.cpp);
//                 with --check, INBOX is searched for new reports first
//
// --json (listing) prints one object (stable; keys are only ever added):
// {
//   "account": "NAME", "directory": "…/outbox/NAME",
//   "messages": [ <sidecar> ],   // oldest first; the sidecar shape of submission/outboxentry.h:
//       { "version": 1, "id", "envelopeId", "messageId", "subject", "reversePath",
//         "recipients": [ { "address", "status": "pending"|"accepted"|"refused", "reason" } ],
//         "size", "needs8BitMime", "needsSmtpUtf8", "queuedAt",
//         "state": "queued"|"sending"|"retrying"|"held-for-security"|"failed"
//                  |"sent-awaiting-copy",
//         "attempts", "nextAttemptAt", "lastError", "lastErrorAt", "acceptedAt",
//         "dsnRequested", "sentCopy": { "started", "done", "mailbox", "uidValidity", "uid",
//         "note" } }        // times ISO 8601 UTC or null
//   "problems": [ { "id", "file", "message" } ]   // sidecars that could not be read
// }
// --remove prints { "account", "removed": "ID" }.
#include "app/cli/command_send.h"
#include "app/cli/commands.h"

#include "app/cli/accountformat.h"
#include "core/profile.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>

namespace Latchmail::Cli {

namespace {

const QString kUsage = QStringLiteral(
    "usage: latchmail-cli outbox NAME [--flush | --remove ID | --sent [--check]] [--json]\n"
    "\n"
    "Lists the messages in the account's outbox with their state and the reason for it:\n"
    "queued, retrying (with the next attempt), held-for-security (a security latch failed or\n"
    "STARTTLS was refused: nothing was sent), failed (the server refused it for good), or\n"
    "sent-awaiting-copy (sent; the copy in the Sent mailbox is pending).\n"
    "\n"
    "  --flush       try every queued, retrying and held message now\n"
    "  --remove ID   delete a message from the outbox\n"
    "  --sent        sent messages with their delivery reports and transit security\n"
    "  --check       with --sent: look for new delivery reports in INBOX first\n"
    "\n"
    "Exit status of --flush as for `send`: 0 all sent, 1 refused for good, 3 held for\n"
    "security, 4 authentication failed, 5 network or temporary failure (retry queued).\n");

QString stateText(const OutboxEntry& entry)
{
    switch (entry.state) {
    case OutboxState::Queued:
        return QStringLiteral("queued");
    case OutboxState::Sending:
        return QStringLiteral("being sent");
    case OutboxState::Retrying:
        return QStringLiteral("retrying, next attempt %1").arg(textTime(entry.nextAttemptAt));
    case OutboxState::HeldForSecurity:
        return QStringLiteral("HELD FOR SECURITY");
    case OutboxState::Failed:
        return QStringLiteral("FAILED");
    case OutboxState::SentAwaitingCopy:
        return QStringLiteral("sent, copy to the Sent mailbox pending");
    }
    return {};
}

void printEntry(QTextStream& out, const OutboxEntry& entry)
{
    QStringList recipients;
    for (const OutboxRecipient& recipient : entry.recipients) {
        recipients.append(recipient.status == RecipientStatus::Pending
                              ? recipient.address
                              : recipient.address + QStringLiteral(" (") +
                                    recipientStatusName(recipient.status) + QLatin1Char(')'));
    }
    out << entry.id << QStringLiteral("  ") << stateText(entry) << '\n';
    out << QStringLiteral("  Subject:  ") << entry.subject << '\n';
    out << QStringLiteral("  To:       ") << recipients.join(QStringLiteral(", ")) << '\n';
    out << QStringLiteral("  Queued:   ") << textTime(entry.queuedAt)
        << QStringLiteral(", attempts: ") << entry.attempts << '\n';
    if (!entry.lastError.isEmpty()) {
        out << QStringLiteral("  Why:      ") << entry.lastError << '\n';
    }
    if (!entry.sentCopy.note.isEmpty()) {
        out << QStringLiteral("  Copy:     ") << entry.sentCopy.note << '\n';
    }
}

int list(Context& context, const Account& account)
{
    const Outbox outbox(Profile::resolve(context.profileRoot).outboxDirectory(account.id));
    const OutboxListing listing = outbox.list();
    if (context.json) {
        QJsonArray messages;
        for (const OutboxEntry& entry : listing.entries) {
            messages.append(entry.toJson());
        }
        QJsonArray problems;
        for (const OutboxProblem& problem : listing.problems) {
            problems.append(QJsonObject{{QStringLiteral("id"), problem.id},
                                        {QStringLiteral("file"), problem.filePath},
                                        {QStringLiteral("message"), problem.message}});
        }
        context.printJson(QJsonObject{{QStringLiteral("account"), account.id},
                                      {QStringLiteral("directory"), outbox.directory()},
                                      {QStringLiteral("messages"), messages},
                                      {QStringLiteral("problems"), problems}});
        return ExitOk;
    }

    context.out << QStringLiteral("Outbox of %1: %2 message(s)\n")
                       .arg(account.id)
                       .arg(listing.entries.size());
    for (const OutboxEntry& entry : listing.entries) {
        printEntry(context.out, entry);
    }
    for (const OutboxProblem& problem : listing.problems) {
        context.out << QStringLiteral("unreadable: ") << problem.message << '\n';
    }
    return ExitOk;
}

int remove(Context& context, const Account& account, const QString& id)
{
    Outbox outbox(Profile::resolve(context.profileRoot).outboxDirectory(account.id));
    QString error;
    if (!isValidOutboxId(id) || !QFile::exists(outbox.entryFilePath(id))) {
        return context.fail(ExitFailure,
                            QStringLiteral("there is no message '%1' in the outbox").arg(id));
    }
    if (!outbox.lock(10000, &error) || !outbox.remove(id, &error)) {
        return context.fail(ExitFailure, error);
    }
    if (context.json) {
        context.printJson(
            QJsonObject{{QStringLiteral("account"), account.id}, {QStringLiteral("removed"), id}});
    } else {
        context.out << QStringLiteral("Removed %1 from the outbox.\n").arg(id);
    }
    return ExitOk;
}

} // namespace

int runOutbox(Context& context)
{
    QCommandLineParser parser;
    const QCommandLineOption flush(QStringLiteral("flush"), QStringLiteral("Send now."));
    const QCommandLineOption removeOption(QStringLiteral("remove"), QStringLiteral("Remove."),
                                          QStringLiteral("ID"));
    const QCommandLineOption sent(QStringLiteral("sent"), QStringLiteral("Sent messages."));
    const QCommandLineOption check(QStringLiteral("check"), QStringLiteral("Check INBOX."));
    parser.addOptions({flush, removeOption, sent, check});
    if (const auto stop = parseCommandLine(context, parser, kUsage, {QStringLiteral("NAME")})) {
        return *stop;
    }
    const QString id = parser.positionalArguments().first();
    if (!isValidAccountId(id)) {
        return context.usageError(QStringLiteral("invalid account name '%1'").arg(id), kUsage);
    }
    if (int(parser.isSet(flush)) + int(parser.isSet(removeOption)) + int(parser.isSet(sent)) > 1) {
        return context.usageError(QStringLiteral("--flush, --remove and --sent exclude each "
                                                 "other"),
                                  kUsage);
    }
    if (parser.isSet(check) && !parser.isSet(sent)) {
        return context.usageError(QStringLiteral("--check goes with --sent"), kUsage);
    }

    int status = ExitOk;
    const std::optional<Account> account = loadAccountOrFail(context, id, &status);
    if (!account) {
        return status;
    }
    if (parser.isSet(flush)) {
        SubmissionOptions options;
        options.ignoreSchedule = true;
        options.releaseHeld = true;
        return runSubmission(context, *account, options, std::nullopt);
    }
    if (parser.isSet(removeOption)) {
        return remove(context, *account, parser.value(removeOption));
    }
    if (parser.isSet(sent)) {
        return runReports(context, *account, parser.isSet(check));
    }
    return list(context, *account);
}

} // namespace Latchmail::Cli
