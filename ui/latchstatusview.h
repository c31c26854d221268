// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QTextBrowser>

namespace Latchmail::Ui {

struct AccountListEntry;

/// The detail pane: for one account, its servers, the latches with the date each was first set,
/// the last TLS observation and the recent latch failures; or why its file cannot be used.
class LatchStatusView : public QTextBrowser
{
    Q_OBJECT

public:
    explicit LatchStatusView(QWidget* parent = nullptr);

    /// Shows `entry`, or the "no accounts" hint for `accountsDirectory` when it is null.
    void showAccount(const AccountListEntry* entry, const QString& accountsDirectory);
    /// Asks the user to pick an account.
    void showNoSelection();
};

} // namespace Latchmail::Ui
