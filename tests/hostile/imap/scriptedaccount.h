// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A profile with one account "acct" pointing at a FakeImapServer, for tests that run the
// ImapService (the path a real sync takes: session, tasks, offline cache).

#include "core/accountstore.h"
#include "core/profile.h"
#include "fakeimapserver.h"
#include "imap/imapservice.h"

#include <QTemporaryDir>

#include <memory>

namespace Latchmail::Test {

class ScriptedAccount
{
public:
    ScriptedAccount(const FakeImapServer& server, TlsMode mode, LatchSet latches = {})
    {
        m_profile = Profile::resolve(m_dir.path());
        Account account;
        account.id = QStringLiteral("acct");
        account.address = QStringLiteral("alice@example.org");
        account.imap.host = QStringLiteral("127.0.0.1");
        account.imap.port = server.port();
        account.imap.tlsMode = mode;
        account.imap.userName = QStringLiteral("alice");
        account.imap.extraCaFile = FakeImapServer::caFile();
        account.submission.host = QStringLiteral("127.0.0.1");
        if (!latches.isEmpty()) {
            account.latchRecordRef(Service::MessageAccess)
                .addLatches(latches, QDateTime::currentDateTimeUtc());
        }
        m_ok = !AccountStore(m_profile.accountsDirectory()).save(account).has_value();
    }

    [[nodiscard]] bool isValid() const { return m_ok && m_dir.isValid(); }
    [[nodiscard]] const Profile& profile() const { return m_profile; }
    [[nodiscard]] QString cacheFile() const { return m_profile.cacheFile(QStringLiteral("acct")); }
    [[nodiscard]] Account stored() const
    {
        return AccountStore(m_profile.accountsDirectory())
            .load(QStringLiteral("acct"))
            .account.value_or(Account());
    }
    [[nodiscard]] std::unique_ptr<Imap::ImapService> service(const QString& password) const
    {
        return std::make_unique<Imap::ImapService>(
            stored(), m_profile, [password](QString*) { return std::optional<QString>(password); });
    }

private:
    QTemporaryDir m_dir;
    Profile m_profile;
    bool m_ok = false;
};

} // namespace Latchmail::Test
