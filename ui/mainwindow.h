// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMainWindow>

class QLabel;
class QTreeView;

namespace Latchmail::Ui {

class AccountListModel;
class LatchStatusView;

/// Latchmail's main window: the accounts of the profile with each service's latch status, and a
/// detail pane for the selected account. Follows the accounts directory while it is open.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const QString& accountsDirectory, QWidget* parent = nullptr);
    ~MainWindow() override;

    [[nodiscard]] AccountListModel* accountModel() const { return m_model; }

private:
    void createMenus();
    QWidget* createCentralWidget();
    void handleSelectionChanged();
    void handleModelReloaded();
    void updateStatusBar();
    void showAbout();

    AccountListModel* m_model = nullptr;
    QTreeView* m_accountView = nullptr;
    LatchStatusView* m_details = nullptr;
    QLabel* m_statusLabel = nullptr;
    QString m_selectedAccountId; // kept across reloads
};

} // namespace Latchmail::Ui
