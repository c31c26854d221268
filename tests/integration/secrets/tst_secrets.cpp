// SPDX-License-Identifier: GPL-3.0-or-later
// Passwords in a real Secret Service (gnome-keyring-daemon on a private session bus, started by
// tests/support/with-keyring.sh): round trips, missing entries, separate entries per service,
// and no trace of the password in logs or in plaintext files.
#include "core/logging.h"
#include "core/secrets.h"
#include "secretscan.h"

#include <QDir>
#include <QLoggingCategory>
#include <QMutex>
#include <QRandomGenerator>
#include <QTest>

using namespace Latchmail;

Q_DECLARE_METATYPE(Latchmail::Service)

namespace {

QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    {
        const QMutexLocker locker(&g_logMutex);
        g_log.append(QString::fromLatin1(context.category ? context.category : "") +
                     QStringLiteral(": ") + message);
    }
    g_previousHandler(type, context, message);
}

QString sentinel(const QString& label)
{
    return QStringLiteral("sentinel-%1-%2")
        .arg(label)
        .arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
}

} // namespace

class TestSecrets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void writeReadDeleteRoundTrip_data();
    void writeReadDeleteRoundTrip();
    void readMissingIsNotFound();
    void deleteMissingSucceeds();
    void servicesAndAccountsAreSeparate();
    void overwriteReplacesPassword();
    void asyncCallbacksReport();
    void passwordNeverInLogsOrFiles();

private:
    SecretStore m_store{QStringLiteral("latchmail-test")};
    QString m_home;
    QStringList m_sentinels;
};

void TestSecrets::initTestCase()
{
    // Refuse to run against a real keyring: with-keyring.sh provides a throwaway one.
    m_home = qEnvironmentVariable("LATCHMAIL_TEST_KEYRING_HOME");
    QVERIFY2(!m_home.isEmpty() && m_home == QDir::homePath(),
             "run this test through tests/support/with-keyring.sh");
    QVERIFY(qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS"));

    QLoggingCategory::setFilterRules(QStringLiteral("latchmail.*=true"));
    g_previousHandler = qInstallMessageHandler(captureMessage);
}

void TestSecrets::cleanupTestCase()
{
    qInstallMessageHandler(g_previousHandler);
}

void TestSecrets::writeReadDeleteRoundTrip_data()
{
    QTest::addColumn<Service>("service");
    QTest::addColumn<QString>("password");
    QTest::newRow("imap-ascii") << Service::MessageAccess << sentinel(QStringLiteral("ascii"));
    QTest::newRow("submission-unicode-and-spaces")
        << Service::MessageSubmission
        << sentinel(QStringLiteral("pässwörd ✓ with spaces \"quotes\" and \\"));
}

void TestSecrets::writeReadDeleteRoundTrip()
{
    QFETCH(Service, service);
    QFETCH(QString, password);
    m_sentinels.append(password);
    const QString account = QStringLiteral("round-trip");

    const SecretStore::Result written = m_store.writePasswordSync(account, service, password);
    QVERIFY2(written.ok, qPrintable(written.error));
    QVERIFY(written.error.isEmpty());

    const SecretStore::Result read = m_store.readPasswordSync(account, service);
    QVERIFY2(read.ok, qPrintable(read.error));
    QCOMPARE(read.secret, password);
    QVERIFY(!read.notFound && !read.noKeyring);

    const SecretStore::Result deleted = m_store.deletePasswordSync(account, service);
    QVERIFY2(deleted.ok, qPrintable(deleted.error));

    const SecretStore::Result gone = m_store.readPasswordSync(account, service);
    QVERIFY(!gone.ok);
    QVERIFY(gone.notFound);
    QVERIFY(gone.secret.isEmpty());
}

void TestSecrets::readMissingIsNotFound()
{
    const SecretStore::Result result =
        m_store.readPasswordSync(QStringLiteral("never-stored"), Service::MessageAccess);
    QVERIFY(!result.ok);
    QVERIFY(result.notFound);
    QVERIFY(!result.noKeyring);
    QCOMPARE(result.error,
             QStringLiteral("No password is stored in the keyring for never-stored/imap."));
}

void TestSecrets::deleteMissingSucceeds()
{
    const SecretStore::Result result =
        m_store.deletePasswordSync(QStringLiteral("never-stored"), Service::MessageSubmission);
    // The Secret Service clears nothing without complaint; removing an account whose password
    // was never stored must not look like a keyring failure.
    QVERIFY2(result.ok, qPrintable(result.error));
    QVERIFY(!result.noKeyring && !result.notFound);
}

void TestSecrets::servicesAndAccountsAreSeparate()
{
    const QString imapPassword = sentinel(QStringLiteral("imap"));
    const QString submissionPassword = sentinel(QStringLiteral("submission"));
    const QString otherPassword = sentinel(QStringLiteral("other"));
    m_sentinels << imapPassword << submissionPassword << otherPassword;
    const QString work = QStringLiteral("work");
    const QString home = QStringLiteral("home");

    QVERIFY(m_store.writePasswordSync(work, Service::MessageAccess, imapPassword).ok);
    QVERIFY(m_store.writePasswordSync(work, Service::MessageSubmission, submissionPassword).ok);
    QVERIFY(m_store.writePasswordSync(home, Service::MessageAccess, otherPassword).ok);

    QCOMPARE(m_store.readPasswordSync(work, Service::MessageAccess).secret, imapPassword);
    QCOMPARE(m_store.readPasswordSync(work, Service::MessageSubmission).secret, submissionPassword);
    QCOMPARE(m_store.readPasswordSync(home, Service::MessageAccess).secret, otherPassword);
    QVERIFY(m_store.readPasswordSync(home, Service::MessageSubmission).notFound);

    QVERIFY(m_store.deletePasswordSync(work, Service::MessageAccess).ok);
    QVERIFY(m_store.readPasswordSync(work, Service::MessageAccess).notFound);
    QCOMPARE(m_store.readPasswordSync(work, Service::MessageSubmission).secret, submissionPassword);
    QCOMPARE(m_store.readPasswordSync(home, Service::MessageAccess).secret, otherPassword);

    // A different keyring service name is a different set of entries.
    const SecretStore otherApplication(QStringLiteral("latchmail-test-other"));
    QVERIFY(otherApplication.readPasswordSync(home, Service::MessageAccess).notFound);
}

void TestSecrets::overwriteReplacesPassword()
{
    const QString first = sentinel(QStringLiteral("first"));
    const QString second = sentinel(QStringLiteral("second"));
    m_sentinels << first << second;
    const QString account = QStringLiteral("overwrite");

    QVERIFY(m_store.writePasswordSync(account, Service::MessageAccess, first).ok);
    QVERIFY(m_store.writePasswordSync(account, Service::MessageAccess, second).ok);
    QCOMPARE(m_store.readPasswordSync(account, Service::MessageAccess).secret, second);
}

void TestSecrets::asyncCallbacksReport()
{
    const QString password = sentinel(QStringLiteral("async"));
    m_sentinels << password;
    const QString account = QStringLiteral("async");

    std::optional<SecretStore::Result> written;
    m_store.writePassword(account, Service::MessageSubmission, password,
                          [&written](const SecretStore::Result& result) { written = result; });
    QTRY_VERIFY(written.has_value());
    QVERIFY(written->ok);

    std::optional<SecretStore::Result> read;
    m_store.readPassword(account, Service::MessageSubmission,
                         [&read](const SecretStore::Result& result) { read = result; });
    QTRY_VERIFY(read.has_value());
    QCOMPARE(read->secret, password);

    std::optional<SecretStore::Result> deleted;
    m_store.deletePassword(account, Service::MessageSubmission,
                           [&deleted](const SecretStore::Result& result) { deleted = result; });
    QTRY_VERIFY(deleted.has_value());
    QVERIFY(deleted->ok);
}

void TestSecrets::passwordNeverInLogsOrFiles()
{
    // Leave one password in the keyring, so that the daemon has written it to its files.
    const QString kept = sentinel(QStringLiteral("kept"));
    m_sentinels << kept;
    QVERIFY(m_store.writePasswordSync(QStringLiteral("kept"), Service::MessageAccess, kept).ok);
    QCOMPARE(m_store.readPasswordSync(QStringLiteral("kept"), Service::MessageAccess).secret, kept);

    const QMutexLocker locker(&g_logMutex);
    // The secrets category is on, so the operations above were logged: by account and service.
    QVERIFY(!g_log.filter(QStringLiteral("latchmail.secrets: ")).isEmpty());
    for (const QString& secret : std::as_const(m_sentinels)) {
        QCOMPARE(g_log.filter(secret), QStringList());
        QCOMPARE(TestSupport::filesContainingSecret(m_home, secret), QStringList());
    }
}

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
