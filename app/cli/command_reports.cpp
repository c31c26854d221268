// SPDX-License-Identifier: GPL-3.0-or-later
// `outbox NAME --sent [--check]`: the account's sent messages with what delivery status
// notifications (RFC 3464) said about each recipient, and the transit security the returned
// Received fields claim (DEEP 4). With --check, INBOX is first searched for new reports.
//
// --json prints one object (stable; keys are only ever added):
// {
//   "account": "NAME",
//   "check": null | { "reportsFound", "reportsApplied", "recipientsUpdated",
//                     "problems": [...], "error": null | "why INBOX could not be read" },
//   "messages": [                          // oldest first
//     { "envelopeId", "messageId", "subject", "acceptedAt",
//       "dsnRequested": false → "no delivery reports can be expected",
//       "successRequested", "expectation": "one sentence",
//       "recipients": [ { "address", "state": "accepted"|"delivered"|"relayed"|"expanded"
//                         |"delayed"|"failed", "reason", "statusCode", "reportedAt" } ],
//       "transitSummary": "" | "All 2 recorded hops used TLS (as recorded by the servers).",
//       "hopsWithTls", "hopsWithoutTls", "hopsNotStated",
//       "transitHops": [                   // oldest first; each a server's claim
//         { "fromHost", "byHost", "protocol", "tls": "used"|"not-used"|"not-stated",
//           "tlsVersion", "cipherSuite", "claimSource": "none"|"tls-clause"|"comment"
//           |"protocol", "claimText": "the text the claim was read from" } ],
//       "reportKeys": [...] } ],
//   "problems": [ "unreadable record files" ]
// }
// Exit status: 0; with --check and INBOX unreachable: 3 security refusal, 4 authentication
// failed, 5 network or TLS failure (the stored reports are printed all the same).
#include "app/cli/command_send.h"
#include "app/cli/commands.h"

#include "app/cli/accountformat.h"
#include "core/profile.h"
#include "submission/reportstore.h"
#include "submission/reportstorescan.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>

namespace Latchmail::Cli {

namespace {

const QString kClaimsNotProofs = QStringLiteral("These are the servers' own claims, not proofs.");

int scanStatus(const ReportScanResult& result)
{
    if (!result.error) {
        return ExitOk;
    }
    if (result.error->isSecurityRefusal()) {
        return ExitSecurityRefusal;
    }
    switch (result.error->kind) {
    case Imap::SessionError::Kind::AuthenticationFailed:
        return ExitAuthFailed;
    case Imap::SessionError::Kind::Cancelled:
    case Imap::SessionError::Kind::CommandFailed:
        return ExitFailure;
    default:
        return ExitNetwork;
    }
}

ReportScanResult scan(Context& context, const Account& account, ReportStore* store)
{
    const SubmissionService::PasswordProvider keyring = keyringPasswords(account.id);
    DeliveryReportScan scan(
        account, Profile::resolve(context.profileRoot),
        [keyring](QString* error) { return keyring(Service::MessageAccess, error); }, store);
    QEventLoop loop;
    bool done = false;
    QObject::connect(&scan, &DeliveryReportScan::finished, &loop, [&] {
        done = true;
        loop.quit();
    });
    scan.start();
    if (!done) {
        loop.exec();
    }
    return scan.result();
}

QString tlsClaimText(const ReceivedHopClaim& hop)
{
    switch (hop.tls) {
    case ClaimedTls::Used: {
        QStringList details{hop.tlsVersion, hop.cipherSuite};
        details.removeAll(QString());
        return details.isEmpty()
                   ? QStringLiteral("claims TLS")
                   : QStringLiteral("claims TLS (%1)").arg(details.join(QStringLiteral(", ")));
    }
    case ClaimedTls::NotUsed:
        return QStringLiteral("claims NO TLS");
    case ClaimedTls::NotStated:
        break;
    }
    return QStringLiteral("does not say whether TLS was used");
}

QString sourceText(ClaimSource source)
{
    switch (source) {
    case ClaimSource::TlsClause:
        return QStringLiteral("its tls clause");
    case ClaimSource::Comment:
        return QStringLiteral("its comment");
    case ClaimSource::Protocol:
        return QStringLiteral("its with clause");
    case ClaimSource::None:
        break;
    }
    return {};
}

// "    hop 1: from [127.0.0.1] by localhost, with ESMTPSA: claims TLS (TLSv1.3, TLS_AES_…)
//            — as stated in its comment "using TLSv1.3 with cipher …""
void printHop(QTextStream& out, qsizetype number, const ReceivedHopClaim& hop)
{
    out << QStringLiteral("    hop %1: ").arg(number) << hop.describe();
    if (!hop.protocol.isEmpty()) {
        out << QStringLiteral(", with ") << hop.protocol;
    }
    out << QStringLiteral(": ") << tlsClaimText(hop);
    if (hop.source != ClaimSource::None) {
        out << QStringLiteral(" \u2014 as stated in %1 \u201C%2\u201D")
                   .arg(sourceText(hop.source), hop.claimText);
    }
    out << '\n';
}

void printRecord(QTextStream& out, const SentRecord& record)
{
    out << textTime(record.acceptedAt) << QStringLiteral("  \u201C") << record.subject
        << QStringLiteral("\u201D  <") << record.messageId << QStringLiteral(">\n");
    out << QStringLiteral("  ") << record.expectation() << '\n';
    for (const SentRecipient& recipient : record.recipients) {
        out << QStringLiteral("  ") << recipient.address << QStringLiteral(": ")
            << sentRecipientStateName(recipient.state);
        if (!recipient.statusCode.isEmpty()) {
            out << QStringLiteral(" (") << recipient.statusCode << QLatin1Char(')');
        }
        if (!recipient.reason.isEmpty()) {
            out << QStringLiteral(" \u2014 ") << recipient.reason;
        }
        out << '\n';
    }
    if (!record.transitSummary.isEmpty()) {
        out << QStringLiteral("  Transit security: ") << record.transitSummary << QLatin1Char(' ')
            << kClaimsNotProofs << '\n';
    }
    for (qsizetype i = 0; i < record.transitHops.size(); ++i) {
        printHop(out, i + 1, record.transitHops.at(i));
    }
}

QJsonObject scanJson(const ReportScanResult& result)
{
    return QJsonObject{
        {QStringLiteral("reportsFound"), result.reportsFound},
        {QStringLiteral("reportsApplied"), result.reportsApplied},
        {QStringLiteral("recipientsUpdated"), result.recipientsUpdated},
        {QStringLiteral("problems"), QJsonArray::fromStringList(result.problems)},
        {QStringLiteral("error"),
         result.error ? QJsonValue(result.error->message) : QJsonValue(QJsonValue::Null)},
    };
}

} // namespace

int runReports(Context& context, const Account& account, bool check)
{
    const Profile profile = Profile::resolve(context.profileRoot);
    ReportStore store(profile.dataDirectory() + QStringLiteral("/reports/") + account.id);

    std::optional<ReportScanResult> scanned;
    if (check) {
        scanned = scan(context, account, &store);
    }
    QStringList problems;
    const QList<SentRecord> records = store.list(&problems);

    if (context.json) {
        QJsonArray messages;
        for (const SentRecord& record : records) {
            QJsonObject json = record.toJson();
            json.insert(QStringLiteral("expectation"), record.expectation());
            messages.append(json);
        }
        context.printJson(QJsonObject{
            {QStringLiteral("account"), account.id},
            {QStringLiteral("check"),
             scanned ? QJsonValue(scanJson(*scanned)) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("messages"), messages},
            {QStringLiteral("problems"), QJsonArray::fromStringList(problems)},
        });
    } else {
        if (scanned) {
            context.out << QStringLiteral("Checked INBOX: %1 delivery report(s), %2 new for "
                                          "messages sent from this account.\n")
                               .arg(scanned->reportsFound)
                               .arg(scanned->reportsApplied);
        }
        context.out
            << QStringLiteral("Sent messages of %1: %2\n").arg(account.id).arg(records.size());
        for (const SentRecord& record : records) {
            printRecord(context.out, record);
        }
        for (const QString& problem : problems) {
            context.out << QStringLiteral("unreadable: ") << problem << '\n';
        }
    }
    if (scanned && scanned->error) {
        context.err << QStringLiteral("latchmail-cli: ") << scanned->error->message << Qt::endl;
    }
    return scanned ? scanStatus(*scanned) : ExitOk;
}

} // namespace Latchmail::Cli
