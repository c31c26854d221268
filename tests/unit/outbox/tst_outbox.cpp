// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox on disk: sidecar round trips and rejection of damaged sidecars, the retry
// schedule, the lock, repair of everything a crash can leave behind, and a writer process killed
// with SIGKILL at random moments.
#include "outboxfixtures.h"
#include "submission/outbox.h"
#include "submission/outboxretry.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Latchmail;

Q_DECLARE_METATYPE(Latchmail::OutboxState)

namespace {

const QDateTime kNow = QDateTime(QDate(2024, 5, 1), QTime(12, 0), Qt::UTC);

OutboxEntry sampleEntry(OutboxState state)
{
    OutboxEntry entry;
    entry.id = QStringLiteral("20240501T120000000-0a1b2c3d");
    entry.envelopeId = QStringLiteral("5d1e2f00-1111-4222-8333-944455556666");
    entry.messageId = QStringLiteral("abc@example.test");
    entry.subject = QStringLiteral("Grüße");
    entry.reversePath = QStringLiteral("alice@example.test");
    entry.recipients = {
        {QStringLiteral("bob@example.test"), RecipientStatus::Accepted, {}},
        {QStringLiteral("carol@example.test"), RecipientStatus::Refused,
         QStringLiteral("no such user")},
        {QStringLiteral("dave@example.test"), RecipientStatus::Pending,
         QStringLiteral("mailbox busy")},
    };
    entry.size = 123456;
    entry.needs8BitMime = true;
    entry.queuedAt = kNow;
    entry.state = state;
    entry.attempts = 3;
    entry.nextAttemptAt = kNow.addSecs(240);
    entry.lastError = QStringLiteral("the server said 451");
    entry.lastErrorAt = kNow.addSecs(-5);
    entry.acceptedAt = kNow.addSecs(10);
    entry.dsnRequested = true;
    entry.sentCopy = {true, true, QStringLiteral("Sent"), 1714564800, 42, {}};
    return entry;
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

Outbox::MessageWriter writerFor(const QByteArray& content, const QString& recipient)
{
    return [content, recipient](QIODevice* device, OutboxEntry* entry, QString*) {
        entry->reversePath = QStringLiteral("alice@example.test");
        entry->recipients = {{recipient, RecipientStatus::Pending, {}}};
        entry->subject = QStringLiteral("test");
        return device->write(content) == content.size();
    };
}

// Writes the sidecar of `entry` (and its message file when `withMessage`) without the Outbox.
bool plant(const QString& directory, const OutboxEntry& entry, bool withMessage)
{
    const QString stem = directory + QLatin1Char('/') + entry.id;
    return writeFile(stem + QStringLiteral(".json"), QJsonDocument(entry.toJson()).toJson()) &&
           (!withMessage || writeFile(stem + QStringLiteral(".eml"), "Subject: x\r\n\r\nbody\r\n"));
}

// QFile reports the owner's bits twice (Owner and User); compare the Owner/Group/Other ones.
QFile::Permissions unixMode(const QString& path)
{
    return QFile::permissions(path) & (QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                       QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup |
                                       QFile::ReadOther | QFile::WriteOther | QFile::ExeOther);
}

QStringList fileNames(const QString& directory)
{
    return QDir(directory).entryList(QDir::Files | QDir::Hidden, QDir::Name);
}

} // namespace

class TestOutbox : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void entryRoundTrip_data();
    void entryRoundTrip();
    void entryRejected_data();
    void entryRejected();
    void retryDelay_data();
    void retryDelay();
    void givesUpAfterFiveDays();
    void enqueueWritesBothFiles();
    void changesNeedTheLock();
    void lockIsExclusive();
    void ownerlessLockIsTakenOver();
    void recoverRepairs_data();
    void recoverRepairs();
    void damagedSidecarIsReportedAndKept();
    void writerKilledAtRandomMoments();
};

void TestOutbox::entryRoundTrip_data()
{
    QTest::addColumn<OutboxState>("state");
    QTest::newRow("queued") << OutboxState::Queued;
    QTest::newRow("sending") << OutboxState::Sending;
    QTest::newRow("retrying") << OutboxState::Retrying;
    QTest::newRow("held-for-security") << OutboxState::HeldForSecurity;
    QTest::newRow("failed") << OutboxState::Failed;
    QTest::newRow("sent-awaiting-copy") << OutboxState::SentAwaitingCopy;
}

void TestOutbox::entryRoundTrip()
{
    QFETCH(OutboxState, state);
    const OutboxEntry entry = sampleEntry(state);

    const QByteArray json = QJsonDocument(entry.toJson()).toJson();
    OutboxEntry read;
    QString error;
    QVERIFY2(OutboxEntry::fromJson(QJsonDocument::fromJson(json).object(), &read, &error),
             qPrintable(error));
    QCOMPARE(read, entry);

    OutboxState named = OutboxState::Queued;
    QVERIFY(outboxStateFromName(outboxStateName(state), &named));
    QCOMPARE(named, state);
}

void TestOutbox::entryRejected_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("expectedError");

    const QJsonValue missing = QJsonValue(QJsonValue::Undefined);
    QTest::newRow("missing-id") << "id" << missing << "id must be a string";
    QTest::newRow("id-with-slash")
        << "id" << QJsonValue(QStringLiteral("../etc")) << "id must be 1 to 64 letters";
    QTest::newRow("unknown-state") << "state" << QJsonValue(QStringLiteral("lost"))
                                   << "state must be one of the outbox states";
    QTest::newRow("negative-attempts")
        << "attempts" << QJsonValue(-1) << "attempts must be a whole number";
    QTest::newRow("fractional-size") << "size" << QJsonValue(1.5) << "size must be a whole number";
    QTest::newRow("time-not-iso") << "queuedAt" << QJsonValue(QStringLiteral("yesterday"))
                                  << "queuedAt must be an ISO 8601 time";
    QTest::newRow("recipients-not-array")
        << "recipients" << QJsonValue(7) << "recipients must be an array";
    QTest::newRow("recipient-status-unknown")
        << "recipients"
        << QJsonValue(QJsonArray{QJsonObject{{QStringLiteral("address"), QStringLiteral("b@x")},
                                             {QStringLiteral("status"), QStringLiteral("maybe")}}})
        << "recipients[0].status must be pending, accepted or refused";
    QTest::newRow("copy-uid-too-large")
        << "sentCopy"
        << QJsonValue(QJsonObject{{QStringLiteral("started"), true},
                                  {QStringLiteral("done"), true},
                                  {QStringLiteral("uidValidity"), 1},
                                  {QStringLiteral("uid"), 1e12}})
        << "sentCopy.uid must be a whole number";
    QTest::newRow("newer-version") << "version" << QJsonValue(2) << "version 2 is not supported";
}

void TestOutbox::entryRejected()
{
    QFETCH(QString, field);
    QFETCH(QJsonValue, value);
    QFETCH(QString, expectedError);

    QJsonObject json = sampleEntry(OutboxState::Queued).toJson();
    if (value.isUndefined()) {
        json.remove(field);
    } else {
        json.insert(field, value);
    }
    OutboxEntry read;
    QString error;
    QVERIFY(!OutboxEntry::fromJson(json, &read, &error));
    QVERIFY2(error.startsWith(expectedError), qPrintable(error));
}

void TestOutbox::retryDelay_data()
{
    QTest::addColumn<int>("attempts");
    QTest::addColumn<qint64>("expectedSeconds");
    QTest::newRow("first-retry") << 1 << qint64(60);
    QTest::newRow("second-doubles") << 2 << qint64(120);
    QTest::newRow("fourth") << 4 << qint64(480);
    QTest::newRow("sixth") << 6 << qint64(1920);
    QTest::newRow("seventh-capped") << 7 << qint64(3600);
    QTest::newRow("many-stay-capped") << 100000 << qint64(3600);
}

void TestOutbox::retryDelay()
{
    QFETCH(int, attempts);
    QFETCH(qint64, expectedSeconds);
    const OutboxRetryPolicy policy;
    QCOMPARE(policy.delaySeconds(attempts), expectedSeconds);
    QCOMPARE(policy.nextAttempt(attempts, kNow), kNow.addSecs(expectedSeconds));
}

void TestOutbox::givesUpAfterFiveDays()
{
    const OutboxRetryPolicy policy;
    QVERIFY(!policy.shouldGiveUp(kNow, kNow.addDays(4)));
    QVERIFY(policy.shouldGiveUp(kNow, kNow.addDays(5)));
    QVERIFY(!policy.shouldGiveUp(QDateTime(), kNow));
}

void TestOutbox::enqueueWritesBothFiles()
{
    QTemporaryDir root;
    const QString directory = root.filePath(QStringLiteral("outbox/alice"));
    Outbox outbox(directory);
    QString error;
    QVERIFY2(outbox.lock(0, &error), qPrintable(error));

    const QByteArray first = OutboxFixtures::messageContent(QStringLiteral("first"), 5000);
    const QByteArray second = OutboxFixtures::messageContent(QStringLiteral("second"), 100);
    const auto a =
        outbox.enqueue(writerFor(first, QStringLiteral("bob@example.test")), kNow, &error);
    QVERIFY2(a, qPrintable(error));
    const auto b = outbox.enqueue(writerFor(second, QStringLiteral("carol@example.test")),
                                  kNow.addMSecs(1), &error);
    QVERIFY2(b, qPrintable(error));

    QCOMPARE(a->state, OutboxState::Queued);
    QCOMPARE(a->size, first.size());
    QVERIFY(a->envelopeId != b->envelopeId);
    QCOMPARE(readFile(outbox.messageFilePath(a->id)), first);
    QCOMPARE(readFile(outbox.messageFilePath(b->id)), second);
    QCOMPARE(unixMode(outbox.messageFilePath(a->id)), QFile::ReadOwner | QFile::WriteOwner);
    QCOMPARE(unixMode(outbox.entryFilePath(a->id)), QFile::ReadOwner | QFile::WriteOwner);
    QCOMPARE(unixMode(directory), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    const OutboxListing listing = outbox.list();
    QVERIFY(listing.problems.isEmpty());
    QCOMPARE(listing.entries.size(), 2);
    QCOMPARE(listing.entries.at(0), *a);
    QCOMPARE(listing.entries.at(1).recipients.first().address,
             QStringLiteral("carol@example.test"));

    QVERIFY2(outbox.remove(a->id, &error), qPrintable(error));
    QCOMPARE(outbox.list().entries.size(), 1);
    QVERIFY(!QFile::exists(outbox.messageFilePath(a->id)));
}

void TestOutbox::changesNeedTheLock()
{
    QTemporaryDir root;
    Outbox outbox(root.path());
    QString error;

    QVERIFY(!outbox.enqueue(writerFor("x", QStringLiteral("b@example.test")), kNow, &error));
    QVERIFY2(error.contains(QLatin1String("must be locked")), qPrintable(error));
    error.clear();
    QVERIFY(!outbox.save(sampleEntry(OutboxState::Queued), &error));
    QVERIFY2(error.contains(QLatin1String("must be locked")), qPrintable(error));
    QVERIFY(fileNames(root.path()).isEmpty());
}

void TestOutbox::lockIsExclusive()
{
    QTemporaryDir root;
    Outbox first(root.path());
    Outbox second(root.path());
    QString error;
    QVERIFY2(first.lock(0, &error), qPrintable(error));
    QVERIFY(!second.lock(50, &error));
    QVERIFY2(error.contains(QLatin1String("in use by another Latchmail process")),
             qPrintable(error));
    first.unlock();
    QVERIFY2(second.lock(0, &error), qPrintable(error));
}

// A process killed between QLockFile's creating the lock file and writing its owner into it
// leaves an empty file that Qt alone would honour for the whole stale time (hours).
void TestOutbox::ownerlessLockIsTakenOver()
{
    QTemporaryDir root;
    QFile empty(root.filePath(QStringLiteral(".lock")));
    QVERIFY(empty.open(QIODevice::WriteOnly));
    empty.close();

    // Just created: its creator may be about to write into it.
    Outbox outbox(root.path());
    QString error;
    QVERIFY(!outbox.lock(0, &error));
    QVERIFY2(error.contains(QLatin1String("in use by another Latchmail process")),
             qPrintable(error));

    // A waiting lock() takes it over once it has stayed empty for a second.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("names no owner")));
    QVERIFY2(outbox.lock(10000, &error), qPrintable(error));
    QVERIFY(outbox.isLocked());

    // Still exclusive afterwards.
    Outbox other(root.path());
    QVERIFY(!other.lock(0, &error));
}

void TestOutbox::recoverRepairs_data()
{
    QTest::addColumn<QString>("leftover");
    QTest::addColumn<QStringList>("expectedFiles"); // besides .lock, "<id>" stands for the id
    QTest::addColumn<int>("expectedState");         // -1: no entry

    const QStringList both{QStringLiteral("<id>.eml"), QStringLiteral("<id>.json")};
    QTest::newRow("crash-between-message-and-sidecar") << "message-only" << QStringList() << -1;
    QTest::newRow("crash-while-sending") << "sending" << both << int(OutboxState::Retrying);
    QTest::newRow("crash-during-removal") << "message-only" << QStringList() << -1;
    QTest::newRow("temporary-sidecar-left") << "temporary" << both << int(OutboxState::Queued);
    QTest::newRow("message-file-missing")
        << "sidecar-only" << QStringList{QStringLiteral("<id>.json")} << int(OutboxState::Failed);
    QTest::newRow("awaiting-copy-untouched")
        << "awaiting-copy" << both << int(OutboxState::SentAwaitingCopy);
    QTest::newRow("held-untouched") << "held" << both << int(OutboxState::HeldForSecurity);
}

void TestOutbox::recoverRepairs()
{
    QFETCH(QString, leftover);
    QFETCH(QStringList, expectedFiles);
    QFETCH(int, expectedState);

    QTemporaryDir root;
    Outbox outbox(root.path());
    QString error;
    QVERIFY2(outbox.lock(0, &error), qPrintable(error));

    OutboxState planted = OutboxState::Queued;
    if (leftover == QLatin1String("sending")) {
        planted = OutboxState::Sending;
    } else if (leftover == QLatin1String("awaiting-copy")) {
        planted = OutboxState::SentAwaitingCopy;
    } else if (leftover == QLatin1String("held")) {
        planted = OutboxState::HeldForSecurity;
    }
    const OutboxEntry entry = sampleEntry(planted);
    const QString stem = root.filePath(entry.id);
    if (leftover == QLatin1String("message-only")) {
        QVERIFY(writeFile(stem + QStringLiteral(".eml"), "Subject: x\r\n\r\n"));
    } else {
        QVERIFY(plant(root.path(), entry, leftover != QLatin1String("sidecar-only")));
    }
    if (leftover == QLatin1String("temporary")) {
        QVERIFY(writeFile(stem + QStringLiteral(".json.aB3dE9"), "{\"version\": 1, \"id"));
    }

    outbox.recover(kNow);

    QStringList files = fileNames(root.path());
    files.removeAll(QStringLiteral(".lock"));
    files.replaceInStrings(entry.id, QStringLiteral("<id>"));
    QCOMPARE(files, expectedFiles);

    const OutboxListing listing = outbox.list();
    QVERIFY(listing.problems.isEmpty());
    if (expectedState < 0) {
        QVERIFY(listing.entries.isEmpty());
        return;
    }
    QCOMPARE(listing.entries.size(), 1);
    const OutboxEntry& recovered = listing.entries.first();
    QCOMPARE(int(recovered.state), expectedState);
    QCOMPARE(recovered.attempts, entry.attempts);
    QCOMPARE(recovered.recipients, entry.recipients);
    if (recovered.state == OutboxState::Retrying) {
        QCOMPARE(recovered.nextAttemptAt, kNow);
        QVERIFY(recovered.isDue(kNow));
        QVERIFY(recovered.lastError.contains(QLatin1String("interrupted")));
    }
    if (leftover == QLatin1String("sidecar-only")) {
        QVERIFY(recovered.lastError.contains(QLatin1String("is missing")));
    }
}

void TestOutbox::damagedSidecarIsReportedAndKept()
{
    QTemporaryDir root;
    Outbox outbox(root.path());
    QString error;
    QVERIFY2(outbox.lock(0, &error), qPrintable(error));
    const QString id = QStringLiteral("20240501T120000000-deadbeef");
    QVERIFY(writeFile(outbox.entryFilePath(id), "{\"version\": 1, \"id\": 12}"));
    QVERIFY(writeFile(outbox.messageFilePath(id), "Subject: x\r\n\r\n"));

    outbox.recover(kNow);

    const OutboxListing listing = outbox.list();
    QVERIFY(listing.entries.isEmpty());
    QCOMPARE(listing.problems.size(), 1);
    QCOMPARE(listing.problems.first().id, id);
    QVERIFY2(listing.problems.first().message.contains(QLatin1String("id must be a string")),
             qPrintable(listing.problems.first().message));
    QVERIFY(QFile::exists(outbox.messageFilePath(id)));
}

// The writer queues ~60 KB messages and rewrites sidecars in a loop; SIGKILL lands anywhere in
// QSaveFile's write/flush/rename. Afterwards every sidecar must read, every sidecar must have
// its complete message file, and nothing may remain in `sending` after recovery.
void TestOutbox::writerKilledAtRandomMoments()
{
    QTemporaryDir root;
    const QString directory = root.filePath(QStringLiteral("outbox"));
    constexpr int kKills = 25;
    constexpr int kMessageSize = 60 * 1024;
    int entriesSeen = 0;

    for (int round = 0; round < kKills; ++round) {
        QProcess writer;
        writer.start(QStringLiteral(OUTBOX_WRITER), {directory, QString::number(kMessageSize)});
        QVERIFY2(writer.waitForStarted(), qPrintable(writer.errorString()));
        QByteArray output;
        const auto readyOrGone = [&] {
            output += writer.readAllStandardOutput();
            return output.contains("ready") || writer.state() == QProcess::NotRunning;
        };
        QTRY_VERIFY_WITH_TIMEOUT(readyOrGone(), 20000);
        QVERIFY2(writer.state() == QProcess::Running, writer.readAllStandardError().constData());
        QTest::qWait(int(QRandomGenerator::global()->bounded(5, 120)));
        ::kill(pid_t(writer.processId()), SIGKILL);
        QVERIFY(writer.waitForFinished(10000));
        QCOMPARE(writer.exitStatus(), QProcess::CrashExit);

        Outbox outbox(directory);
        QString error;
        QVERIFY2(outbox.lock(5000, &error), qPrintable(error)); // takes over the dead lock
        outbox.recover(QDateTime::currentDateTimeUtc());
        const OutboxListing listing = outbox.list();
        QVERIFY2(listing.problems.isEmpty(), qPrintable(listing.problems.value(0).message));
        for (const OutboxEntry& entry : listing.entries) {
            QVERIFY(entry.state != OutboxState::Sending);
            QCOMPARE(readFile(outbox.messageFilePath(entry.id)),
                     OutboxFixtures::messageContent(entry.id, kMessageSize));
        }
        for (const QString& name : fileNames(directory)) {
            QVERIFY2(name == QLatin1String(".lock") || name.endsWith(QLatin1String(".eml")) ||
                         name.endsWith(QLatin1String(".json")),
                     qPrintable(name));
        }
        entriesSeen += int(listing.entries.size());
    }
    QVERIFY(entriesSeen > 0);
}

QTEST_GUILESS_MAIN(TestOutbox)
#include "tst_outbox.moc"
