// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/cache/cacheschema.h"
#include "imap/cache/messagecache.h"

#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <functional>

using namespace Latchmail;

namespace {

const QString kInbox = QStringLiteral("INBOX");

CachedMessage makeMessage(quint32 uid, const QString& subject = QStringLiteral("Hello"))
{
    CachedMessage message;
    message.uid = uid;
    message.flags = {QStringLiteral("\\Seen")};
    message.subject = subject;
    message.from = QStringLiteral("Ann Example <ann@example.org>");
    message.to = QStringLiteral("bob@example.org");
    message.date = QDateTime(QDate(2024, 3, 1), QTime(12, 30), Qt::UTC);
    message.messageId = QStringLiteral("<%1@example.org>").arg(uid);
    message.envelopeRaw = QByteArrayLiteral("(\"Fri, 1 Mar 2024 12:30:00 +0000\" \"Hello\" NIL)");
    message.internalDate = QDateTime(QDate(2024, 3, 1), QTime(12, 31), Qt::UTC);
    message.size = 1234;
    message.bodyStructure = QByteArrayLiteral("{\"type\":\"text/plain\"}");
    message.modSeq = 7;
    return message;
}

CachedMailbox makeMailbox(const QString& name, const QString& specialUse = {})
{
    CachedMailbox mailbox;
    mailbox.name = name;
    mailbox.delimiter = QStringLiteral("/");
    mailbox.attributes = {QStringLiteral("\\HasNoChildren")};
    mailbox.specialUse = specialUse;
    return mailbox;
}

// Runs `sql` on the cache file through a separate connection, as another program would.
bool runSql(const QString& file, const QStringList& statements)
{
    const QString name = QUuid::createUuid().toString();
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(file);
        ok = db.open();
        QSqlQuery query(db);
        for (const QString& statement : statements) {
            ok = ok && query.exec(statement);
        }
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

QByteArray patternBytes(qint64 size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i) {
        bytes[i] = static_cast<char>('a' + (i * 7) % 26);
    }
    return bytes;
}

} // namespace

class TestMessageCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void createsVersionedSchemaInWalMode();
    void reopenKeepsDataAndMigrationsOnce();
    void refusesUnusableFiles_data();
    void refusesUnusableFiles();
    void mailboxListKeepsSyncStateAndDropsVanished();
    void findsSpecialUseMailboxes();
    void messagesRoundTrip_data();
    void messagesRoundTrip();
    void summariesInUidOrder();
    void upsertKeepsCachedParts();
    void flagUpdates();
    void batchIsAtomic();
    void removeMessagesRemovesPartsAndFiles();
    void uidValidityResetForgetsEverything();
    void partsInlineOrInFile_data();
    void partsInlineOrInFile();
    void streamedPartSpillsAndStaysInvisibleUntilCommit();
    void discardedPartLeavesNothing();
    void stalePartialsRemovedOnOpen();
    void damagedPartFileIsNotACachedPart();
    void refusesUnsafeSectionsAndUnknownMessages_data();
    void refusesUnsafeSectionsAndUnknownMessages();
    void secondInstanceSeesCommittedData();

private:
    [[nodiscard]] QString cacheFile() const
    {
        return m_dir->filePath(QStringLiteral("acct.sqlite"));
    }
    void openWithInbox();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MessageCache> m_cache;
};

void TestMessageCache::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_cache = std::make_unique<MessageCache>();
}

void TestMessageCache::cleanup()
{
    m_cache.reset();
    m_dir.reset();
}

void TestMessageCache::openWithInbox()
{
    QVERIFY2(m_cache->open(cacheFile()), qPrintable(m_cache->lastError()));
    QVERIFY2(m_cache->replaceMailboxList({makeMailbox(kInbox)}), qPrintable(m_cache->lastError()));
}

void TestMessageCache::createsVersionedSchemaInWalMode()
{
    QVERIFY2(m_cache->open(cacheFile()), qPrintable(m_cache->lastError()));
    QVERIFY(QFile::exists(cacheFile()));
    QVERIFY(QDir(m_cache->partsDirectory()).exists());

    const QString name = QStringLiteral("inspect");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(cacheFile());
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode")));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("wal"));
        QVERIFY(query.exec(QStringLiteral("SELECT version FROM schema_migrations")));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toInt(), CacheSchema::kCurrentVersion);
        QVERIFY(!query.next());
        for (const char* table : {"mailboxes", "messages", "parts"}) {
            QVERIFY(query.exec(QStringLiteral("SELECT COUNT(*) FROM ") + QLatin1String(table)));
        }
    }
    QSqlDatabase::removeDatabase(name);
}

void TestMessageCache::reopenKeepsDataAndMigrationsOnce()
{
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(1), makeMessage(2)}));
    m_cache->close();

    MessageCache again;
    QVERIFY2(again.open(cacheFile()), qPrintable(again.lastError()));
    QCOMPARE(again.messageCount(kInbox), 2);
    again.close();

    const QString name = QStringLiteral("count");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(cacheFile());
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toInt(), CacheSchema::kCurrentVersion);
    }
    QSqlDatabase::removeDatabase(name);
}

void TestMessageCache::refusesUnusableFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expectedText");
    QTest::newRow("newer-schema-version")
        << QStringLiteral("newer") << QStringLiteral("version 99");
    QTest::newRow("not-a-database") << QStringLiteral("garbage") << QStringLiteral("acct.sqlite");
    QTest::newRow("directory-in-the-way")
        << QStringLiteral("directory") << QStringLiteral("acct.sqlite");
}

void TestMessageCache::refusesUnusableFiles()
{
    QFETCH(QString, kind);
    QFETCH(QString, expectedText);

    if (kind == QStringLiteral("newer")) {
        QVERIFY(m_cache->open(cacheFile()));
        m_cache->close();
        QVERIFY(runSql(cacheFile(), {QStringLiteral("INSERT INTO schema_migrations VALUES "
                                                    "(99, '2030-01-01T00:00:00Z')")}));
    } else if (kind == QStringLiteral("garbage")) {
        QFile file(cacheFile());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(4096, '\x5a'));
    } else {
        QVERIFY(QDir().mkpath(cacheFile()));
    }

    QVERIFY(!m_cache->open(cacheFile()));
    QVERIFY2(m_cache->lastError().contains(expectedText), qPrintable(m_cache->lastError()));
    QVERIFY(!m_cache->isOpen());
}

void TestMessageCache::mailboxListKeepsSyncStateAndDropsVanished()
{
    openWithInbox();
    QVERIFY(m_cache->replaceMailboxList({makeMailbox(kInbox), makeMailbox(QStringLiteral("Old"))}));
    QVERIFY(m_cache->setSyncState(kInbox, 42, 100, 9000, QDateTime::currentDateTimeUtc()));
    QVERIFY(m_cache->storeMessages(QStringLiteral("Old"), {makeMessage(5)}));
    QVERIFY(m_cache->storePart(QStringLiteral("Old"), 5, QStringLiteral("1"),
                               patternBytes(MessageCache::kInlinePartLimit + 10)));
    const QString oldFile = m_cache->part(QStringLiteral("Old"), 5, QStringLiteral("1"))->filePath;
    QVERIFY(QFile::exists(oldFile));

    CachedMailbox renamed = makeMailbox(kInbox);
    renamed.attributes = {QStringLiteral("\\Marked")};
    QVERIFY(m_cache->replaceMailboxList({renamed, makeMailbox(QStringLiteral("Ünïcödé"))}));

    const std::optional<CachedMailbox> inbox = m_cache->mailbox(kInbox);
    QVERIFY(inbox);
    QCOMPARE(inbox->uidValidity, 42u);
    QCOMPARE(inbox->uidNext, 100u);
    QCOMPARE(inbox->highestModSeq, 9000u);
    QVERIFY(inbox->lastSync.isValid());
    QCOMPARE(inbox->attributes, QStringList{QStringLiteral("\\Marked")});
    QVERIFY(!m_cache->mailbox(QStringLiteral("Old")));
    QVERIFY(m_cache->mailbox(QStringLiteral("Ünïcödé")));
    QCOMPARE(m_cache->mailboxes().size(), 2);
    QVERIFY(!QFile::exists(oldFile));
}

void TestMessageCache::findsSpecialUseMailboxes()
{
    QVERIFY(m_cache->open(cacheFile()));
    QVERIFY(m_cache->replaceMailboxList(
        {makeMailbox(kInbox), makeMailbox(QStringLiteral("Gesendet"), QStringLiteral("\\Sent")),
         makeMailbox(QStringLiteral("Papierkorb"), QStringLiteral("\\Trash"))}));
    QCOMPARE(m_cache->mailboxWithSpecialUse(QStringLiteral("\\sent"))->name,
             QStringLiteral("Gesendet"));
    QCOMPARE(m_cache->mailboxWithSpecialUse(QStringLiteral("\\Trash"))->name,
             QStringLiteral("Papierkorb"));
    QVERIFY(!m_cache->mailboxWithSpecialUse(QStringLiteral("\\Junk")));
}

void TestMessageCache::messagesRoundTrip_data()
{
    QTest::addColumn<CachedMessage>("message");

    QTest::newRow("plain-ascii") << makeMessage(1);
    CachedMessage unicode = makeMessage(2, QStringLiteral("Grüße aus Köln — 日本語 ✉"));
    unicode.from = QStringLiteral("Jörg Müller <joerg@example.de>");
    QTest::newRow("non-ascii-subject-and-name") << unicode;
    CachedMessage noDate = makeMessage(3);
    noDate.date = QDateTime();
    noDate.internalDate = QDateTime();
    QTest::newRow("no-dates") << noDate;
    CachedMessage extremes = makeMessage(4294967295u);
    extremes.modSeq = 9223372036854775807ull;
    extremes.size = 21 * 1024 * 1024;
    extremes.flags = {QStringLiteral("\\Answered"), QStringLiteral("$Forwarded"),
                      QStringLiteral("\\Flagged")};
    QTest::newRow("largest-uid-and-modseq") << extremes;
    CachedMessage empty = makeMessage(5, QString());
    empty.flags.clear();
    empty.envelopeRaw.clear();
    empty.bodyStructure = QByteArray("\0binary\xff", 8);
    QTest::newRow("empty-fields-binary-structure") << empty;
}

void TestMessageCache::messagesRoundTrip()
{
    QFETCH(CachedMessage, message);
    openWithInbox();

    QVERIFY(m_cache->storeMessages(kInbox, {message}));
    const std::optional<CachedMessage> read = m_cache->message(kInbox, message.uid);
    QVERIFY(read);
    QCOMPARE(read->subject, message.subject);
    QCOMPARE(read->date, message.date);
    QCOMPARE(read->modSeq, message.modSeq);
    QVERIFY(*read == message);
    QCOMPARE(m_cache->messages(kInbox).size(), 1);
    QCOMPARE(m_cache->uids(kInbox), QList<quint32>{message.uid});

    const QList<MessageSummary> list = m_cache->summaries(kInbox);
    QCOMPARE(list.size(), 1);
    const MessageSummary& summary = list.first();
    QCOMPARE(summary.uid, message.uid);
    QCOMPARE(summary.flags, message.flags);
    QCOMPARE(summary.subject, message.subject);
    QCOMPARE(summary.from, message.from);
    QCOMPARE(summary.to, message.to);
    QCOMPARE(summary.cc, message.cc);
    QCOMPARE(summary.date, message.date);
    QCOMPARE(summary.messageId, message.messageId);
    QCOMPARE(summary.internalDate, message.internalDate);
    QCOMPARE(summary.size, message.size);
}

void TestMessageCache::summariesInUidOrder()
{
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(30), makeMessage(4), makeMessage(17)}));

    QList<quint32> order;
    for (const MessageSummary& summary : m_cache->summaries(kInbox)) {
        order.append(summary.uid);
    }
    QCOMPARE(order, (QList<quint32>{4, 17, 30}));
    QVERIFY(m_cache->summaries(QStringLiteral("Unknown")).isEmpty());
}

void TestMessageCache::upsertKeepsCachedParts()
{
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(7)}));
    QVERIFY(m_cache->storePart(kInbox, 7, QStringLiteral("1"), QByteArrayLiteral("body")));

    CachedMessage changed = makeMessage(7, QStringLiteral("Changed"));
    QVERIFY(m_cache->storeMessages(kInbox, {changed}));

    QCOMPARE(m_cache->message(kInbox, 7)->subject, QStringLiteral("Changed"));
    QCOMPARE(m_cache->partBytes(kInbox, 7, QStringLiteral("1")), QByteArrayLiteral("body"));
}

void TestMessageCache::flagUpdates()
{
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(1), makeMessage(2)}));

    QVERIFY(m_cache->updateFlags(
        kInbox,
        {{1, {QStringLiteral("\\Flagged")}, 20}, {2, {}, 0}, {99, {QStringLiteral("x")}, 5}}));

    QCOMPARE(m_cache->message(kInbox, 1)->flags, QStringList{QStringLiteral("\\Flagged")});
    QCOMPARE(m_cache->message(kInbox, 1)->modSeq, 20u);
    QCOMPARE(m_cache->message(kInbox, 2)->flags, QStringList{});
    QCOMPARE(m_cache->message(kInbox, 2)->modSeq, 7u);
    QVERIFY(!m_cache->message(kInbox, 99));
    QCOMPARE(m_cache->highestCachedModSeq(kInbox), 20u);
}

void TestMessageCache::batchIsAtomic()
{
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(1)}));
    QVERIFY(runSql(cacheFile(), {QStringLiteral("CREATE TRIGGER refuse_13 BEFORE INSERT ON messages"
                                                " WHEN NEW.uid = 13 BEGIN"
                                                " SELECT RAISE(ABORT, 'refused'); END")}));

    QList<CachedMessage> batch;
    for (quint32 uid = 10; uid <= 15; ++uid) {
        batch.append(makeMessage(uid));
    }
    QVERIFY(!m_cache->storeMessages(kInbox, batch));
    QVERIFY2(m_cache->lastError().contains(QStringLiteral("refused")),
             qPrintable(m_cache->lastError()));
    QCOMPARE(m_cache->uids(kInbox), QList<quint32>{1});

    batch.removeAt(3);
    QVERIFY(m_cache->storeMessages(kInbox, batch));
    QCOMPARE(m_cache->messageCount(kInbox), 6);
}

void TestMessageCache::removeMessagesRemovesPartsAndFiles()
{
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(1), makeMessage(2), makeMessage(3)}));
    QVERIFY(m_cache->storePart(kInbox, 2, QStringLiteral("2"),
                               patternBytes(MessageCache::kInlinePartLimit * 2)));
    QVERIFY(m_cache->storePart(kInbox, 3, QStringLiteral("2"),
                               patternBytes(MessageCache::kInlinePartLimit * 2)));
    const QString file2 = m_cache->part(kInbox, 2, QStringLiteral("2"))->filePath;
    const QString file3 = m_cache->part(kInbox, 3, QStringLiteral("2"))->filePath;

    QVERIFY(m_cache->removeMessages(kInbox, {2, 42}));

    QCOMPARE(m_cache->uids(kInbox), (QList<quint32>{1, 3}));
    QVERIFY(!m_cache->part(kInbox, 2, QStringLiteral("2")));
    QVERIFY(!QFile::exists(file2));
    QVERIFY(QFile::exists(file3));
}

void TestMessageCache::uidValidityResetForgetsEverything()
{
    openWithInbox();
    QVERIFY(m_cache->setSyncState(kInbox, 1, 3, 50, QDateTime::currentDateTimeUtc()));
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(1), makeMessage(2)}));
    QVERIFY(
        m_cache->storePart(kInbox, 1, QString(), patternBytes(MessageCache::kInlinePartLimit + 1)));
    const QString file = m_cache->part(kInbox, 1, QString())->filePath;

    QVERIFY(m_cache->resetMailbox(kInbox, 2));

    const std::optional<CachedMailbox> inbox = m_cache->mailbox(kInbox);
    QCOMPARE(inbox->uidValidity, 2u);
    QCOMPARE(inbox->uidNext, 0u);
    QCOMPARE(inbox->highestModSeq, 0u);
    QVERIFY(!inbox->lastSync.isValid());
    QCOMPARE(m_cache->messageCount(kInbox), 0);
    QVERIFY(!QFile::exists(file));
}

void TestMessageCache::partsInlineOrInFile_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<int>("chunk");
    QTest::addColumn<bool>("inFile");

    const qint64 limit = MessageCache::kInlinePartLimit;
    QTest::newRow("empty") << qint64(0) << 1 << false;
    QTest::newRow("small-one-chunk") << qint64(100) << 100 << false;
    QTest::newRow("exactly-the-limit") << limit << 4096 << false;
    QTest::newRow("one-byte-over-the-limit") << limit + 1 << 4096 << true;
    QTest::newRow("three-megabytes-odd-chunks") << qint64(3 * 1024 * 1024 + 17) << 65521 << true;
}

void TestMessageCache::partsInlineOrInFile()
{
    QFETCH(qint64, size);
    QFETCH(int, chunk);
    QFETCH(bool, inFile);
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(9)}));

    const QByteArray bytes = patternBytes(size);
    std::unique_ptr<PartWriter> writer = m_cache->beginPart(kInbox, 9, QStringLiteral("1.2"));
    QVERIFY(writer);
    for (qint64 offset = 0; offset < size; offset += chunk) {
        QVERIFY(writer->append(bytes.mid(offset, chunk)));
    }
    QVERIFY2(writer->commit(), qPrintable(writer->error()));

    const std::optional<CachedPart> part = m_cache->part(kInbox, 9, QStringLiteral("1.2"));
    QVERIFY(part);
    QCOMPARE(part->size, size);
    QCOMPARE(part->isFile(), inFile);
    QVERIFY(m_cache->partBytes(kInbox, 9, QStringLiteral("1.2")) == bytes);
    QCOMPARE(m_cache->cachedSections(kInbox, 9), QStringList{QStringLiteral("1.2")});
}

void TestMessageCache::streamedPartSpillsAndStaysInvisibleUntilCommit()
{
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(4)}));

    std::unique_ptr<PartWriter> writer = m_cache->beginPart(kInbox, 4, QStringLiteral("2"));
    QVERIFY(writer->append(patternBytes(MessageCache::kInlinePartLimit)));
    QVERIFY(writer->append(QByteArrayLiteral("overflow")));

    const QStringList partials = QDir(m_cache->partsDirectory() + QStringLiteral("/1"))
                                     .entryList({QStringLiteral("*.partial")}, QDir::Files);
    QCOMPARE(partials.size(), 1);
    QVERIFY(!m_cache->part(kInbox, 4, QStringLiteral("2")));

    QVERIFY(writer->commit());
    QVERIFY(m_cache->part(kInbox, 4, QStringLiteral("2"))->isFile());
    QVERIFY(QDir(m_cache->partsDirectory() + QStringLiteral("/1"))
                .entryList({QStringLiteral("*.partial")}, QDir::Files)
                .isEmpty());

    // Replacing a file part by a small one removes the old file.
    const QString oldFile = m_cache->part(kInbox, 4, QStringLiteral("2"))->filePath;
    QVERIFY(m_cache->storePart(kInbox, 4, QStringLiteral("2"), QByteArrayLiteral("tiny")));
    QVERIFY(!m_cache->part(kInbox, 4, QStringLiteral("2"))->isFile());
    QVERIFY(!QFile::exists(oldFile));
}

void TestMessageCache::discardedPartLeavesNothing()
{
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(4)}));
    {
        std::unique_ptr<PartWriter> writer = m_cache->beginPart(kInbox, 4, QStringLiteral("2"));
        QVERIFY(writer->append(patternBytes(MessageCache::kInlinePartLimit * 3)));
    }
    QVERIFY(!m_cache->part(kInbox, 4, QStringLiteral("2")));
    QVERIFY(
        QDir(m_cache->partsDirectory() + QStringLiteral("/1")).entryList(QDir::Files).isEmpty());

    std::unique_ptr<PartWriter> writer = m_cache->beginPart(kInbox, 4, QStringLiteral("2"));
    QVERIFY(writer->append(QByteArrayLiteral("x")));
    writer->discard();
    QVERIFY(!writer->commit());
    QVERIFY(!m_cache->part(kInbox, 4, QStringLiteral("2")));
}

void TestMessageCache::stalePartialsRemovedOnOpen()
{
    openWithInbox();
    const QString stale = m_cache->partsDirectory() + QStringLiteral("/1/12_1.part.partial");
    QVERIFY(QDir().mkpath(m_cache->partsDirectory() + QStringLiteral("/1")));
    QFile file(stale);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("half a part");
    file.close();
    m_cache->close();

    QVERIFY(m_cache->open(cacheFile()));
    QVERIFY(!QFile::exists(stale));
}

void TestMessageCache::damagedPartFileIsNotACachedPart()
{
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(6)}));
    QVERIFY(m_cache->storePart(kInbox, 6, QStringLiteral("3"),
                               patternBytes(MessageCache::kInlinePartLimit + 100)));
    const QString file = m_cache->part(kInbox, 6, QStringLiteral("3"))->filePath;
    QVERIFY(QFile::resize(file, 10));

    QVERIFY(!m_cache->part(kInbox, 6, QStringLiteral("3")));
    QVERIFY(!m_cache->partBytes(kInbox, 6, QStringLiteral("3")));
    QVERIFY(m_cache->lastError().contains(QStringLiteral("missing or damaged")));
}

void TestMessageCache::refusesUnsafeSectionsAndUnknownMessages_data()
{
    QTest::addColumn<QString>("mailbox");
    QTest::addColumn<quint32>("uid");
    QTest::addColumn<QString>("section");
    QTest::addColumn<QString>("expectedText");

    QTest::newRow("path-traversal")
        << kInbox << 1u << QStringLiteral("../../etc/passwd") << QStringLiteral("not a section");
    QTest::newRow("slash") << kInbox << 1u << QStringLiteral("1/2")
                           << QStringLiteral("not a section");
    QTest::newRow("header-fields-list") << kInbox << 1u << QStringLiteral("HEADER.FIELDS (SUBJECT)")
                                        << QStringLiteral("not a section");
    QTest::newRow("unknown-uid") << kInbox << 77u << QStringLiteral("1")
                                 << QStringLiteral("not in the message cache");
    QTest::newRow("unknown-mailbox") << QStringLiteral("Nowhere") << 1u << QStringLiteral("1")
                                     << QStringLiteral("not in the message cache");
}

void TestMessageCache::refusesUnsafeSectionsAndUnknownMessages()
{
    QFETCH(QString, mailbox);
    QFETCH(quint32, uid);
    QFETCH(QString, section);
    QFETCH(QString, expectedText);
    openWithInbox();
    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(1)}));

    QVERIFY(!m_cache->beginPart(mailbox, uid, section));
    QVERIFY2(m_cache->lastError().contains(expectedText), qPrintable(m_cache->lastError()));
    QVERIFY(!m_cache->storePart(mailbox, uid, section, QByteArrayLiteral("x")));
}

void TestMessageCache::secondInstanceSeesCommittedData()
{
    openWithInbox();
    MessageCache reader;
    QVERIFY(reader.open(cacheFile()));
    QCOMPARE(reader.messageCount(kInbox), 0);

    QVERIFY(m_cache->storeMessages(kInbox, {makeMessage(1), makeMessage(2)}));

    QCOMPARE(reader.messageCount(kInbox), 2);
    QCOMPARE(reader.message(kInbox, 2)->messageId, QStringLiteral("<2@example.org>"));
}

QTEST_GUILESS_MAIN(TestMessageCache)
#include "tst_messagecache.moc"
