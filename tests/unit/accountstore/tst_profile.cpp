// SPDX-License-Identifier: GPL-3.0-or-later
// Profile locations: explicit root, LATCHMAIL_PROFILE, and the XDG defaults.
#include "core/profile.h"

#include <QDir>
#include <QTest>

#include <optional>

using namespace Latchmail;

class TestProfile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void resolve_data();
    void resolve();

private:
    QList<std::pair<const char*, std::optional<QByteArray>>> m_saved;
};

namespace {

// A null value unsets the variable.
void setEnvironment(const char* name, const QString& value)
{
    if (value.isNull()) {
        qunsetenv(name);
    } else {
        qputenv(name, value.toLocal8Bit());
    }
}

} // namespace

void TestProfile::init()
{
    m_saved.clear();
    for (const char* name : {"LATCHMAIL_PROFILE", "XDG_CONFIG_HOME", "XDG_DATA_HOME"}) {
        m_saved.append({name, qEnvironmentVariableIsSet(name)
                                  ? std::optional<QByteArray>(qgetenv(name))
                                  : std::nullopt});
    }
}

void TestProfile::cleanup()
{
    for (const auto& [name, value] : m_saved) {
        if (value) {
            qputenv(name, *value);
        } else {
            qunsetenv(name);
        }
    }
}

void TestProfile::resolve_data()
{
    QTest::addColumn<QString>("explicitRoot");
    QTest::addColumn<QString>("environment"); // LATCHMAIL_PROFILE; null: unset
    QTest::addColumn<QString>("accounts");    // "@" stands for the current directory
    QTest::addColumn<QString>("data");

    const QString xdgAccounts = QStringLiteral("/xdg/config/latchmail/accounts");
    const QString xdgData = QStringLiteral("/xdg/data/latchmail");
    QTest::newRow("explicit-root") << QStringLiteral("/p") << QString()
                                   << QStringLiteral("/p/accounts") << QStringLiteral("/p/data");
    QTest::newRow("environment-root")
        << QString() << QStringLiteral("/env/profile") << QStringLiteral("/env/profile/accounts")
        << QStringLiteral("/env/profile/data");
    QTest::newRow("explicit-wins-over-environment")
        << QStringLiteral("/p") << QStringLiteral("/env/profile") << QStringLiteral("/p/accounts")
        << QStringLiteral("/p/data");
    QTest::newRow("relative-root")
        << QStringLiteral("rel/p") << QString() << QStringLiteral("@/rel/p/accounts")
        << QStringLiteral("@/rel/p/data");
    QTest::newRow("root-cleaned") << QStringLiteral("/a/b/../c/") << QString()
                                  << QStringLiteral("/a/c/accounts") << QStringLiteral("/a/c/data");
    QTest::newRow("xdg-defaults") << QString() << QString() << xdgAccounts << xdgData;
    QTest::newRow("empty-environment-means-default")
        << QString() << QStringLiteral("") << xdgAccounts << xdgData;
}

void TestProfile::resolve()
{
    QFETCH(QString, explicitRoot);
    QFETCH(QString, environment);
    QFETCH(QString, accounts);
    QFETCH(QString, data);

    setEnvironment("LATCHMAIL_PROFILE", environment);
    setEnvironment("XDG_CONFIG_HOME", QStringLiteral("/xdg/config"));
    setEnvironment("XDG_DATA_HOME", QStringLiteral("/xdg/data"));
    accounts.replace(u'@', QDir::currentPath());
    data.replace(u'@', QDir::currentPath());

    const Profile profile = Profile::resolve(explicitRoot);
    QCOMPARE(profile.accountsDirectory(), accounts);
    QCOMPARE(profile.dataDirectory(), data);
    QCOMPARE(profile.cacheFile(QStringLiteral("work")),
             data + QStringLiteral("/cache/work.sqlite"));
    QCOMPARE(profile.outboxDirectory(QStringLiteral("work")),
             data + QStringLiteral("/outbox/work"));
    QCOMPARE(profile.connectionLogFile(), data + QStringLiteral("/connections.log"));
}

QTEST_GUILESS_MAIN(TestProfile)
#include "tst_profile.moc"
