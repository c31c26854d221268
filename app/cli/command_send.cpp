// SPDX-License-Identifier: GPL-3.0-or-later
// `send NAME --to ADDR … --subject TEXT [--attach FILE]…`: composes standard input as the
// body, queues the message in the account's outbox and sends what is due. Also the submission
// run shared with `outbox NAME --flush`.
//
// --json prints one object (stable; keys are only ever added):
// {
//   "account": "NAME",
//   "queued": null | { "id", "envelopeId", "messageId" },   // the message `send` queued
//   "result": "sent" | "held-for-security" | "authentication-failed" | "retrying" | "failed"
//             | "not-attempted",                           // the queued message's outcome
//   "messages": [                                          // every message the run handled
//     { "id", "subject", "outcome" (as "result"), "state" (outbox state, when still queued),
//       "removed" (true: sent and copied, no longer in the outbox), "message" (why) }
//   ],
//   "error": null | { "kind": "network" | "timeout" | "tls" | "latch-failure"
//                     | "security-refusal" | "authentication-failed"
//                     | "authentication-unavailable" | "protocol" | "server-closed"
//                     | "no-password", "message" },
//   "latchFailure": null | { "failed": [tokens], "required": [tokens] },
//   "sentCopyPending": null | "why the copy in Sent is not made yet",
//   "deliveryReports": null | "requested" | "not-expected"  // for the queued message
// }
// Exit status: 0 sent; 1 refused for good (5xx) or not attempted; 2 usage; 3 held for
// security (latch failure, STARTTLS missing or refused); 4 authentication failed; 5 network,
// TLS or temporary failure, the message stays queued for a retry.
#include "app/cli/command_send.h"
#include "app/cli/commands.h"

#include "core/accountstore.h"
#include "core/mimeaddress.h"
#include "core/profile.h"
#include "core/secrets.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>

namespace Latchmail::Cli {

namespace {

// The body is held in memory while it is composed; anything larger belongs in an attachment,
// which is streamed from its file.
constexpr qsizetype kMaxBodyOctets = 64 * 1024 * 1024;

const QString kUsage = QStringLiteral(
    "usage: latchmail-cli send NAME --to ADDR [--to ADDR]… [--cc ADDR]… [--bcc ADDR]…\n"
    "                          --subject TEXT [--attach FILE]… [--json]\n"
    "\n"
    "Reads the message body (UTF-8 text, at most 64 MiB) from standard input, composes the\n"
    "message, queues it in the account's outbox and sends every message that is due, then\n"
    "keeps a copy in the Sent mailbox. Bcc recipients receive the message but are not shown in it. "
    "Delivery\n"
    "status notifications are requested when the server offers them; `latchmail-cli outbox\n"
    "NAME --sent` shows the reports.\n"
    "\n"
    "Exit status: 0 sent, 1 refused by the server for good, 2 usage error, 3 held for\n"
    "security reasons (the message stays in the outbox), 4 authentication failed, 5 network or\n"
    "temporary failure (the message stays queued and is retried later).\n");

QString errorKindName(SubmissionError::Kind kind)
{
    switch (kind) {
    case SubmissionError::Kind::Network:
        return QStringLiteral("network");
    case SubmissionError::Kind::Timeout:
        return QStringLiteral("timeout");
    case SubmissionError::Kind::Tls:
        return QStringLiteral("tls");
    case SubmissionError::Kind::LatchFailure:
        return QStringLiteral("latch-failure");
    case SubmissionError::Kind::SecurityRefusal:
        return QStringLiteral("security-refusal");
    case SubmissionError::Kind::AuthenticationFailed:
        return QStringLiteral("authentication-failed");
    case SubmissionError::Kind::AuthenticationUnavailable:
        return QStringLiteral("authentication-unavailable");
    case SubmissionError::Kind::Protocol:
        return QStringLiteral("protocol");
    case SubmissionError::Kind::ServerClosed:
        return QStringLiteral("server-closed");
    case SubmissionError::Kind::Cancelled:
        return QStringLiteral("no-password");
    }
    return QStringLiteral("network");
}

// The more serious outcome decides the status of a run: security first, then credentials,
// then retries, then refusals.
int severity(int status)
{
    switch (status) {
    case ExitSecurityRefusal:
        return 4;
    case ExitAuthFailed:
        return 3;
    case ExitNetwork:
        return 2;
    case ExitFailure:
        return 1;
    default:
        return 0;
    }
}

QJsonObject itemJson(const SubmissionItem& item)
{
    return QJsonObject{
        {QStringLiteral("id"), item.id},
        {QStringLiteral("subject"), item.subject},
        {QStringLiteral("outcome"), submissionOutcomeName(item.outcome)},
        {QStringLiteral("state"),
         item.removed ? QJsonValue(QJsonValue::Null) : QJsonValue(outboxStateName(item.state))},
        {QStringLiteral("removed"), item.removed},
        {QStringLiteral("message"), item.message},
    };
}

QString outcomeText(const SubmissionItem& item)
{
    switch (item.outcome) {
    case SubmissionItem::Outcome::Sent:
        return item.removed ? QStringLiteral("sent; a copy is in the Sent mailbox")
                            : QStringLiteral("sent; the copy in the Sent mailbox is pending");
    case SubmissionItem::Outcome::HeldForSecurity:
        return QStringLiteral("held in the outbox for security reasons");
    case SubmissionItem::Outcome::AuthenticationFailed:
        return QStringLiteral("not sent: logging in failed; it stays queued");
    case SubmissionItem::Outcome::Retrying:
        return QStringLiteral("not sent yet; it stays queued and is retried later");
    case SubmissionItem::Outcome::Failed:
        return QStringLiteral("failed: the server will not accept it");
    case SubmissionItem::Outcome::NotAttempted:
        return QStringLiteral("not attempted");
    }
    return {};
}

QString reportsExpectation(SubmissionService& service, const QString& envelopeId)
{
    QString error;
    const std::optional<SentRecord> record = service.reports().load(envelopeId, &error);
    if (!record) {
        return {};
    }
    return record->dsnRequested ? QStringLiteral("requested") : QStringLiteral("not-expected");
}

void printText(Context& context, const QString& accountId, const SubmissionReport& report,
               const std::optional<OutboxEntry>& queued, const QString& expectation)
{
    if (queued) {
        context.out << QStringLiteral("Queued message %1 (Message-ID <%2>).\n")
                           .arg(queued->id, queued->messageId);
    }
    for (const SubmissionItem& item : report.items) {
        context.out << item.id << QStringLiteral(" \u201C") << item.subject
                    << QStringLiteral("\u201D: ") << outcomeText(item) << '\n';
        if (!item.message.isEmpty()) {
            context.out << QStringLiteral("  ") << item.message << '\n';
        }
    }
    if (report.items.isEmpty()) {
        context.out << QStringLiteral("Nothing was due to be sent.\n");
    }
    if (expectation == QLatin1String("requested")) {
        context.out << QStringLiteral("Delivery reports were requested; see `latchmail-cli outbox "
                                      "%1 --sent --check`.\n")
                           .arg(accountId);
    } else if (expectation == QLatin1String("not-expected")) {
        context.out << QStringLiteral("No delivery reports can be expected: the server does not "
                                      "offer delivery status notifications (DSN).\n");
    }
    if (!report.copyError.isEmpty()) {
        context.out << QStringLiteral("The copy in the Sent mailbox is still pending (%1); it is "
                                      "made on the next run.\n")
                           .arg(report.copyError);
    }
}

void printJson(Context& context, const Account& account, const SubmissionReport& report,
               const std::optional<OutboxEntry>& queued, const QString& expectation)
{
    QJsonArray items;
    for (const SubmissionItem& item : report.items) {
        items.append(itemJson(item));
    }
    const SubmissionItem* own = queued ? report.item(queued->id) : nullptr;
    QJsonValue error(QJsonValue::Null);
    QJsonValue latch(QJsonValue::Null);
    if (report.error) {
        error = QJsonObject{{QStringLiteral("kind"), errorKindName(report.error->kind)},
                            {QStringLiteral("message"), report.error->message}};
        if (report.error->latchFailure) {
            latch = QJsonObject{
                {QStringLiteral("failed"),
                 QJsonArray::fromStringList(report.error->latchFailure->failed.toList())},
                {QStringLiteral("required"),
                 QJsonArray::fromStringList(report.error->latchFailure->required.toList())}};
        }
    }
    context.printJson(QJsonObject{
        {QStringLiteral("account"), account.id},
        {QStringLiteral("queued"),
         queued ? QJsonValue(QJsonObject{{QStringLiteral("id"), queued->id},
                                         {QStringLiteral("envelopeId"), queued->envelopeId},
                                         {QStringLiteral("messageId"), queued->messageId}})
                : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("result"),
         own ? submissionOutcomeName(own->outcome) : QStringLiteral("not-attempted")},
        {QStringLiteral("messages"), items},
        {QStringLiteral("error"), error},
        {QStringLiteral("latchFailure"), latch},
        {QStringLiteral("sentCopyPending"),
         report.copyError.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(report.copyError)},
        {QStringLiteral("deliveryReports"),
         expectation.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(expectation)},
    });
}

int statusOf(const SubmissionReport& report, const std::optional<OutboxEntry>& queued)
{
    if (queued) {
        const SubmissionItem* own = report.item(queued->id);
        return exitStatusFor(own ? own->outcome : SubmissionItem::Outcome::NotAttempted);
    }
    int status = ExitOk;
    for (const SubmissionItem& item : report.items) {
        const int itemStatus = exitStatusFor(item.outcome);
        status = severity(itemStatus) > severity(status) ? itemStatus : status;
    }
    return status;
}

struct SendRequest
{
    QString id;
    MimeDraft draft;
};

std::optional<int> addRecipients(Context& context, const QStringList& values,
                                 QList<MimeAddress>* out)
{
    for (const QString& value : values) {
        const MailboxCheck check = checkMailboxAddress(value.trimmed());
        if (!check.valid) {
            return context.usageError(
                QStringLiteral("invalid address '%1': %2").arg(value, check.error), kUsage);
        }
        out->append(MimeAddress{QString(), value.trimmed()});
    }
    return std::nullopt;
}

std::optional<int> parseSendRequest(Context& context, SendRequest* request)
{
    QCommandLineParser parser;
    const QCommandLineOption to(QStringLiteral("to"), QStringLiteral("To."),
                                QStringLiteral("ADDR"));
    const QCommandLineOption cc(QStringLiteral("cc"), QStringLiteral("Cc."),
                                QStringLiteral("ADDR"));
    const QCommandLineOption bcc(QStringLiteral("bcc"), QStringLiteral("Bcc."),
                                 QStringLiteral("ADDR"));
    const QCommandLineOption subject(QStringLiteral("subject"), QStringLiteral("Subject."),
                                     QStringLiteral("TEXT"));
    const QCommandLineOption attach(QStringLiteral("attach"), QStringLiteral("Attachment."),
                                    QStringLiteral("FILE"));
    parser.addOptions({to, cc, bcc, subject, attach});
    if (const auto stop = parseCommandLine(context, parser, kUsage, {QStringLiteral("NAME")})) {
        return stop;
    }

    request->id = parser.positionalArguments().first();
    if (!isValidAccountId(request->id)) {
        return context.usageError(QStringLiteral("invalid account name '%1'").arg(request->id),
                                  kUsage);
    }
    if (!parser.isSet(to)) {
        return context.usageError(QStringLiteral("missing --to"), kUsage);
    }
    if (!parser.isSet(subject)) {
        return context.usageError(QStringLiteral("missing --subject"), kUsage);
    }
    MimeDraft& draft = request->draft;
    for (const auto& [option, list] :
         {std::pair{&to, &draft.to}, std::pair{&cc, &draft.cc}, std::pair{&bcc, &draft.bcc}}) {
        if (const auto stop = addRecipients(context, parser.values(*option), list)) {
            return stop;
        }
    }
    draft.subject = parser.value(subject);
    for (const QString& file : parser.values(attach)) {
        const QFileInfo info(file);
        if (!info.isFile() || !info.isReadable()) {
            return context.usageError(QStringLiteral("cannot read the attachment '%1'").arg(file),
                                      kUsage);
        }
        draft.attachments.append(MimeDraftAttachment{info.absoluteFilePath(), {}, {}, {}});
    }
    return std::nullopt;
}

// Reads the body from standard input, at most kMaxBodyOctets; nothing when there is more.
std::optional<QString> readBody()
{
    QByteArray body;
    char buffer[65536];
    size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
        if (body.size() + qsizetype(read) > kMaxBodyOctets) {
            return std::nullopt;
        }
        body.append(buffer, qsizetype(read));
    }
    return QString::fromUtf8(body);
}

} // namespace

std::optional<Account> loadAccountOrFail(Context& context, const QString& id, int* status)
{
    const AccountStore store(Profile::resolve(context.profileRoot).accountsDirectory());
    const AccountLoadResult result = store.load(id);
    if (!result.account) {
        *status =
            context.fail(ExitFailure, result.error ? result.error->message
                                                   : QStringLiteral("cannot load the account"));
        return std::nullopt;
    }
    for (const QString& warning : result.warnings) {
        context.err << QStringLiteral("latchmail-cli: warning: ") << warning << Qt::endl;
    }
    return result.account;
}

SubmissionService::PasswordProvider keyringPasswords(const QString& accountId)
{
    return [accountId](Service service, QString* error) -> std::optional<QString> {
        const SecretStore::Result result = SecretStore().readPasswordSync(accountId, service);
        if (!result.ok) {
            *error = QStringLiteral("cannot read the password from the system keyring: %1")
                         .arg(result.error);
            return std::nullopt;
        }
        return result.secret;
    };
}

int exitStatusFor(SubmissionItem::Outcome outcome)
{
    switch (outcome) {
    case SubmissionItem::Outcome::Sent:
        return ExitOk;
    case SubmissionItem::Outcome::HeldForSecurity:
        return ExitSecurityRefusal;
    case SubmissionItem::Outcome::AuthenticationFailed:
        return ExitAuthFailed;
    case SubmissionItem::Outcome::Retrying:
        return ExitNetwork;
    case SubmissionItem::Outcome::Failed:
    case SubmissionItem::Outcome::NotAttempted:
        return ExitFailure;
    }
    return ExitFailure;
}

int runSubmission(Context& context, const Account& account, const SubmissionOptions& options,
                  const std::optional<MimeDraft>& draft)
{
    SubmissionService service(account, Profile::resolve(context.profileRoot),
                              keyringPasswords(account.id), options);
    QString error;
    if (!service.open(&error)) {
        return context.fail(ExitFailure, error);
    }
    std::optional<OutboxEntry> queued;
    if (draft) {
        queued = service.queue(*draft, &error);
        if (!queued) {
            return context.fail(ExitFailure,
                                QStringLiteral("the message could not be queued: %1").arg(error));
        }
    }

    QEventLoop loop;
    SubmissionReport report;
    bool done = false;
    QObject::connect(&service, &SubmissionService::finished, &loop,
                     [&](const SubmissionReport& finished) {
                         report = finished;
                         done = true;
                         loop.quit();
                     });
    service.run();
    if (!done) {
        loop.exec();
    }

    const QString expectation =
        queued ? reportsExpectation(service, queued->envelopeId) : QString();
    if (context.json) {
        printJson(context, account, report, queued, expectation);
    } else {
        printText(context, account.id, report, queued, expectation);
    }
    const int status = statusOf(report, queued);
    if (status != ExitOk && report.error && !context.json) {
        context.err << QStringLiteral("latchmail-cli: ") << report.error->message << Qt::endl;
    }
    return status;
}

int runSend(Context& context)
{
    SendRequest request;
    if (const auto stop = parseSendRequest(context, &request)) {
        return *stop;
    }
    int status = ExitOk;
    const std::optional<Account> account = loadAccountOrFail(context, request.id, &status);
    if (!account) {
        return status;
    }
    request.draft.from = MimeAddress{account->displayName, account->address};
    std::optional<QString> body = readBody();
    if (!body) {
        return context.fail(ExitFailure,
                            QStringLiteral("the message body on standard input is larger than "
                                           "%1 MiB; send large content with --attach FILE")
                                .arg(kMaxBodyOctets / (1024 * 1024)));
    }
    request.draft.body = *std::move(body);
    return runSubmission(context, *account, SubmissionOptions(), request.draft);
}

} // namespace Latchmail::Cli
