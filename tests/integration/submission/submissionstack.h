// SPDX-License-Identifier: GPL-3.0-or-later
// An account of a real MailStack (Postfix submission + Dovecot IMAP) in a private profile, and
// helpers to run the submission service and the delivery-report scan against it.
#pragma once

#include "core/accountstore.h"
#include "core/profile.h"
#include "submission/reportstorescan.h"
#include "submission/submissionservice.h"
#include "tests/support/mailstack.h"

#include <QSignalSpy>
#include <QTemporaryDir>

#include <memory>

namespace Latchmail::Test {

inline constexpr int kDeliveryTimeoutMs = 60000;

/// Alice's account on `stack`: submission with STARTTLS (or as `submissionMode` says), IMAP
/// with implicit TLS, the stack's CA trusted.
inline Account stackAccount(const MailStack& stack, TlsMode submissionMode = TlsMode::StartTls)
{
    Account account;
    account.id = QStringLiteral("alice");
    account.displayName = QStringLiteral("Alice");
    account.address = QStringLiteral("alice@example.test");
    account.imap.host = QStringLiteral("127.0.0.1");
    account.imap.port = stack.ports().imapTls;
    account.imap.tlsMode = TlsMode::Implicit;
    account.imap.userName = QStringLiteral("alice");
    account.imap.extraCaFile = stack.caFile();
    account.submission.host = QStringLiteral("127.0.0.1");
    account.submission.port = submissionMode == TlsMode::Implicit ? stack.ports().submissionTls
                                                                  : stack.ports().submission;
    account.submission.tlsMode = submissionMode;
    account.submission.userName = QStringLiteral("alice");
    account.submission.extraCaFile = stack.caFile();
    return account;
}

/// Runs one submission run and returns its report (an empty one after 60 s without an end).
inline SubmissionReport runSubmission(SubmissionService* service)
{
    QSignalSpy spy(service, &SubmissionService::finished);
    service->run();
    if (spy.isEmpty() && !spy.wait(kDeliveryTimeoutMs)) {
        return {};
    }
    return spy.first().first().value<SubmissionReport>();
}

/// Runs one delivery-report scan of INBOX.
inline ReportScanResult runScan(const Account& account, const Profile& profile,
                                const QString& password, ReportStore* store)
{
    DeliveryReportScan scan(
        account, profile, [password](QString*) { return std::optional<QString>(password); }, store);
    QSignalSpy spy(&scan, &DeliveryReportScan::finished);
    scan.start();
    if (spy.isEmpty()) {
        spy.wait(kDeliveryTimeoutMs);
    }
    return scan.result();
}

inline bool anyContains(const QByteArrayList& messages, const QByteArray& needle)
{
    return std::any_of(messages.cbegin(), messages.cend(),
                       [&needle](const QByteArray& message) { return message.contains(needle); });
}

inline qsizetype countContaining(const QByteArrayList& messages, const QByteArray& needle)
{
    return std::count_if(messages.cbegin(), messages.cend(),
                         [&needle](const QByteArray& message) { return message.contains(needle); });
}

} // namespace Latchmail::Test
