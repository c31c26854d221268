// SPDX-License-Identifier: GPL-3.0-or-later
// Account files: round trips, fail-closed loading of damaged files with precise messages, file
// modes, and crash safety of saving (a writer process killed with SIGKILL at random moments).
#include "accountfixtures.h"
#include "accountjsonedit.h"
#include "core/accountstore.h"
#include "invalidaccounts.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace Latchmail;
using Latchmail::Fixtures::edited;
using Kind = AccountStoreError::Kind;

Q_DECLARE_METATYPE(Latchmail::Account)

namespace {

constexpr QFile::Permissions kOwnerReadWrite = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions kOwnerOnlyDirectory =
    QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;

QFile::Permissions unixMode(const QString& path)
{
    // QFile reports the owner's bits twice (Owner and User); compare the Owner/Group/Other ones.
    return QFile::permissions(path) & (QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                       QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup |
                                       QFile::ReadOther | QFile::WriteOther | QFile::ExeOther);
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QByteArray fullJson()
{
    return AccountStore::toJson(Fixtures::fullAccount());
}

} // namespace

class TestAccountStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void loadRejectsInvalidContent_data();
    void loadRejectsInvalidContent();
    void loadRejectsEveryTruncation();
    void unknownTokensAreKeptWithWarning();
    void loadNamesObservationField();
    void loadKeepsNewestFailuresWithWarning();
    void loadReportsFileProblems_data();
    void loadReportsFileProblems();
    void saveCreatesPrivateFiles();
    void saveRefusesUnreadableAccount_data();
    void saveRefusesUnreadableAccount();
    void saveReportsWriteFailure();
    void removeDeletesFile();
    void accountIdsListsOnlyAccountFiles();
    void isValidAccountId_data();
    void isValidAccountId();
    void saveSurvivesSigkill();
};

void TestAccountStore::roundTrip_data()
{
    QTest::addColumn<Account>("account");

    QTest::newRow("full-account") << Fixtures::fullAccount();

    Account minimal;
    minimal.id = QStringLiteral("m");
    minimal.imap.host = QStringLiteral("localhost");
    minimal.submission.host = QStringLiteral("localhost");
    QTest::newRow("minimal-account") << minimal;

    Account hosts = Fixtures::fullAccount(QStringLiteral("hosts_1.x"));
    hosts.imap.host = QStringLiteral("::1");
    hosts.imap.port = 0;
    hosts.submission.host = QStringLiteral("mail.bücher.example");
    hosts.submission.port = 65535;
    hosts.submission.allowCleartext = true;
    hosts.latchRecordRef(Service::MessageAccess)
        .addLatches({LatchToken::Tls12}, Fixtures::utc(2026, 1, 1));
    QTest::newRow("ip-literal-idn-and-port-bounds") << hosts;

    Account failures = Fixtures::fullAccount();
    for (int i = 0; i < LatchRecord::kMaxRecentFailures; ++i) {
        failures.latchRecordRef(Service::MessageSubmission)
            .addFailure({Fixtures::utc(2026, 4, 1, 0, i),
                         {LatchToken::TlsPfs, LatchToken::Tls12},
                         QStringLiteral("line\nbreak \"quoted\" %1").arg(i)});
    }
    failures.requestSuccessDsn = false;
    QTest::newRow("maximum-failures-and-escapes") << failures;
}

void TestAccountStore::roundTrip()
{
    QFETCH(Account, account);

    const QByteArray json = AccountStore::toJson(account);
    const AccountLoadResult parsed = AccountStore::fromJson(json, QStringLiteral("memory.json"));
    QVERIFY2(!parsed.error, qPrintable(parsed.error ? parsed.error->message : QString()));
    QVERIFY(parsed.warnings.isEmpty());
    QCOMPARE(*parsed.account, account);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const AccountStore store(dir.filePath(QStringLiteral("profile/accounts")));
    const std::optional<AccountStoreError> saveError = store.save(account);
    QVERIFY2(!saveError, qPrintable(saveError ? saveError->message : QString()));
    const AccountLoadResult loaded = store.load(account.id);
    QVERIFY2(!loaded.error, qPrintable(loaded.error ? loaded.error->message : QString()));
    QCOMPARE(*loaded.account, account);

    // Serialisation is stable: what was read is written back byte for byte.
    QCOMPARE(AccountStore::toJson(*loaded.account), json);
    QCOMPARE(readFile(store.filePath(account.id)), json);
}

void TestAccountStore::loadRejectsInvalidContent_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QString>("message"); // after "<file>: "

    Fixtures::addInvalidContentRows(fullJson());
}

void TestAccountStore::loadRejectsInvalidContent()
{
    QFETCH(QByteArray, json);
    QFETCH(Kind, kind);
    QFETCH(QString, message);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const AccountStore store(dir.path());
    const QString path = store.filePath(QStringLiteral("work"));
    QVERIFY(writeFile(path, json));

    const AccountLoadResult result = store.load(QStringLiteral("work"));
    QVERIFY(!result.account);
    QVERIFY(result.error);
    QCOMPARE(result.error->message, path + QStringLiteral(": ") + message);
    QCOMPARE(result.error->kind, kind);
    QCOMPARE(result.error->filePath, path);
}

void TestAccountStore::loadRejectsEveryTruncation()
{
    const QByteArray json = fullJson();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const AccountStore store(dir.path());
    const QString path = store.filePath(QStringLiteral("work"));

    // Every cut before the closing brace leaves an incomplete document.
    const qsizetype closingBrace = json.lastIndexOf('}');
    for (qsizetype length = 0; length < closingBrace; ++length) {
        const QByteArray cut = json.left(length);
        QVERIFY(writeFile(path, cut));
        const AccountLoadResult result = store.load(QStringLiteral("work"));
        const QByteArray where = QByteArray("truncated to ") + QByteArray::number(length);
        QVERIFY2(!result.account && result.error, where.constData());
        QVERIFY2(result.error->kind == Kind::Corrupt, where.constData());
        QCOMPARE(result.error->filePath, path);

        QJsonParseError parseError;
        QJsonDocument::fromJson(cut, &parseError);
        const QString expected =
            cut.trimmed().isEmpty()
                ? QStringLiteral("the file is empty")
                : QStringLiteral("not valid JSON at byte offset %1 (").arg(parseError.offset);
        QVERIFY2(result.error->message.startsWith(path + QStringLiteral(": ") + expected),
                 QByteArray(where + ": " + result.error->message.toUtf8()).constData());
    }
}

void TestAccountStore::unknownTokensAreKeptWithWarning()
{
    const QByteArray json =
        edited(edited(fullJson(),
                      {QStringLiteral("latchRecords"), QStringLiteral("0"),
                       QStringLiteral("latches"), QStringLiteral("tls-dane-tlsa")},
                      QStringLiteral("2026-01-09T10:00:00Z")),
               {QStringLiteral("latchRecords"), QStringLiteral("1"), QStringLiteral("latches"),
                QStringLiteral("x-future2")},
               QStringLiteral("2026-01-10T10:00:00.5Z"));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const AccountStore store(dir.path());
    const QString path = store.filePath(QStringLiteral("work"));
    QVERIFY(writeFile(path, json));

    const AccountLoadResult loaded = store.load(QStringLiteral("work"));
    QVERIFY(!loaded.error);
    const QString tail = QStringLiteral(" kept as it is; this version of Latchmail cannot "
                                        "enforce it");
    QCOMPARE(loaded.warnings,
             QStringList({path +
                              QStringLiteral(": latchRecords[0].latches: unknown latch "
                                             "\"tls-dane-tlsa\"") +
                              tail,
                          path +
                              QStringLiteral(": latchRecords[1].latches: unknown latch "
                                             "\"x-future2\"") +
                              tail}));
    const LatchSet imapLatches = loaded.account->latchRecord(Service::MessageAccess).latchSet();
    QVERIFY(imapLatches.contains(QStringLiteral("tls-dane-tlsa")));
    QCOMPARE(loaded.account->latchRecord(Service::MessageSubmission)
                 .latches.value(QStringLiteral("x-future2")),
             Fixtures::utc(2026, 1, 10, 10, 0, 500));

    QVERIFY(!store.save(*loaded.account));
    const AccountLoadResult reloaded = store.load(QStringLiteral("work"));
    QVERIFY(!reloaded.error);
    QCOMPARE(*reloaded.account, *loaded.account);
    QCOMPARE(reloaded.warnings, loaded.warnings);
}

void TestAccountStore::loadNamesObservationField()
{
    // The observation's own reader checks its fields; the message still leads to the field.
    const QByteArray json = edited(fullJson(),
                                   {QStringLiteral("latchRecords"), QStringLiteral("0"),
                                    QStringLiteral("lastObservation"), QStringLiteral("keyBits")},
                                   QStringLiteral("128"));
    const QString path = QStringLiteral("/p/accounts/work.json");
    const AccountLoadResult result = AccountStore::fromJson(json, path);
    QVERIFY(!result.account);
    QVERIFY(result.error);
    QCOMPARE(result.error->kind, Kind::Invalid);
    QVERIFY2(result.error->message.startsWith(
                 path + QStringLiteral(": latchRecords[0].lastObservation.keyBits: ")),
             qPrintable(result.error->message));
}

void TestAccountStore::loadKeepsNewestFailuresWithWarning()
{
    const QString path = QStringLiteral("/p/accounts/work.json");
    QJsonArray failures;
    for (int i = 0; i < LatchRecord::kMaxRecentFailures + 3; ++i) {
        failures.append(QJsonObject{{QStringLiteral("at"), QStringLiteral("2026-01-01T00:00:00Z")},
                                    {QStringLiteral("failed"), QJsonArray{LatchToken::TlsCert}},
                                    {QStringLiteral("detail"), QString::number(i)}});
    }
    const QByteArray json = edited(
        fullJson(),
        {QStringLiteral("latchRecords"), QStringLiteral("0"), QStringLiteral("recentFailures")},
        failures);

    const AccountLoadResult result = AccountStore::fromJson(json, path);
    QVERIFY(!result.error);
    const QList<LatchFailureRecord> kept =
        result.account->latchRecord(Service::MessageAccess).recentFailures;
    QCOMPARE(kept.size(), LatchRecord::kMaxRecentFailures);
    QCOMPARE(kept.first().detail, QStringLiteral("3"));
    QCOMPARE(result.warnings,
             QStringList{path + QStringLiteral(": latchRecords[0].recentFailures: 23 failures "
                                               "recorded; only the newest 20 are kept")});
}

enum class FileSetup { Missing, MissingDirectory, Directory, DanglingSymlink, SymlinkLoop, BadId };
Q_DECLARE_METATYPE(FileSetup)

void TestAccountStore::loadReportsFileProblems_data()
{
    QTest::addColumn<FileSetup>("setup");
    QTest::addColumn<QString>("id");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QString>("message");

    QTest::newRow("missing-file") << FileSetup::Missing << QStringLiteral("work") << Kind::NotFound
                                  << QStringLiteral("no such account file");
    QTest::newRow("missing-directory") << FileSetup::MissingDirectory << QStringLiteral("work")
                                       << Kind::NotFound << QStringLiteral("no such account file");
    QTest::newRow("path-is-directory")
        << FileSetup::Directory << QStringLiteral("work") << Kind::Unreadable
        << QStringLiteral("cannot read the account file: it is a directory");
    QTest::newRow("dangling-symlink")
        << FileSetup::DanglingSymlink << QStringLiteral("work") << Kind::Unreadable
        << QStringLiteral("cannot read the account file: No such file or directory (it is a "
                          "symbolic link to ");
    QTest::newRow("symlink-loop") << FileSetup::SymlinkLoop << QStringLiteral("work")
                                  << Kind::Unreadable
                                  << QStringLiteral("cannot read the account file: ");
    QTest::newRow("invalid-id") << FileSetup::BadId << QStringLiteral("a/b") << Kind::Invalid
                                << QStringLiteral("\"a/b\" is not a valid account id");
}

void TestAccountStore::loadReportsFileProblems()
{
    QFETCH(FileSetup, setup);
    QFETCH(QString, id);
    QFETCH(Kind, kind);
    QFETCH(QString, message);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const bool inMissingDirectory = setup == FileSetup::MissingDirectory;
    const AccountStore store(inMissingDirectory ? dir.filePath(QStringLiteral("none/accounts"))
                                                : dir.path());
    const QString path = store.filePath(id);
    if (setup == FileSetup::Directory) {
        QVERIFY(QDir().mkdir(path));
    } else if (setup == FileSetup::DanglingSymlink) {
        QVERIFY(QFile::link(dir.filePath(QStringLiteral("gone.json")), path));
    } else if (setup == FileSetup::SymlinkLoop) {
        QVERIFY(QFile::link(path, path));
    }

    const AccountLoadResult result = store.load(id);
    QVERIFY(!result.account);
    QVERIFY(result.error);
    QCOMPARE(result.error->kind, kind);
    QCOMPARE(result.error->filePath, path);
    const QString prefix = path + QStringLiteral(": ") + message;
    QVERIFY2(result.error->message.startsWith(prefix), qPrintable(result.error->message));
    if (message.endsWith(u' ')) {
        QVERIFY2(result.error->message.size() > prefix.size(), "the reason must be given");
    }
}

void TestAccountStore::saveCreatesPrivateFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const AccountStore store(dir.filePath(QStringLiteral("new/profile/accounts")));
    QVERIFY(!store.save(Fixtures::fullAccount()));
    QCOMPARE(unixMode(store.directory()), kOwnerOnlyDirectory);
    QCOMPARE(unixMode(store.filePath(QStringLiteral("work"))), kOwnerReadWrite);

    // A file someone made world-readable is private again after the next save.
    const QString path = store.filePath(QStringLiteral("work"));
    QVERIFY(QFile::setPermissions(path, kOwnerReadWrite | QFile::ReadGroup | QFile::ReadOther));
    QVERIFY(!store.save(Fixtures::fullAccount()));
    QCOMPARE(unixMode(path), kOwnerReadWrite);
}

void TestAccountStore::saveRefusesUnreadableAccount_data()
{
    QTest::addColumn<Account>("account");
    QTest::addColumn<QString>("message"); // after "<file>: "

    Account badId = Fixtures::fullAccount();
    badId.id = QStringLiteral("../escape");
    QTest::newRow("invalid-id") << badId
                                << QStringLiteral("\"../escape\" is not a valid account id");

    Account noHost = Fixtures::fullAccount();
    noHost.submission.host.clear();
    QTest::newRow("empty-host") << noHost
                                << QStringLiteral("refusing to save: services.submission.host: "
                                                  "the host name is empty");

    Account badKey = Fixtures::fullAccount();
    badKey.latchRecords.insert(QStringLiteral("pop3:mail.example.org"), LatchRecord());
    QTest::newRow("unknown-record-service")
        << badKey
        << QStringLiteral("refusing to save: latchRecords[1].service: \"pop3\" is not a "
                          "service (expected \"imap\" or \"submission\")");

    Account badDate = Fixtures::fullAccount();
    badDate.latchRecordRef(Service::MessageAccess).latches.insert(LatchToken::Tls13, QDateTime());
    QTest::newRow("invalid-latch-date")
        << badDate
        << QStringLiteral("refusing to save: latchRecords[0].latches.tls13: \"\" is not an ISO "
                          "8601 date and time with a time zone (such as 2026-01-31T12:00:00Z)");
}

void TestAccountStore::saveRefusesUnreadableAccount()
{
    QFETCH(Account, account);
    QFETCH(QString, message);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const AccountStore store(dir.path());
    const QString path = store.filePath(account.id);
    const std::optional<AccountStoreError> error = store.save(account);
    QVERIFY(error);
    QCOMPARE(error->kind, Kind::Invalid);
    QCOMPARE(error->message, path + QStringLiteral(": ") + message);
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList());
}

void TestAccountStore::saveReportsWriteFailure()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // The accounts directory cannot be created where a regular file stands (also as root).
    const QString blocker = dir.filePath(QStringLiteral("profile"));
    QVERIFY(writeFile(blocker, "not a directory"));
    const AccountStore store(blocker + QStringLiteral("/accounts"));

    const std::optional<AccountStoreError> error = store.save(Fixtures::fullAccount());
    QVERIFY(error);
    QCOMPARE(error->kind, Kind::WriteFailed);
    QCOMPARE(error->message, store.filePath(QStringLiteral("work")) +
                                 QStringLiteral(": cannot create the directory ") +
                                 store.directory());
}

void TestAccountStore::removeDeletesFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const AccountStore store(dir.path());
    QVERIFY(!store.save(Fixtures::fullAccount()));
    QVERIFY(QFile::exists(store.filePath(QStringLiteral("work"))));

    QVERIFY(!store.remove(QStringLiteral("work")));
    QVERIFY(!QFile::exists(store.filePath(QStringLiteral("work"))));
    QCOMPARE(store.load(QStringLiteral("work")).error->kind, Kind::NotFound);

    const std::optional<AccountStoreError> again = store.remove(QStringLiteral("work"));
    QVERIFY(again);
    QCOMPARE(again->kind, Kind::NotFound);
}

void TestAccountStore::accountIdsListsOnlyAccountFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const AccountStore store(dir.path());
    QVERIFY(!store.save(Fixtures::fullAccount(QStringLiteral("work"))));
    QVERIFY(!store.save(Fixtures::fullAccount(QStringLiteral("home"))));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("broken.json")), "{"));
    QVERIFY(writeFile(dir.filePath(QStringLiteral(".hidden.json")), "{}"));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("bad id.json")), "{}"));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("notes.txt")), "{}"));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("work.json.a1B2c3")), "{}"));
    QVERIFY(QDir().mkdir(dir.filePath(QStringLiteral("folder.json"))));

    QCOMPARE(store.accountIds(), QStringList({QStringLiteral("broken"), QStringLiteral("home"),
                                              QStringLiteral("work")}));
    QCOMPARE(AccountStore(dir.filePath(QStringLiteral("missing"))).accountIds(), QStringList());
}

void TestAccountStore::isValidAccountId_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<bool>("valid");

    QTest::newRow("word") << QStringLiteral("work") << true;
    QTest::newRow("all-allowed-characters") << QStringLiteral("A-z_0.9") << true;
    QTest::newRow("64-characters") << QStringLiteral("a").repeated(64) << true;
    QTest::newRow("65-characters") << QStringLiteral("a").repeated(65) << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("leading-dot") << QStringLiteral(".work") << false;
    QTest::newRow("dot-dot") << QStringLiteral("..") << false;
    QTest::newRow("slash") << QStringLiteral("a/b") << false;
    QTest::newRow("space") << QStringLiteral("a b") << false;
    QTest::newRow("non-ascii-letter") << QStringLiteral("café") << false;
    QTest::newRow("colon") << QStringLiteral("a:b") << false;
}

void TestAccountStore::isValidAccountId()
{
    QFETCH(QString, id);
    QFETCH(bool, valid);
    QCOMPARE(Latchmail::isValidAccountId(id), valid);
}

void TestAccountStore::saveSurvivesSigkill()
{
    constexpr int kKills = 200;
    const QByteArray versionA = AccountStore::toJson(Fixtures::crashAccount(false));
    const QByteArray versionB = AccountStore::toJson(Fixtures::crashAccount(true));
    const QString id = QStringLiteral("crash");
    QVERIFY(versionA != versionB);

    const quint32 seed = qEnvironmentVariableIsSet("LATCHMAIL_CRASH_SEED")
                             ? qEnvironmentVariableIntValue("LATCHMAIL_CRASH_SEED")
                             : QRandomGenerator::global()->generate();
    qInfo("random seed %u (set LATCHMAIL_CRASH_SEED to repeat)", seed);
    QRandomGenerator random(seed);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const AccountStore store(dir.filePath(QStringLiteral("accounts")));
    // What QSaveFile may leave behind when killed between linking and renaming its temporary.
    const QRegularExpression saveFileTemporary(QStringLiteral("^crash\\.json\\.[A-Za-z0-9]{6}$"));
    QDeadlineTimer deadline(std::chrono::minutes(3));
    QStringList strays;
    int seenA = 0;
    int seenB = 0;
    for (int kill = 0; kill < kKills; ++kill) {
        QVERIFY2(!deadline.hasExpired(), "the crash test ran out of time");
        QProcess writer;
        writer.start(QStringLiteral(ACCOUNTSTORE_WRITER), {store.directory()});
        QVERIFY2(writer.waitForStarted(10000), qPrintable(writer.errorString()));
        while (!writer.canReadLine() && writer.state() == QProcess::Running) {
            writer.waitForReadyRead(1000);
        }
        QVERIFY2(writer.readLine() == "ready\n", writer.readAllStandardError().constData());

        QTest::qSleep(random.bounded(21)); // 0 to 20 ms into the save loop
        writer.kill();
        QVERIFY(writer.waitForFinished(10000));
        QVERIFY2(writer.exitStatus() == QProcess::CrashExit,
                 writer.readAllStandardError().constData());

        const QByteArray onDisk = readFile(store.filePath(id));
        QVERIFY2(onDisk == versionA || onDisk == versionB,
                 qPrintable(QStringLiteral("after kill %1 the file is neither version (%2 bytes)")
                                .arg(kill)
                                .arg(onDisk.size())));
        (onDisk == versionA ? seenA : seenB) += 1;
        const AccountLoadResult loaded = store.load(id);
        QVERIFY2(!loaded.error, qPrintable(loaded.error ? loaded.error->message : QString()));
        QCOMPARE(*loaded.account, Fixtures::crashAccount(onDisk == versionB));

        const QStringList entries =
            QDir(store.directory())
                .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
        for (const QString& entry : entries) {
            QVERIFY2(entry == id + QStringLiteral(".json") ||
                         saveFileTemporary.match(entry).hasMatch(),
                     qPrintable(QStringLiteral("unexpected file ") + entry));
        }
        strays = entries.filter(saveFileTemporary);
    }

    qInfo("%d kills: version A on disk %d times, version B %d times; %lld QSaveFile temporaries "
          "left behind",
          kKills, seenA, seenB, static_cast<long long>(strays.size()));
    QCOMPARE(store.accountIds(), QStringList{id});
}

QTEST_GUILESS_MAIN(TestAccountStore)
#include "tst_accountstore.moc"
