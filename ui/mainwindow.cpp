// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/mainwindow.h"

#include "ui/accountlistmodel.h"
#include "ui/latchstatusview.h"

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTreeView>

namespace Latchmail::Ui {

MainWindow::MainWindow(const QString& accountsDirectory, QWidget* parent)
    : QMainWindow(parent)
    , m_model(new AccountListModel(accountsDirectory, this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Latchmail"));
    setAccessibleName(QStringLiteral("Latchmail"));
    resize(1040, 720);

    createMenus();
    setCentralWidget(createCentralWidget());
    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    m_statusLabel->setAccessibleName(QStringLiteral("Status"));
    statusBar()->addWidget(m_statusLabel, 1);

    connect(m_model, &AccountListModel::reloaded, this, &MainWindow::handleModelReloaded);
    handleModelReloaded();
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(QStringLiteral("&File"));
    file->setObjectName(QStringLiteral("fileMenu"));
    QAction* quit = file->addAction(QStringLiteral("&Quit"), this, [this] { close(); });
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu* help = menuBar()->addMenu(QStringLiteral("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    QAction* about =
        help->addAction(QStringLiteral("&About Latchmail"), this, &MainWindow::showAbout);
    about->setObjectName(QStringLiteral("aboutAction"));
    about->setMenuRole(QAction::AboutRole);
}

QWidget* MainWindow::createCentralWidget()
{
    m_accountView = new QTreeView;
    m_accountView->setObjectName(QStringLiteral("accountList"));
    m_accountView->setAccessibleName(QStringLiteral("Accounts"));
    m_accountView->setAccessibleDescription(
        QStringLiteral("Accounts of the profile with the security latch status of each server"));
    m_accountView->setModel(m_model);
    m_accountView->setUniformRowHeights(true);
    m_accountView->setAlternatingRowColors(true);
    m_accountView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_accountView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_accountView->header()->setStretchLastSection(true);
    m_accountView->setColumnWidth(AccountListModel::NameColumn, 240);
    m_accountView->setColumnWidth(AccountListModel::ServerColumn, 260);
    connect(m_accountView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::handleSelectionChanged);

    m_details = new LatchStatusView;

    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->addWidget(m_accountView);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);
    return splitter;
}

void MainWindow::handleSelectionChanged()
{
    const AccountListEntry* entry = m_model->entryAt(m_accountView->currentIndex());
    if (entry == nullptr) {
        if (m_model->entries().isEmpty()) {
            m_details->showAccount(nullptr, m_model->accountsDirectory());
        } else {
            m_details->showNoSelection();
        }
        return;
    }
    m_selectedAccountId = entry->id;
    m_details->showAccount(entry, m_model->accountsDirectory());
}

void MainWindow::handleModelReloaded()
{
    m_accountView->expandAll();

    QModelIndex current = m_model->indexOfAccount(m_selectedAccountId);
    if (!current.isValid() && m_model->rowCount() > 0) {
        current = m_model->index(0, AccountListModel::NameColumn);
    }
    m_accountView->setCurrentIndex(current);
    handleSelectionChanged();
    updateStatusBar();
}

void MainWindow::updateStatusBar()
{
    const qsizetype total = m_model->entries().size();
    QString text =
        total == 1 ? QStringLiteral("1 account") : QStringLiteral("%1 accounts").arg(total);
    if (const int unreadable = m_model->unreadableCount(); unreadable > 0) {
        text += QStringLiteral(" · %1 cannot be loaded").arg(unreadable);
    }
    m_statusLabel->setText(text + QStringLiteral(" · ") + m_model->accountsDirectory());
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, QStringLiteral("About Latchmail"),
        QStringLiteral("<h3>Latchmail</h3><p>A mail client that remembers the security each "
                       "server has shown (DEEP security latches) and refuses to connect when it "
                       "disappears.</p><p>Licensed under the GNU GPL version 3 or later.</p>"));
}

} // namespace Latchmail::Ui
