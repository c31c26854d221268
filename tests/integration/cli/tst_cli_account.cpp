// SPDX-License-Identifier: GPL-3.0-or-later
// latchmail-cli `account add|list|show|remove` with a real Secret Service (gnome-keyring on a
// private session bus, tests/support/with-keyring.sh): the password goes to the keyring for both
// services and nowhere else — not into any output, not into any file of the profile.
#include "clitest.h"

#include "core/secrets.h"
#include "tests/support/testcertificates.h"

#include <QJsonArray>
#include <QTemporaryDir>

#include <memory>

using namespace Latchmail;
using namespace Latchmail::CliTest;

namespace {

const QString kSentinel = QStringLiteral("S3ntinel-Pw-äöü-9c41e2");

QStringList addArgs(const QString& id, const QStringList& extra = {})
{
    return QStringList{QStringLiteral("account"),
                       QStringLiteral("add"),
                       id,
                       QStringLiteral("--email"),
                       id + QStringLiteral("@example.org"),
                       QStringLiteral("--imap"),
                       QStringLiteral("imap.example.org:993"),
                       QStringLiteral("--smtp"),
                       QStringLiteral("smtp.example.org"),
                       QStringLiteral("--password-stdin")} +
           extra;
}

QJsonObject serviceJson(const QJsonObject& shape, const char* service)
{
    return shape.value(QStringLiteral("services"))
        .toObject()
        .value(QString::fromLatin1(service))
        .toObject();
}

} // namespace

class TestCliAccount : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void roundTrip();
    void addStoresOptions_data();
    void addStoresOptions();
    void addJsonIsShowJson();
    void passwordLineEnds_data();
    void passwordLineEnds();
    void refusedPasswords_data();
    void refusedPasswords();
    void removeCorruptAccount();
    void removeUnknownAccount();

private:
    CliResult run(const QStringList& args, const QByteArray& input = {});
    void expectKeyring(const QString& id, const QString& password);
    void expectNoKeyringEntries(const QString& id);
    QString accounts() const { return m_profile->path() + QStringLiteral("/accounts"); }

    std::unique_ptr<QTemporaryDir> m_profile;
    QString m_allOutput; // everything every command printed, scanned for the password
};

void TestCliAccount::initTestCase()
{
    // Under with-keyring.sh: a private keyring, never the user's.
    QVERIFY2(!qEnvironmentVariableIsEmpty("LATCHMAIL_TEST_KEYRING_HOME"),
             "run this test through tests/support/with-keyring.sh");
}

void TestCliAccount::init()
{
    m_profile = std::make_unique<QTemporaryDir>();
    QVERIFY(m_profile->isValid());
    m_allOutput.clear();
}

void TestCliAccount::cleanup()
{
    // Every test uses the account id "work"; the next one starts without its keyring entries.
    const SecretStore store;
    for (const Service service : {Service::MessageAccess, Service::MessageSubmission}) {
        (void)store.deletePasswordSync(QStringLiteral("work"), service);
    }
}

CliResult TestCliAccount::run(const QStringList& args, const QByteArray& input)
{
    const CliResult result = runCli(m_profile->path(), args, input);
    m_allOutput += result.out + result.err;
    return result;
}

void TestCliAccount::expectKeyring(const QString& id, const QString& password)
{
    const SecretStore store;
    for (const Service service : {Service::MessageAccess, Service::MessageSubmission}) {
        const SecretStore::Result result = store.readPasswordSync(id, service);
        QVERIFY2(result.ok, qPrintable(result.error));
        QVERIFY(result.secret == password);
    }
}

void TestCliAccount::expectNoKeyringEntries(const QString& id)
{
    const SecretStore store;
    for (const Service service : {Service::MessageAccess, Service::MessageSubmission}) {
        const SecretStore::Result result = store.readPasswordSync(id, service);
        QVERIFY(!result.ok);
        QVERIFY2(result.notFound, qPrintable(result.error));
    }
}

void TestCliAccount::roundTrip()
{
    const CliResult added = run(addArgs(QStringLiteral("work")), kSentinel.toUtf8() + '\n');
    QVERIFY2(added.finished, qPrintable(added.err));
    QCOMPARE(added.exitCode, 0);
    QVERIFY2(added.out.startsWith(QStringLiteral("Added account 'work' (work@example.org)")),
             qPrintable(added.out + added.err));
    QVERIFY(added.out.contains(QStringLiteral("No security latches yet")));
    expectKeyring(QStringLiteral("work"), kSentinel);
    QVERIFY(QFileInfo::exists(accounts() + QStringLiteral("/work.json")));

    const CliResult listed = run({QStringLiteral("account"), QStringLiteral("list")});
    QCOMPARE(listed.exitCode, 0);
    QVERIFY2(listed.out.startsWith(QStringLiteral("work  work@example.org  imap.example.org:993  "
                                                  "smtp.example.org  imap: no latches yet; "
                                                  "submission: no latches yet")),
             qPrintable(listed.out));

    const CliResult shown =
        run({QStringLiteral("account"), QStringLiteral("show"), QStringLiteral("work")});
    QCOMPARE(shown.exitCode, 0);
    QVERIFY(shown.out.contains(QStringLiteral("User:          work@example.org")));
    QVERIFY(shown.out.contains(QStringLiteral("Cleartext:     refused")));

    for (const QStringList& args :
         {QStringList{QStringLiteral("--json"), QStringLiteral("account"), QStringLiteral("show"),
                      QStringLiteral("work")},
          QStringList{QStringLiteral("security"), QStringLiteral("work")},
          QStringList{QStringLiteral("--json"), QStringLiteral("security"), QStringLiteral("work")},
          QStringList{QStringLiteral("--json"), QStringLiteral("account"),
                      QStringLiteral("list")}}) {
        QCOMPARE(run(args).exitCode, 0);
    }
    QCOMPARE(filesContaining(m_profile->path(), kSentinel), QStringList());

    const CliResult removed =
        run({QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("work")});
    QCOMPARE(removed.exitCode, 0);
    QVERIFY2(removed.out.contains(QStringLiteral("only way to reset its security latches (DEEP "
                                                 "section 3.3)")),
             qPrintable(removed.out));
    QVERIFY(!QFileInfo::exists(accounts() + QStringLiteral("/work.json")));
    expectNoKeyringEntries(QStringLiteral("work"));

    const CliResult empty = run({QStringLiteral("account"), QStringLiteral("list")});
    QCOMPARE(empty.exitCode, 0);
    QVERIFY(empty.out.startsWith(QStringLiteral("No accounts in ")));

    QVERIFY2(!m_allOutput.contains(kSentinel), "the password appeared in the output");
    QCOMPARE(filesContaining(m_profile->path(), kSentinel), QStringList());
}

void TestCliAccount::addStoresOptions_data()
{
    QTest::addColumn<QString>("imapArg");
    QTest::addColumn<QString>("smtpArg");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("tls");
    QTest::addColumn<QString>("imapHost");
    QTest::addColumn<int>("imapPort");
    QTest::addColumn<QString>("smtpHost");
    QTest::addColumn<int>("smtpPort");
    QTest::addColumn<bool>("cleartext");
    QTest::addColumn<bool>("successDsn");
    QTest::addColumn<QString>("displayName");

    const QString address = QStringLiteral("work@example.org");
    QTest::newRow("defaults") << QStringLiteral("imap.example.org:993")
                              << QStringLiteral("smtp.example.org") << QStringList{} << address
                              << QStringLiteral("auto") << QStringLiteral("imap.example.org") << 993
                              << QStringLiteral("smtp.example.org") << 0 << false << true
                              << QString();
    QTest::newRow("loopback-cleartext")
        << QStringLiteral("127.0.0.1:1143") << QStringLiteral("localhost:1587")
        << QStringList{QStringLiteral("--allow-cleartext"),
                       QStringLiteral("--tls"),
                       QStringLiteral("starttls"),
                       QStringLiteral("--user"),
                       QStringLiteral("ann"),
                       QStringLiteral("--display-name"),
                       QStringLiteral("Ann Example"),
                       QStringLiteral("--no-success-dsn")}
        << QStringLiteral("ann") << QStringLiteral("starttls") << QStringLiteral("127.0.0.1")
        << 1143 << QStringLiteral("localhost") << 1587 << true << false
        << QStringLiteral("Ann Example");
    QTest::newRow("ipv6-loopback")
        << QStringLiteral("[::1]:1993") << QStringLiteral("[::1]")
        << QStringList{QStringLiteral("--allow-cleartext")} << address << QStringLiteral("auto")
        << QStringLiteral("::1") << 1993 << QStringLiteral("::1") << 0 << true << true << QString();
    QTest::newRow("host-case-folded")
        << QStringLiteral("IMAP.Example.ORG") << QStringLiteral("Smtp.Example.Org:465")
        << QStringList{QStringLiteral("--tls"), QStringLiteral("implicit")} << address
        << QStringLiteral("implicit") << QStringLiteral("imap.example.org") << 0
        << QStringLiteral("smtp.example.org") << 465 << false << true << QString();
}

void TestCliAccount::addStoresOptions()
{
    QFETCH(QString, imapArg);
    QFETCH(QString, smtpArg);
    QFETCH(QStringList, extra);
    QFETCH(QString, user);
    QFETCH(QString, tls);
    QFETCH(QString, imapHost);
    QFETCH(int, imapPort);
    QFETCH(QString, smtpHost);
    QFETCH(int, smtpPort);
    QFETCH(bool, cleartext);
    QFETCH(bool, successDsn);
    QFETCH(QString, displayName);

    const QStringList args = {QStringLiteral("account"),
                              QStringLiteral("add"),
                              QStringLiteral("work"),
                              QStringLiteral("--email"),
                              QStringLiteral("work@example.org"),
                              QStringLiteral("--imap"),
                              imapArg,
                              QStringLiteral("--smtp"),
                              smtpArg,
                              QStringLiteral("--password-stdin")};
    const CliResult added = run(args + extra, kSentinel.toUtf8() + '\n');
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));

    const QJsonObject shape = jsonOutput(run({QStringLiteral("--json"), QStringLiteral("account"),
                                              QStringLiteral("show"), QStringLiteral("work")}));
    QCOMPARE(shape.value(QStringLiteral("displayName")).toString(), displayName);
    QCOMPARE(shape.value(QStringLiteral("requestSuccessDsn")).toBool(), successDsn);
    const QJsonObject imap = serviceJson(shape, "imap");
    const QJsonObject submission = serviceJson(shape, "submission");
    QCOMPARE(imap.value(QStringLiteral("host")).toString(), imapHost);
    QCOMPARE(imap.value(QStringLiteral("port")).toInt(-1), imapPort);
    QCOMPARE(submission.value(QStringLiteral("host")).toString(), smtpHost);
    QCOMPARE(submission.value(QStringLiteral("port")).toInt(-1), smtpPort);
    for (const QJsonObject& service : {imap, submission}) {
        QCOMPARE(service.value(QStringLiteral("user")).toString(), user);
        QCOMPARE(service.value(QStringLiteral("tls")).toString(), tls);
        QCOMPARE(service.value(QStringLiteral("allowCleartext")).toBool(), cleartext);
        QVERIFY(service.value(QStringLiteral("latches")).toArray().isEmpty());
    }
    expectKeyring(QStringLiteral("work"), kSentinel);
}

void TestCliAccount::addJsonIsShowJson()
{
    const QString caFile = Test::TestCertificates::shared().caFile();
    QVERIFY2(QFileInfo::exists(caFile), qPrintable(Test::TestCertificates::shared().errorString()));

    const CliResult added = run(addArgs(QStringLiteral("work"), {QStringLiteral("--ca-file"),
                                                                 caFile, QStringLiteral("--json")}),
                                kSentinel.toUtf8() + '\n');
    QCOMPARE(added.exitCode, 0);
    const QJsonObject addShape = jsonOutput(added);
    QJsonObject showShape = jsonOutput(run({QStringLiteral("account"), QStringLiteral("show"),
                                            QStringLiteral("work"), QStringLiteral("--json")}));
    QCOMPARE(showShape.take(QStringLiteral("warnings")).toArray(), QJsonArray());
    QCOMPARE(addShape, showShape);
    QCOMPARE(serviceJson(addShape, "imap").value(QStringLiteral("caFile")).toString(),
             QFileInfo(caFile).absoluteFilePath());
    QCOMPARE(serviceJson(addShape, "submission").value(QStringLiteral("caFile")).toString(),
             QFileInfo(caFile).absoluteFilePath());

    const CliResult removed = run({QStringLiteral("--json"), QStringLiteral("account"),
                                   QStringLiteral("remove"), QStringLiteral("work")});
    QCOMPARE(removed.exitCode, 0);
    const QJsonObject removal = jsonOutput(removed);
    QCOMPARE(removal.value(QStringLiteral("removed")).toBool(), true);
    QCOMPARE(removal.value(QStringLiteral("latchesReset")).toBool(), true);
    QCOMPARE(removal.value(QStringLiteral("keyringEntriesRemoved")).toArray(),
             (QJsonArray{QStringLiteral("imap"), QStringLiteral("submission")}));
    QVERIFY(removal.value(QStringLiteral("outboxKept")).isNull());
    QVERIFY(!m_allOutput.contains(kSentinel));
}

void TestCliAccount::passwordLineEnds_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("lf") << QByteArray("pw-line one\n");
    QTest::newRow("crlf") << QByteArray("pw-line one\r\n");
    QTest::newRow("no-line-end") << QByteArray("pw-line one");
    QTest::newRow("second-line-ignored") << QByteArray("pw-line one\nsecond line\n");
}

void TestCliAccount::passwordLineEnds()
{
    QFETCH(QByteArray, input);
    const CliResult added = run(addArgs(QStringLiteral("work")), input);
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    expectKeyring(QStringLiteral("work"), QStringLiteral("pw-line one"));
    QCOMPARE(
        run({QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("work")}).exitCode,
        0);
}

void TestCliAccount::refusedPasswords_data()
{
    QTest::addColumn<bool>("passwordStdin");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty-line") << true << QByteArray("\n") << 1
                                << QStringLiteral("the password is empty");
    QTest::newRow("no-input") << true << QByteArray() << 1
                              << QStringLiteral("the password is empty");
    QTest::newRow("too-long") << true << QByteArray(5000, 'x') << 1
                              << QStringLiteral("the password is longer than 4096 bytes");
    QTest::newRow("no-password-option-no-terminal")
        << false << kSentinel.toUtf8() + '\n'
        << 2 << QStringLiteral("no password: give --password-stdin");
}

void TestCliAccount::refusedPasswords()
{
    QFETCH(bool, passwordStdin);
    QFETCH(QByteArray, input);
    QFETCH(int, exitCode);
    QFETCH(QString, message);

    QStringList args = addArgs(QStringLiteral("work"));
    if (!passwordStdin) {
        args.removeAll(QStringLiteral("--password-stdin"));
    }
    const CliResult result = run(args, input);
    QCOMPARE(result.exitCode, exitCode);
    QVERIFY2(result.err.contains(message), qPrintable(result.err));
    QVERIFY(!QFileInfo::exists(accounts() + QStringLiteral("/work.json")));
    expectNoKeyringEntries(QStringLiteral("work"));
}

void TestCliAccount::removeCorruptAccount()
{
    QCOMPARE(run(addArgs(QStringLiteral("work")), kSentinel.toUtf8() + '\n').exitCode, 0);
    QFile file(accounts() + QStringLiteral("/work.json"));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("{ damaged");
    file.close();

    const CliResult shown =
        run({QStringLiteral("account"), QStringLiteral("show"), QStringLiteral("work")});
    QCOMPARE(shown.exitCode, 1);
    QVERIFY(shown.err.contains(file.fileName()));

    // Removing is how a user recovers from a damaged file.
    const CliResult removed =
        run({QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("work")});
    QCOMPARE(removed.exitCode, 0);
    QVERIFY(!file.exists());
    expectNoKeyringEntries(QStringLiteral("work"));
}

void TestCliAccount::removeUnknownAccount()
{
    const CliResult removed =
        run({QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("nobody")});
    QCOMPARE(removed.exitCode, 1);
    QVERIFY2(removed.err.contains(QStringLiteral("no account 'nobody'")), qPrintable(removed.err));
}

QTEST_GUILESS_MAIN(TestCliAccount)
#include "tst_cli_account.moc"
