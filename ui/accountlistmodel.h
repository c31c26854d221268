// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/latchtext.h"

#include <QAbstractItemModel>
#include <QList>

class QFileSystemWatcher;
class QTimer;

namespace Latchmail::Ui {

/// The accounts of a profile as a two-level tree: one row per account file (name, address, and
/// the load error for a file that cannot be used), with one child row per service (service,
/// server, latch status). Follows the accounts directory: files that appear, change or vanish
/// are picked up without a restart.
class AccountListModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, ServerColumn, StatusColumn, ColumnCount };
    enum Role {
        AccountIdRole = Qt::UserRole + 1, // QString, on every index of an account
        LoadErrorRole,                    // QString, empty when the account loaded
        ServiceRole,                      // "imap" / "submission" on service rows
    };

    explicit AccountListModel(QString accountsDirectory, QObject* parent = nullptr);
    ~AccountListModel() override;

    [[nodiscard]] QString accountsDirectory() const { return m_directory; }
    [[nodiscard]] const QList<AccountListEntry>& entries() const { return m_entries; }
    /// The account an index belongs to (account row or service row), or null.
    [[nodiscard]] const AccountListEntry* entryAt(const QModelIndex& index) const;
    /// The account row of `accountId`, or an invalid index.
    [[nodiscard]] QModelIndex indexOfAccount(const QString& accountId) const;
    [[nodiscard]] int unreadableCount() const;

    [[nodiscard]] QModelIndex index(int row, int column,
                                    const QModelIndex& parent = {}) const override;
    [[nodiscard]] QModelIndex parent(const QModelIndex& child) const override;
    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role) const override;

public Q_SLOTS:
    /// Reads every account file again.
    void reload();

Q_SIGNALS:
    /// After every reload (the model has been reset).
    void reloaded();

private:
    [[nodiscard]] QVariant accountData(const AccountListEntry& entry, int column, int role) const;
    [[nodiscard]] QVariant serviceData(const AccountListEntry& entry, Service service, int column,
                                       int role) const;
    void updateWatchedPaths();

    QString m_directory;
    QList<AccountListEntry> m_entries;
    QFileSystemWatcher* m_watcher = nullptr;
    QTimer* m_reloadTimer = nullptr;
};

} // namespace Latchmail::Ui
