// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace Latchmail {

/// Why an account file could not be used. The message names the file and what is wrong; an
/// account with such an error cannot connect until the file is fixed.
struct AccountStoreError
{
    enum class Kind { NotFound, Unreadable, Corrupt, UnknownVersion, Invalid, WriteFailed };
    Kind kind = Kind::Corrupt;
    QString filePath;
    QString message; // complete sentence for the user

    [[nodiscard]] QString toString() const { return message; }
};

/// Outcome of loading one account file.
struct AccountLoadResult
{
    std::optional<Account> account;
    std::optional<AccountStoreError> error;
    QStringList warnings; // e.g. unknown latch tokens kept as they were
};

/// Account files under `<profile>/accounts/<id>.json` (schema version 1). Every write goes
/// through QSaveFile, so a crash leaves either the old or the new file, never a mix.
class AccountStore
{
public:
    explicit AccountStore(QString accountsDirectory);

    static constexpr int kSchemaVersion = 1;
    /// Larger files are refused as corrupt: an account file holds a few kilobytes.
    static constexpr qsizetype kMaxFileBytes = 4 * 1024 * 1024;

    [[nodiscard]] QString directory() const { return m_directory; }
    [[nodiscard]] QString filePath(const QString& accountId) const;

    /// Ids of all account files present (sorted), whether or not they load.
    [[nodiscard]] QStringList accountIds() const;

    [[nodiscard]] AccountLoadResult load(const QString& accountId) const;
    /// Atomically writes the account. Returns an error instead of a partial file.
    [[nodiscard]] std::optional<AccountStoreError> save(const Account& account) const;
    [[nodiscard]] std::optional<AccountStoreError> remove(const QString& accountId) const;

    /// Serialisation, exposed for tests and tools.
    [[nodiscard]] static QByteArray toJson(const Account& account);
    [[nodiscard]] static AccountLoadResult fromJson(const QByteArray& bytes,
                                                    const QString& filePath);

private:
    QString m_directory;
};

/// True if `id` is a usable account id (non-empty, at most 64 of [A-Za-z0-9._-], no leading dot).
[[nodiscard]] bool isValidAccountId(const QString& id);

} // namespace Latchmail
