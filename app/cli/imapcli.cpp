// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/cli/imapcli.h"

#include "app/cli/accountformat.h"
#include "core/accountstore.h"
#include "core/profile.h"
#include "core/secrets.h"

#include <QEventLoop>

namespace Latchmail::Cli {

QCommandLineOption mailboxOption()
{
    return QCommandLineOption(QStringLiteral("mailbox"),
                              QStringLiteral("The mailbox (default INBOX)."), QStringLiteral("M"),
                              QStringLiteral("INBOX"));
}

std::optional<Account> loadImapAccount(Context& context, const QString& id, int* status)
{
    if (!isValidAccountId(id)) {
        *status = context.fail(ExitUsage, QStringLiteral("invalid account name '%1'").arg(id));
        return std::nullopt;
    }
    const AccountStore store(Profile::resolve(context.profileRoot).accountsDirectory());
    const AccountLoadResult result = store.load(id);
    if (!result.account) {
        *status = context.fail(ExitFailure, errorText(*result.error));
        return std::nullopt;
    }
    for (const QString& warning : result.warnings) {
        context.err << QStringLiteral("latchmail-cli: warning: ") << warning << Qt::endl;
    }
    return result.account;
}

int exitStatusFor(const Imap::SessionError& error)
{
    using Kind = Imap::SessionError::Kind;
    switch (error.kind) {
    case Kind::LatchFailure:
    case Kind::SecurityRefusal:
        return ExitSecurityRefusal;
    case Kind::AuthenticationFailed:
        return ExitAuthFailed;
    case Kind::Network:
    case Kind::Timeout:
    case Kind::Tls:
    case Kind::Protocol:
    case Kind::ServerClosed:
        return ExitNetwork;
    case Kind::CommandFailed:
    case Kind::LocalError:
    case Kind::Cancelled:
        return ExitFailure;
    }
    return ExitFailure;
}

int runImapOperation(Context& context, Imap::ImapService& service,
                     const std::function<void()>& start)
{
    QEventLoop loop;
    std::optional<Imap::SessionError> failure;
    QObject::connect(&service, &Imap::ImapService::synchronized, &loop, &QEventLoop::quit);
    QObject::connect(&service, &Imap::ImapService::partsFetched, &loop, &QEventLoop::quit);
    QObject::connect(&service, &Imap::ImapService::failed, &loop,
                     [&](const Imap::SessionError& error) {
                         failure = error;
                         loop.quit();
                     });
    QObject::connect(
        &service, &Imap::ImapService::alertReceived, &loop, [&context](const QString& text) {
            context.err << QStringLiteral("latchmail-cli: the server says: ") << text << Qt::endl;
        });
    start();
    loop.exec();
    if (failure) {
        return context.fail(exitStatusFor(*failure), failure->message);
    }
    return ExitOk;
}

Imap::ImapService::PasswordProvider keyringImapPassword(const QString& accountId)
{
    return [accountId](QString* error) -> std::optional<QString> {
        const SecretStore::Result result =
            SecretStore().readPasswordSync(accountId, Service::MessageAccess);
        if (!result.ok) {
            *error = QStringLiteral("cannot read the password from the system keyring: %1")
                         .arg(result.error);
            return std::nullopt;
        }
        return result.secret;
    };
}

} // namespace Latchmail::Cli
