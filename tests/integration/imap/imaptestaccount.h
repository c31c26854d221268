// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A Latchmail profile with one account pointing at a test MailStack, and helpers that run an
// ImapService operation to its end.

#include "core/accountstore.h"
#include "core/profile.h"
#include "imap/cache/messagecache.h"
#include "imap/imapservice.h"
#include "tests/support/mailstack.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace Latchmail::Test {

/// Outcome of one ImapService operation.
struct ServiceOutcome
{
    bool done = false;
    bool ok = false;
    Imap::SyncReport report;
    Imap::SessionError error;
};

class ImapTestAccount
{
public:
    ImapTestAccount(const MailStack& stack, const MailUser& user, TlsMode mode = TlsMode::StartTls)
        : m_user(user)
    {
        m_profile = Profile::resolve(m_dir.path());
        m_account.id = QStringLiteral("test");
        m_account.displayName = QStringLiteral("Test");
        m_account.address = user.address();
        m_account.imap.host = QStringLiteral("127.0.0.1");
        m_account.imap.tlsMode = mode;
        m_account.imap.port =
            mode == TlsMode::StartTls ? stack.ports().imapPlain : stack.ports().imapTls;
        m_account.imap.userName = user.name;
        m_account.imap.extraCaFile = stack.caFile();
        m_account.submission.host = QStringLiteral("127.0.0.1");
        m_saveError = AccountStore(m_profile.accountsDirectory()).save(m_account);
    }

    [[nodiscard]] bool isValid() const { return m_dir.isValid() && !m_saveError; }
    [[nodiscard]] const Profile& profile() const { return m_profile; }
    [[nodiscard]] QString directory() const { return m_dir.path(); }

    /// The account as stored now (latches, observation, failures).
    [[nodiscard]] Account stored() const
    {
        return AccountStore(m_profile.accountsDirectory())
            .load(m_account.id)
            .account.value_or(Account());
    }

    /// Points the account at another port (same host name, so the same latch record).
    void setPort(quint16 port)
    {
        Account account = stored();
        account.imap.port = port;
        m_saveError = AccountStore(m_profile.accountsDirectory()).save(account);
    }

    /// A service for the account as stored now.
    [[nodiscard]] std::unique_ptr<Imap::ImapService> service(QString password = {}) const
    {
        const QString secret = password.isEmpty() ? m_user.password : password;
        return std::make_unique<Imap::ImapService>(
            stored(), m_profile, [secret](QString*) { return std::optional<QString>(secret); });
    }

private:
    QTemporaryDir m_dir;
    MailUser m_user;
    Profile m_profile;
    Account m_account;
    std::optional<AccountStoreError> m_saveError;
};

/// Connects the service's result signals to `outcome`.
inline void watchOutcome(Imap::ImapService& service, ServiceOutcome* outcome)
{
    QObject::connect(&service, &Imap::ImapService::synchronized, &service,
                     [outcome](const Imap::SyncReport& report) {
                         outcome->done = true;
                         outcome->ok = true;
                         outcome->report = report;
                     });
    QObject::connect(&service, &Imap::ImapService::partsFetched, &service, [outcome] {
        outcome->done = true;
        outcome->ok = true;
    });
    QObject::connect(&service, &Imap::ImapService::failed, &service,
                     [outcome](const Imap::SessionError& error) {
                         outcome->done = true;
                         outcome->ok = false;
                         outcome->error = error;
                     });
}

} // namespace Latchmail::Test
