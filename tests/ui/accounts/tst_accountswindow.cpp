// SPDX-License-Identifier: GPL-3.0-or-later
// The main window on the offscreen platform: the account tree shows every account file of a
// profile written through AccountStore (latched, fresh, and corrupt), the detail pane follows the
// selection, and the window follows the accounts directory as files appear, change and vanish.
#include "core/accountstore.h"
#include "core/latch.h"
#include "ui/accountlistmodel.h"
#include "ui/latchstatusview.h"
#include "ui/mainwindow.h"

#include <QAccessible>
#include <QLabel>
#include <QMenuBar>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <memory>

using namespace Latchmail;
using namespace Latchmail::Ui;

namespace {

QDateTime at(const char* iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate);
}

Account plainAccount(const QString& id)
{
    Account account;
    account.id = id;
    account.displayName = QStringLiteral("Ann Example");
    account.address = id + QStringLiteral("@example.org");
    account.imap = ServiceSettings{QStringLiteral("imap.example.org"),
                                   993,
                                   TlsMode::Implicit,
                                   account.address,
                                   false,
                                   QString()};
    account.submission = ServiceSettings{QStringLiteral("smtp.example.org"),
                                         0,
                                         TlsMode::StartTls,
                                         account.address,
                                         false,
                                         QString()};
    return account;
}

TlsObservation tls13Observation()
{
    TlsObservation observation;
    observation.transport = TransportSecurity::ImplicitTls;
    observation.protocol = TlsVersion::Tls13;
    observation.cipherIana = QStringLiteral("TLS_AES_256_GCM_SHA384");
    observation.cipherOpenSsl = QStringLiteral("TLS_AES_256_GCM_SHA384");
    observation.keyBits = 256;
    observation.forwardSecrecy = true;
    observation.certificateVerified = true;
    observation.chain.append(CertificateInfo{
        QStringLiteral("CN=imap.example.org"), QStringLiteral("CN=Example Test CA"),
        at("2024-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"),
        QStringLiteral("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                       "AB:CD:EF:01:23:45:67:89")});
    observation.observedAt = at("2024-05-02T08:30:00Z");
    return observation;
}

// IMAP latched by a TLS 1.3 connection with a verified certificate, and one earlier failure.
Account latchedAccount(const QString& id)
{
    Account account = plainAccount(id);
    LatchRecord& record = account.latchRecordRef(Service::MessageAccess);
    record.addLatches(LatchSet{LatchToken::Tls10, LatchToken::Tls11, LatchToken::Tls12,
                               LatchToken::Tls13, LatchToken::TlsCert, LatchToken::TlsNoMd5,
                               LatchToken::TlsNoRc4, LatchToken::TlsPfs},
                      at("2024-05-01T10:00:00Z"));
    record.lastObservation = tls13Observation();
    record.hasObservation = true;
    record.addFailure(LatchFailureRecord{at("2024-05-01T12:00:00Z"), LatchSet{LatchToken::TlsCert},
                                         QStringLiteral("certificate expired")});
    return account;
}

} // namespace

class TestAccountsWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void listsEveryAccount();
    void serviceStatus_data();
    void serviceStatus();
    void corruptFileShownWithError();
    void selectingFillsDetails();
    void followsAccountsDirectory();
    void followsDirectoryCreatedLater();
    void windowChrome();
    void screenshot();

private:
    QString accounts() const { return m_profile->path() + QStringLiteral("/accounts"); }
    bool save(const Account& account) const
    {
        return !AccountStore(accounts()).save(account).has_value();
    }
    QString writeCorruptFile(const QString& id) const;

    std::unique_ptr<QTemporaryDir> m_profile;
};

void TestAccountsWindow::init()
{
    m_profile = std::make_unique<QTemporaryDir>();
    QVERIFY(m_profile->isValid());
    QVERIFY(save(latchedAccount(QStringLiteral("work"))));
    QVERIFY(save(plainAccount(QStringLiteral("home"))));
    writeCorruptFile(QStringLiteral("broken"));
}

QString TestAccountsWindow::writeCorruptFile(const QString& id) const
{
    QFile file(accounts() + QLatin1Char('/') + id + QStringLiteral(".json"));
    if (file.open(QIODevice::WriteOnly)) {
        file.write("{\"schemaVersion\": 1, \"id\": ");
    }
    return file.fileName();
}

void TestAccountsWindow::listsEveryAccount()
{
    const AccountListModel model(accounts());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), 3);
    QStringList ids;
    for (int row = 0; row < model.rowCount(); ++row) {
        ids << model.index(row, AccountListModel::NameColumn).data().toString();
    }
    QCOMPARE(ids, (QStringList{QStringLiteral("broken"), QStringLiteral("home"),
                               QStringLiteral("work")}));

    const QModelIndex work = model.indexOfAccount(QStringLiteral("work"));
    QCOMPARE(model.index(work.row(), AccountListModel::ServerColumn).data().toString(),
             QStringLiteral("work@example.org"));
    QCOMPARE(model.rowCount(work), 2);
    QCOMPARE(model.index(0, AccountListModel::NameColumn, work).data().toString(),
             QStringLiteral("Message access (IMAP)"));
    QCOMPARE(model.index(0, AccountListModel::ServerColumn, work).data().toString(),
             QStringLiteral("imap.example.org:993"));
    QCOMPARE(model.index(1, AccountListModel::ServerColumn, work).data().toString(),
             QStringLiteral("smtp.example.org"));
    QCOMPARE(model.parent(model.index(1, 0, work)), work);
    QCOMPARE(model.unreadableCount(), 1);
}

void TestAccountsWindow::serviceStatus_data()
{
    QTest::addColumn<Account>("account");
    QTest::addColumn<int>("serviceRow");
    QTest::addColumn<QString>("status");

    QTest::newRow("tls13-verified-pfs") << latchedAccount(QStringLiteral("a")) << 0
                                        << QStringLiteral("TLS 1.3 · verified certificate · "
                                                          "forward secrecy");
    QTest::newRow("first-connection-pending") << latchedAccount(QStringLiteral("a")) << 1
                                              << QStringLiteral("no latches yet — first "
                                                                "connection pending");

    Account unverified = plainAccount(QStringLiteral("a"));
    unverified.latchRecordRef(Service::MessageSubmission)
        .addLatches(LatchSet{LatchToken::Tls10, LatchToken::Tls11, LatchToken::Tls12},
                    at("2024-05-01T10:00:00Z"));
    QTest::newRow("tls12-unverified")
        << unverified << 1 << QStringLiteral("TLS 1.2 · identity not verified");

    Account newer = latchedAccount(QStringLiteral("a"));
    newer.latchRecordRef(Service::MessageAccess)
        .addLatches(LatchSet{QStringLiteral("tls-quantum")}, at("2024-05-03T09:00:00Z"));
    QTest::newRow("unknown-token")
        << newer << 0
        << QStringLiteral("TLS 1.3 · verified certificate · forward secrecy · 1 latch from a "
                          "newer version — connections refused");

    Account refused = latchedAccount(QStringLiteral("a"));
    const QDateTime refusedAt = at("2024-06-01T07:00:00Z");
    refused.latchRecordRef(Service::MessageAccess)
        .addFailure(LatchFailureRecord{refusedAt, LatchSet{LatchToken::TlsPfs}, QString()});
    QTest::newRow("refused-since-last-connection")
        << refused << 0
        << QStringLiteral("refused %1 (tls-pfs) · TLS 1.3 · verified certificate · forward "
                          "secrecy")
               .arg(refusedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
}

void TestAccountsWindow::serviceStatus()
{
    QFETCH(Account, account);
    QFETCH(int, serviceRow);
    QFETCH(QString, status);

    QTemporaryDir directory;
    QVERIFY(!AccountStore(directory.path()).save(account).has_value());
    const AccountListModel model(directory.path());
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex service =
        model.index(serviceRow, AccountListModel::StatusColumn, model.index(0, 0));
    QCOMPARE(service.data().toString(), status);
    QCOMPARE(service.data(AccountListModel::AccountIdRole).toString(), QStringLiteral("a"));
}

void TestAccountsWindow::corruptFileShownWithError()
{
    const AccountListModel model(accounts());
    const QModelIndex broken = model.indexOfAccount(QStringLiteral("broken"));
    QVERIFY(broken.isValid());
    QCOMPARE(model.rowCount(broken), 0); // no service rows for a file that does not load

    const QString file = accounts() + QStringLiteral("/broken.json");
    const QModelIndex status = model.index(broken.row(), AccountListModel::StatusColumn);
    QVERIFY2(status.data().toString().contains(file), qPrintable(status.data().toString()));
    QCOMPARE(status.data(AccountListModel::LoadErrorRole).toString(), status.data().toString());
    const QColor color = status.data(Qt::ForegroundRole).value<QBrush>().color();
    QVERIFY2(color.red() > 150 && color.green() < 50 && color.blue() < 80,
             qPrintable(color.name())); // shown in red
}

void TestAccountsWindow::selectingFillsDetails()
{
    MainWindow window(accounts());
    auto* view = window.findChild<QTreeView*>(QStringLiteral("accountList"));
    auto* details = window.findChild<LatchStatusView*>(QStringLiteral("latchStatusView"));
    QVERIFY(view && details);
    AccountListModel* model = window.accountModel();

    view->setCurrentIndex(model->indexOfAccount(QStringLiteral("home")));
    QVERIFY(details->toPlainText().contains(QStringLiteral("<home@example.org>")));
    QVERIFY(details->toPlainText().contains(QStringLiteral("No latches yet")));

    view->setCurrentIndex(model->index(0, 0, model->indexOfAccount(QStringLiteral("work"))));
    const QString text = details->toPlainText();
    const QString latchedAt =
        at("2024-05-01T10:00:00Z").toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    for (const QString& part :
         {QStringLiteral("<work@example.org>"), QStringLiteral("tls-cert"), latchedAt,
          QStringLiteral("a verified certificate for this host name"), QStringLiteral("TLSv1.3"),
          QStringLiteral("TLS_AES_256_GCM_SHA384"), QStringLiteral("CN=Example Test CA"),
          QStringLiteral("AB:CD:EF:01"), QStringLiteral("certificate expired"),
          QStringLiteral("Message submission (SMTP)")}) {
        QVERIFY2(text.contains(part), qPrintable(part + QStringLiteral(" missing in\n") + text));
    }

    view->setCurrentIndex(model->indexOfAccount(QStringLiteral("broken")));
    QVERIFY(details->toPlainText().contains(accounts() + QStringLiteral("/broken.json")));
    QVERIFY(details->toPlainText().contains(QStringLiteral("cannot connect")));
}

void TestAccountsWindow::followsAccountsDirectory()
{
    MainWindow window(accounts());
    AccountListModel* model = window.accountModel();
    auto* status = window.findChild<QLabel*>(QStringLiteral("statusLabel"));
    QVERIFY(status);
    QCOMPARE(model->rowCount(), 3);
    QVERIFY(status->text().startsWith(QStringLiteral("3 accounts · 1 cannot be loaded")));

    QVERIFY(save(latchedAccount(QStringLiteral("new"))));
    QTRY_COMPARE(model->rowCount(), 4);
    QVERIFY(model->indexOfAccount(QStringLiteral("new")).isValid());
    QTRY_VERIFY(status->text().startsWith(QStringLiteral("4 accounts")));

    // Repairing the broken file (an atomic save over it) clears its error.
    QVERIFY(save(plainAccount(QStringLiteral("broken"))));
    QTRY_COMPARE(model->unreadableCount(), 0);
    QCOMPARE(model->rowCount(model->indexOfAccount(QStringLiteral("broken"))), 2);

    // Damaging a file in place is noticed too.
    writeCorruptFile(QStringLiteral("home"));
    QTRY_COMPARE(model->unreadableCount(), 1);

    QVERIFY(QFile::remove(accounts() + QStringLiteral("/new.json")));
    QTRY_COMPARE(model->rowCount(), 3);
}

void TestAccountsWindow::followsDirectoryCreatedLater()
{
    QTemporaryDir profile;
    const QString directory = profile.path() + QStringLiteral("/config/accounts");
    MainWindow window(directory);
    auto* details = window.findChild<LatchStatusView*>(QStringLiteral("latchStatusView"));
    QCOMPARE(window.accountModel()->rowCount(), 0);
    QVERIFY(details->toPlainText().contains(QStringLiteral("No accounts yet")));

    QVERIFY(!AccountStore(directory).save(plainAccount(QStringLiteral("first"))).has_value());
    QTRY_COMPARE(window.accountModel()->rowCount(), 1);
    QTRY_VERIFY(details->toPlainText().contains(QStringLiteral("first@example.org")));
}

void TestAccountsWindow::windowChrome()
{
    MainWindow window(accounts());
    QVERIFY(window.windowTitle().contains(QStringLiteral("Latchmail")));

    QStringList menus;
    for (const QAction* action : window.menuBar()->actions()) {
        menus << action->text();
    }
    QCOMPARE(menus, (QStringList{QStringLiteral("&File"), QStringLiteral("&Help")}));
    QVERIFY(window.findChild<QAction*>(QStringLiteral("quitAction")));
    QVERIFY(window.findChild<QAction*>(QStringLiteral("aboutAction")));

    for (const char* name : {"accountList", "latchStatusView", "statusLabel"}) {
        const auto* widget = window.findChild<QWidget*>(QString::fromLatin1(name));
        QVERIFY2(widget, name);
        QVERIFY2(!widget->accessibleName().isEmpty(), name);
    }

    // Quit closes the window.
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.findChild<QAction*>(QStringLiteral("quitAction"))->trigger();
    QVERIFY(!window.isVisible());
}

void TestAccountsWindow::screenshot()
{
    MainWindow window(accounts());
    auto* view = window.findChild<QTreeView*>(QStringLiteral("accountList"));
    view->setCurrentIndex(window.accountModel()->indexOfAccount(QStringLiteral("work")));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    const QString directory = qEnvironmentVariable("LATCHMAIL_TEST_RUN_DIR", QDir::tempPath()) +
                              QStringLiteral("/ui-accounts");
    QVERIFY(QDir().mkpath(directory));
    const QString file = directory + QStringLiteral("/mainwindow.png");
    QVERIFY(window.grab().save(file));
    const QImage image(file);
    QCOMPARE(image.size(), window.size());
    qInfo() << "main window screenshot:" << file;
}

QTEST_MAIN(TestAccountsWindow)
#include "tst_accountswindow.moc"
