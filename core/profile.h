// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace Latchmail {

/// Where a profile keeps its files. With an explicit root (`--profile DIR` or
/// LATCHMAIL_PROFILE) everything lives under it; otherwise the XDG locations are used
/// (`~/.config/latchmail` for accounts, `~/.local/share/latchmail` for caches and the outbox).
class Profile
{
public:
    /// `explicitRoot` wins; then LATCHMAIL_PROFILE; then the XDG locations.
    [[nodiscard]] static Profile resolve(const QString& explicitRoot = {});

    [[nodiscard]] QString accountsDirectory() const;
    [[nodiscard]] QString dataDirectory() const; // caches, outbox
    [[nodiscard]] QString cacheFile(const QString& accountId) const;
    [[nodiscard]] QString outboxDirectory(const QString& accountId) const;
    [[nodiscard]] QString connectionLogFile() const;

private:
    QString m_configRoot;
    QString m_dataRoot;
};

} // namespace Latchmail
