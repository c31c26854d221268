// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"

#include <QString>
#include <QStringList>

#include <optional>

// Words and HTML for showing accounts and their security latches. Pure functions of core/ data;
// no widgets, no protocol knowledge.
namespace Latchmail::Ui {

/// One account as the profile holds it: loaded, or the reason it could not be.
struct AccountListEntry
{
    QString id;
    QString filePath;
    std::optional<Account> account;
    QString error; // names the file; empty when the account loaded
    QStringList warnings;
};

/// How a service's latch state should look at a glance.
enum class LatchTone {
    Pending,    // nothing latched yet
    Verified,   // encrypted with a verified certificate latched
    Unverified, // encrypted, server identity not verified
    Problem,    // a recent latch failure, or a latch this version cannot check
};

/// "Message access (IMAP)", "Message submission (SMTP)".
[[nodiscard]] QString serviceTitle(Service service);
/// "TLS 1.3 · verified certificate · forward secrecy", "no latches yet — first connection
/// pending", prefixed by the most recent refusal when it is newer than the last observation.
[[nodiscard]] QString latchStatusText(const LatchRecord& record);
[[nodiscard]] LatchTone latchTone(const LatchRecord& record);
/// Local time as "2024-05-01 12:00", or "unknown".
[[nodiscard]] QString displayTime(const QDateTime& time);

/// The detail pane for one account (latches with dates, last observation, recent failures), or
/// its load error.
[[nodiscard]] QString accountDetailsHtml(const AccountListEntry& entry);
/// The detail pane when the profile has no account yet.
[[nodiscard]] QString noAccountsHtml(const QString& accountsDirectory);

} // namespace Latchmail::Ui
