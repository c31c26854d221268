// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"

#include <QString>

#include <functional>

namespace Latchmail {

/// Passwords in the system keyring through QtKeychain (Secret Service on Linux), one entry per
/// account and service. There is no plaintext fallback: without a keyring every call fails with
/// a message that says so.
class SecretStore
{
public:
    struct Result
    {
        bool ok = false;
        QString secret; // only for reads
        QString error;  // plain-language, never contains the secret
        bool noKeyring = false;
        bool notFound = false;
    };

    explicit SecretStore(QString serviceName = QStringLiteral("latchmail"));

    using Callback = std::function<void(const Result&)>;

    void readPassword(const QString& accountId, Service service, Callback done) const;
    void writePassword(const QString& accountId, Service service, const QString& password,
                       Callback done) const;
    void deletePassword(const QString& accountId, Service service, Callback done) const;

    /// Blocking variants for the command-line tool (run a local event loop).
    [[nodiscard]] Result readPasswordSync(const QString& accountId, Service service) const;
    [[nodiscard]] Result writePasswordSync(const QString& accountId, Service service,
                                           const QString& password) const;
    [[nodiscard]] Result deletePasswordSync(const QString& accountId, Service service) const;

private:
    QString m_serviceName;
};

} // namespace Latchmail
