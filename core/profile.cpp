// SPDX-License-Identifier: GPL-3.0-or-later
// Profile locations. An explicit root keeps a whole profile in one directory (tests, scripts,
// several identities side by side); the default follows the XDG base directory layout.
#include "core/profile.h"

#include <QDir>
#include <QStandardPaths>

namespace Latchmail {

namespace {

const QString kApplicationDirectory = QStringLiteral("/latchmail");

} // namespace

Profile Profile::resolve(const QString& explicitRoot)
{
    QString root = explicitRoot;
    if (root.isEmpty()) {
        root = qEnvironmentVariable("LATCHMAIL_PROFILE");
    }

    Profile profile;
    if (!root.isEmpty()) {
        // A relative root is taken from the current directory once, so later directory
        // changes of the process do not move the profile.
        profile.m_configRoot = QDir::cleanPath(QDir(root).absolutePath());
        profile.m_dataRoot = profile.m_configRoot + QStringLiteral("/data");
        return profile;
    }

    profile.m_configRoot = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
                           kApplicationDirectory;
    profile.m_dataRoot = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                         kApplicationDirectory;
    return profile;
}

QString Profile::accountsDirectory() const
{
    return m_configRoot + QStringLiteral("/accounts");
}

QString Profile::dataDirectory() const
{
    return m_dataRoot;
}

QString Profile::cacheFile(const QString& accountId) const
{
    return m_dataRoot + QStringLiteral("/cache/") + accountId + QStringLiteral(".sqlite");
}

QString Profile::outboxDirectory(const QString& accountId) const
{
    return m_dataRoot + QStringLiteral("/outbox/") + accountId;
}

QString Profile::connectionLogFile() const
{
    return m_dataRoot + QStringLiteral("/connections.log");
}

} // namespace Latchmail
