// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/cli/cli.h"

#include "core/account.h"
#include "core/mimecomposer.h"
#include "submission/submissionservice.h"

#include <optional>

// The pieces `send`, `outbox` and `reports` share: running the submission engine for one
// account, printing what became of each message, and the exit status it maps to.
namespace Latchmail::Cli {

/// Loads account `id` of the context's profile; on failure prints why and returns nothing with
/// `status` set to the exit status.
[[nodiscard]] std::optional<Account> loadAccountOrFail(Context& context, const QString& id,
                                                       int* status);

/// Passwords from the system keyring (SecretStore), read when a connection asks for one.
[[nodiscard]] SubmissionService::PasswordProvider keyringPasswords(const QString& accountId);

/// Opens the account's outbox, queues `draft` when given, sends what is due (as `options`
/// say), prints the outcome (text or --json) and returns the exit status: for a queued draft
/// its own outcome, otherwise the most serious outcome of the run.
[[nodiscard]] int runSubmission(Context& context, const Account& account,
                                const SubmissionOptions& options,
                                const std::optional<MimeDraft>& draft);

/// The exit status for one message's outcome: 0 sent, 3 held for security, 4 authentication
/// failed, 5 retry queued (network, TLS or a temporary refusal), 1 refused for good or not
/// attempted.
[[nodiscard]] int exitStatusFor(SubmissionItem::Outcome outcome);

/// `reports NAME [--check]`: defined in command_reports.cpp; reached as `outbox NAME --sent`.
int runReports(Context& context, const Account& account, bool check);

} // namespace Latchmail::Cli
