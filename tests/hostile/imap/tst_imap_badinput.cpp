// SPDX-License-Identifier: GPL-3.0-or-later
// Sync against broken and hostile servers: data injected before TLS, truncated responses, a
// literal over the cap, a stalling server, a disconnect in the middle of a FETCH (and a clean
// resume), and a large part cut off while streaming. The cache must never hold half a batch.
#include "imap/cache/messagecache.h"
#include "imap/tasks/fetchparttask.h"
#include "imap/tasks/syncmailboxtask.h"
#include "sessionprobe.h"

#include <QDir>
#include <QDirIterator>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kInbox = QStringLiteral("INBOX");

QByteArray message(int index, const QByteArray& body = "Hello there.\r\n")
{
    return "From: Ann Example <ann@example.org>\r\nTo: bob@example.org\r\n"
           "Subject: Message " +
           QByteArray::number(index) + "\r\nDate: Fri, 01 Mar 2024 12:00:00 +0000\r\n" +
           "Message-ID: <" + QByteArray::number(index) + "@example.org>\r\n\r\n" + body;
}

void fill(FakeImapServer& server, int count)
{
    for (int i = 1; i <= count; ++i) {
        server.mailboxes["INBOX"].add(message(i), {"\\Seen"});
    }
}

QStringList partialFiles(const QString& directory)
{
    QStringList found;
    QDirIterator it(directory, {QStringLiteral("*.partial")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        found.append(it.next());
    }
    return found;
}

// Authenticates, runs one task, and waits until it finished or the session failed.
struct TaskRun
{
    bool finished = false;
    bool succeeded = false;
    QString taskError;
};

} // namespace

class TestImapBadInput : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void dataBeforeTlsNeverReachesCache();
    void truncatedResponse_data();
    void truncatedResponse();
    void literalOverTheCap();
    void stallingServerTimesOut();
    void disconnectMidFetchThenCleanResume();
    void largePartCutOffLeavesNothing();
    void largePartStreamsIntoFile();

private:
    void runTask(SessionProbe& probe, Imap::ImapTask* task, TaskRun* run);
    void syncOnce(FakeImapServer& server, bool* ok, Imap::SessionError* error,
                  const Imap::SessionOptions* options = nullptr,
                  Imap::SyncReport* report = nullptr);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MessageCache> m_cache;
};

void TestImapBadInput::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_cache = std::make_unique<MessageCache>();
    QVERIFY(m_cache->open(m_dir->filePath(QStringLiteral("cache.sqlite"))));
}

void TestImapBadInput::cleanup()
{
    m_cache.reset();
    m_dir.reset();
}

void TestImapBadInput::runTask(SessionProbe& probe, Imap::ImapTask* task, TaskRun* run)
{
    connect(task, &Imap::ImapTask::finished, this, [run](Imap::ImapTask* done) {
        run->finished = true;
        run->succeeded = done->succeeded();
        run->taskError = done->errorMessage();
    });
    if (probe.session.state() == Imap::Session::State::Disconnected) {
        probe.session.open();
    }
    QTRY_VERIFY_WITH_TIMEOUT(probe.done(), 20000);
    probe.session.enqueue(task);
    QTRY_VERIFY_WITH_TIMEOUT(run->finished || probe.failed, 20000);
}

void TestImapBadInput::syncOnce(FakeImapServer& server, bool* ok, Imap::SessionError* error,
                                const Imap::SessionOptions* options, Imap::SyncReport* report)
{
    SessionProbe probe(options ? *options : sessionOptionsFor(server, false),
                       QStringLiteral("alice"), QStringLiteral("secret"));
    auto* task = new Imap::SyncMailboxTask(m_cache.get(), kInbox);
    connect(task, &Imap::ImapTask::finished, this, [report](Imap::ImapTask* done) {
        if (report) {
            *report = static_cast<Imap::SyncMailboxTask*>(done)->report();
        }
    });
    TaskRun run;
    runTask(probe, task, &run);
    *ok = run.succeeded && !probe.failed;
    *error = probe.error;
}

void TestImapBadInput::dataBeforeTlsNeverReachesCache()
{
    FakeImapServer server;
    fill(server, 2);
    server.script.greeting =
        "* OK IMAP ready\r\n* 3 EXISTS\r\n"
        "* 3 FETCH (UID 77 FLAGS (\\Flagged) RFC822.SIZE 10 INTERNALDATE \"01-Mar-2024 12:00:00 "
        "+0000\" ENVELOPE (NIL \"Injected before TLS\" NIL NIL NIL NIL NIL NIL NIL NIL) "
        "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0))";
    server.script.intercept = [](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name == "STARTTLS") {
            c.sendLine("* 1 FETCH (UID 1 FLAGS (\\Deleted))");
            c.sendLine("* OK [UIDVALIDITY 666] fake");
        }
        return false;
    };
    QVERIFY(server.start());

    bool ok = false;
    Imap::SessionError error;
    Imap::SyncReport report;
    syncOnce(server, &ok, &error, nullptr, &report);

    QVERIFY2(ok, qPrintable(error.message));
    QCOMPARE(report.added, 2);
    QCOMPARE(m_cache->uids(kInbox), (QList<quint32>{1, 2}));
    QCOMPARE(m_cache->message(kInbox, 1)->flags, QStringList{QStringLiteral("\\Seen")});
    QCOMPARE(m_cache->mailbox(kInbox)->uidValidity, 1u);
    for (const CachedMessage& cached : m_cache->messages(kInbox)) {
        QVERIFY(!cached.subject.contains(QStringLiteral("Injected")));
    }
}

void TestImapBadInput::truncatedResponse_data()
{
    QTest::addColumn<QByteArray>("cut");
    QTest::newRow("mid-envelope") << QByteArray("* 1 FETCH (UID 1 FLAGS (\\Seen) ENVELOPE (\"Fri");
    QTest::newRow("mid-literal") << QByteArray("* 1 FETCH (UID 1 BODY[] {500}\r\nFrom: a");
    QTest::newRow("before-tagged-reply")
        << QByteArray("* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 5 ENVELOPE (NIL \"S\" NIL NIL "
                      "NIL NIL NIL NIL NIL NIL) INTERNALDATE \"01-Mar-2024 12:00:00 +0000\" "
                      "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0))\r\n");
}

void TestImapBadInput::truncatedResponse()
{
    QFETCH(QByteArray, cut);
    FakeImapServer server;
    fill(server, 3);
    server.script.intercept = [cut](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name != "UID FETCH" || !r.arguments.contains("ENVELOPE")) {
            return false;
        }
        c.send(cut);
        c.close();
        return true;
    };
    QVERIFY(server.start());

    bool ok = true;
    Imap::SessionError error;
    syncOnce(server, &ok, &error);

    QVERIFY(!ok);
    QCOMPARE(error.kind, Imap::SessionError::Kind::ServerClosed);
    QCOMPARE(m_cache->messageCount(kInbox), 0);
    QCOMPARE(m_cache->mailbox(kInbox)->uidValidity, 0u); // no sync state was written
}

void TestImapBadInput::literalOverTheCap()
{
    FakeImapServer server;
    fill(server, 1);
    server.script.intercept = [](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name != "UID FETCH" || !r.arguments.contains("ENVELOPE")) {
            return false;
        }
        c.send("* 1 FETCH (UID 1 BODY[] {5000000}\r\n" + QByteArray(64 * 1024, 'x'));
        return true;
    };
    QVERIFY(server.start());
    Imap::SessionOptions options = sessionOptionsFor(server, false);
    options.limits.maxLiteral = 1024 * 1024;

    bool ok = true;
    Imap::SessionError error;
    syncOnce(server, &ok, &error, &options);

    QVERIFY(!ok);
    QCOMPARE(error.kind, Imap::SessionError::Kind::Protocol);
    QVERIFY2(error.message.contains(QStringLiteral("literal"), Qt::CaseInsensitive),
             qPrintable(error.message));
    QCOMPARE(m_cache->messageCount(kInbox), 0);
}

void TestImapBadInput::stallingServerTimesOut()
{
    FakeImapServer server;
    fill(server, 2);
    server.script.intercept = [](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name != "UID FETCH" || !r.arguments.contains("ENVELOPE")) {
            return false;
        }
        c.send("* 1 FETCH (UID 1 FLAGS (\\Seen)"); // and then nothing, forever
        return true;
    };
    QVERIFY(server.start());
    Imap::SessionOptions options = sessionOptionsFor(server, false);
    options.responseTimeoutMs = 700;

    bool ok = true;
    Imap::SessionError error;
    syncOnce(server, &ok, &error, &options);

    QVERIFY(!ok);
    QCOMPARE(error.kind, Imap::SessionError::Kind::Timeout);
    QVERIFY2(error.message.contains(QStringLiteral("stopped responding")),
             qPrintable(error.message));
    QCOMPARE(m_cache->messageCount(kInbox), 0);
}

void TestImapBadInput::disconnectMidFetchThenCleanResume()
{
    FakeImapServer server;
    fill(server, 1200); // three header batches of 500
    int headerFetches = 0;
    server.script.intercept = [&headerFetches](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name != "UID FETCH" || !r.arguments.contains("ENVELOPE")) {
            return false;
        }
        if (++headerFetches != 2) {
            return false;
        }
        // The second batch: a few complete responses, then the connection drops.
        for (int uid = 501; uid <= 505; ++uid) {
            c.sendLine("* " + QByteArray::number(uid) + " FETCH (UID " + QByteArray::number(uid) +
                       " FLAGS () RFC822.SIZE 5 INTERNALDATE \"01-Mar-2024 12:00:00 +0000\" "
                       "ENVELOPE (NIL \"Partial\" NIL NIL NIL NIL NIL NIL NIL NIL) BODYSTRUCTURE "
                       "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0))");
        }
        c.send("* 506 FETCH (UID 506 FLAGS (");
        c.abort();
        return true;
    };
    QVERIFY(server.start());

    bool ok = true;
    Imap::SessionError error;
    syncOnce(server, &ok, &error);
    QVERIFY(!ok);
    QCOMPARE(m_cache->messageCount(kInbox), 500); // the first batch only, complete
    QVERIFY(!m_cache->message(kInbox, 501));
    QCOMPARE(m_cache->mailbox(kInbox)->uidNext, 0u);

    Imap::SyncReport report;
    syncOnce(server, &ok, &error, nullptr, &report);
    QVERIFY2(ok, qPrintable(error.message));
    QCOMPARE(report.added, 700);
    QCOMPARE(m_cache->messageCount(kInbox), 1200);
    QCOMPARE(m_cache->message(kInbox, 501)->subject, QStringLiteral("Message 501"));
    QCOMPARE(m_cache->message(kInbox, 1200)->subject, QStringLiteral("Message 1200"));
    QCOMPARE(m_cache->mailbox(kInbox)->uidNext, 1201u);
}

void TestImapBadInput::largePartCutOffLeavesNothing()
{
    FakeImapServer server;
    fill(server, 1);
    QVERIFY(server.start());
    bool ok = false;
    Imap::SessionError error;
    syncOnce(server, &ok, &error);
    QVERIFY2(ok, qPrintable(error.message));

    server.script.intercept = [](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name != "UID FETCH" || !r.arguments.contains("BODY.PEEK")) {
            return false;
        }
        c.send("* 1 FETCH (UID 1 BODY[TEXT] {3000000}\r\n" + QByteArray(2 * 1024 * 1024, 'y'));
        c.abort();
        return true;
    };
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    TaskRun selected;
    runTask(probe, new Imap::SyncMailboxTask(m_cache.get(), kInbox), &selected);
    QVERIFY(selected.succeeded);
    auto* fetch = new Imap::FetchPartTask(m_cache.get(), kInbox, 1, QStringLiteral("TEXT"));
    bool finished = false;
    connect(fetch, &Imap::ImapTask::finished, this, [&finished] { finished = true; });
    probe.session.enqueue(fetch);
    QTRY_VERIFY_WITH_TIMEOUT(finished, 20000);

    QVERIFY(probe.failed);
    QVERIFY(!m_cache->part(kInbox, 1, QStringLiteral("TEXT")));
    QVERIFY(partialFiles(m_cache->partsDirectory()).isEmpty());
    QVERIFY(
        QDir(m_cache->partsDirectory() + QStringLiteral("/1")).entryList(QDir::Files).isEmpty());
}

void TestImapBadInput::largePartStreamsIntoFile()
{
    FakeImapServer server;
    QByteArray big(3 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < big.size(); ++i) {
        big[i] = (i % 78 == 77) ? '\n' : char('A' + i % 26);
    }
    server.mailboxes["INBOX"].add(message(1, big));
    QVERIFY(server.start());

    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    TaskRun synced;
    runTask(probe, new Imap::SyncMailboxTask(m_cache.get(), kInbox), &synced);
    QVERIFY(synced.succeeded);
    auto* fetch = new Imap::FetchPartTask(m_cache.get(), kInbox, 1, QStringLiteral("TEXT"));
    TaskRun run;
    connect(fetch, &Imap::ImapTask::finished, this, [&run](Imap::ImapTask* done) {
        run.finished = true;
        run.succeeded = done->succeeded();
        run.taskError = done->errorMessage();
    });
    probe.session.enqueue(fetch);
    QTRY_VERIFY_WITH_TIMEOUT(run.finished, 20000);

    QVERIFY2(run.succeeded, qPrintable(run.taskError));
    const std::optional<CachedPart> part = m_cache->part(kInbox, 1, QStringLiteral("TEXT"));
    QVERIFY(part);
    QVERIFY(part->isFile());
    QCOMPARE(part->size, big.size());
    QVERIFY(m_cache->partBytes(kInbox, 1, QStringLiteral("TEXT")) == big);
}

QTEST_GUILESS_MAIN(TestImapBadInput)
#include "tst_imap_badinput.moc"
