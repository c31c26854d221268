// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Shared by the message-access commands (sync, list, show): loading the account, the password
// from the keyring, running an ImapService operation to its end, and exit statuses.

#include "app/cli/cli.h"
#include "core/account.h"
#include "imap/imapservice.h"

#include <QCommandLineOption>

#include <optional>

namespace Latchmail::Cli {

/// The --mailbox option (default INBOX).
[[nodiscard]] QCommandLineOption mailboxOption();

/// Loads account `id`; on failure prints why and sets `status`.
[[nodiscard]] std::optional<Account> loadImapAccount(Context& context, const QString& id,
                                                     int* status);

/// The exit status for a failed session (3 security, 4 login, 5 network/TLS, 1 otherwise).
[[nodiscard]] int exitStatusFor(const Imap::SessionError& error);

/// Runs `start` on `service` and waits for its result. Server alerts received over TLS are
/// printed on standard error as they arrive. Returns ExitOk, or the failure's status after
/// printing its message.
[[nodiscard]] int runImapOperation(Context& context, Imap::ImapService& service,
                                   const std::function<void()>& start);

/// The keyring password of an account's message-access service.
[[nodiscard]] Imap::ImapService::PasswordProvider keyringImapPassword(const QString& accountId);

} // namespace Latchmail::Cli
