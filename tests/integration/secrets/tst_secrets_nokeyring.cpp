// SPDX-License-Identifier: GPL-3.0-or-later
// Without a session bus there is no keyring: every operation must fail with a clear message,
// and the password must not be written anywhere instead (QtKeychain's plaintext fallback stays
// off). Runs with a throwaway HOME and no desktop session.
#include "core/secrets.h"
#include "secretscan.h"

#include <QCoreApplication>
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;

namespace {

const QString kNoKeyring = QStringLiteral(
    "No system keyring is available (Secret Service over D-Bus). Latchmail stores passwords only "
    "in the keyring; start a keyring daemon and try again.");

// Every library must see the throwaway locations from its first use, so this runs before the
// application object exists. Nothing may find a desktop session to start a bus for.
void isolateEnvironment(const QString& home)
{
    qputenv("HOME", QFile::encodeName(home));
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(home + QStringLiteral("/.config")));
    qputenv("XDG_DATA_HOME", QFile::encodeName(home + QStringLiteral("/.local/share")));
    qputenv("XDG_CACHE_HOME", QFile::encodeName(home + QStringLiteral("/.cache")));
    const QString runtime = home + QStringLiteral("/run");
    QDir().mkpath(runtime);
    QFile::setPermissions(runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime));
    for (const char* name :
         {"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP",
          "DESKTOP_SESSION", "KDE_FULL_SESSION", "GNOME_KEYRING_CONTROL"}) {
        qunsetenv(name);
    }
}

} // namespace

class TestSecretsWithoutKeyring : public QObject
{
    Q_OBJECT

public:
    explicit TestSecretsWithoutKeyring(QString home)
        : m_home(std::move(home))
    {
    }

private Q_SLOTS:
    void everyOperationFailsClearly_data();
    void everyOperationFailsClearly();
    void nothingWrittenInPlaintext();

private:
    void expectNoKeyring(const SecretStore::Result& result);

    SecretStore m_store{QStringLiteral("latchmail-test")};
    QString m_home;
    QStringList m_sentinels;
};

void TestSecretsWithoutKeyring::expectNoKeyring(const SecretStore::Result& result)
{
    QVERIFY(!result.ok);
    QVERIFY(result.noKeyring);
    QVERIFY(!result.notFound);
    QVERIFY(result.secret.isEmpty());
    QVERIFY2(result.error.startsWith(kNoKeyring), qPrintable(result.error));
}

void TestSecretsWithoutKeyring::everyOperationFailsClearly_data()
{
    QTest::addColumn<QString>("busAddress"); // null: DBUS_SESSION_BUS_ADDRESS unset
    QTest::newRow("bus-address-unset") << QString();
    QTest::newRow("bus-address-unreachable")
        << QStringLiteral("unix:path=") + m_home + QStringLiteral("/no-such-bus");
}

void TestSecretsWithoutKeyring::everyOperationFailsClearly()
{
    QFETCH(QString, busAddress);
    if (busAddress.isNull()) {
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    } else {
        qputenv("DBUS_SESSION_BUS_ADDRESS", busAddress.toLocal8Bit());
    }
    const QString password =
        QStringLiteral("sentinel-no-keyring-") + QString::number(m_sentinels.size());
    m_sentinels.append(password);
    const QString account = QStringLiteral("work");

    expectNoKeyring(m_store.writePasswordSync(account, Service::MessageAccess, password));
    if (QTest::currentTestFailed()) {
        return;
    }
    expectNoKeyring(m_store.readPasswordSync(account, Service::MessageAccess));
    if (QTest::currentTestFailed()) {
        return;
    }
    expectNoKeyring(m_store.deletePasswordSync(account, Service::MessageAccess));
}

void TestSecretsWithoutKeyring::nothingWrittenInPlaintext()
{
    QVERIFY(!m_sentinels.isEmpty());
    for (const QString& secret : std::as_const(m_sentinels)) {
        QCOMPARE(TestSupport::filesContainingSecret(m_home, secret), QStringList());
    }
}

int main(int argc, char** argv)
{
    QTemporaryDir home;
    if (!home.isValid()) {
        return 1;
    }
    isolateEnvironment(home.path());
    QCoreApplication app(argc, argv);
    TestSecretsWithoutKeyring test(home.path());
    return QTest::qExec(&test, argc, argv);
}

#include "tst_secrets_nokeyring.moc"
