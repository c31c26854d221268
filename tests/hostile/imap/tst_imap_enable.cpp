// SPDX-License-Identifier: GPL-3.0-or-later
// ENABLE after authentication (RFC 5161, RFC 9051 6.3.1, RFC 7162 3.2.3): IMAP4rev2 and QRESYNC
// are enabled in one command when the post-TLS capabilities offer them, and never otherwise;
// with IMAP4rev2 enabled the engine reads rev2 responses (ESEARCH answers to UID SEARCH, LIST
// with \NonExistent, no RECENT) into the cache.
#include "imap/cache/messagecache.h"
#include "imap/tasks/listmailboxestask.h"
#include "imap/tasks/syncmailboxtask.h"
#include "sessionprobe.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

QByteArray message(int index)
{
    return "From: Ann <ann@example.org>\r\nSubject: Message " + QByteArray::number(index) +
           "\r\nDate: Fri, 01 Mar 2024 12:00:00 +0000\r\n\r\nText\r\n";
}

// Answers ENABLE with the requested capabilities the post-TLS list offers (RFC 5161 3.2).
bool answerEnable(FakeImapServer& server, FakeImapConnection& connection, const ImapRequest& r)
{
    const QList<QByteArray> offered = server.script.postTlsCapabilities.toUpper().split(' ');
    QByteArray enabled;
    for (const QByteArray& wanted : r.arguments.split(' ')) {
        if (!wanted.isEmpty() && offered.contains(wanted.toUpper())) {
            enabled += ' ' + wanted;
        }
    }
    if (!enabled.isEmpty()) {
        connection.sendLine("* ENABLED" + enabled);
    }
    connection.sendLine(r.tag + " OK Enabled");
    return true;
}

// The lines the server received over TLS that carry an ENABLE command, tags removed.
QList<QByteArray> enableCommands(const FakeImapServer& server)
{
    QList<QByteArray> commands;
    for (const ImapRequest& request : server.requests()) {
        if (request.name == "ENABLE") {
            commands.append(request.raw.mid(request.tag.size() + 1).trimmed());
        }
    }
    return commands;
}

} // namespace

class TestImapEnable : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void enableSentOnlyWhenOffered_data();
    void enableSentOnlyWhenOffered();
    void rev2ResponsesReachTheCache();
};

void TestImapEnable::enableSentOnlyWhenOffered_data()
{
    QTest::addColumn<QByteArray>("preTls");
    QTest::addColumn<QByteArray>("postTls");
    QTest::addColumn<QByteArray>("expectedEnable"); // empty: no ENABLE may be sent
    QTest::addColumn<bool>("rev2");
    QTest::addColumn<bool>("qresync");

    const QByteArray preTls = "IMAP4rev1 STARTTLS LOGINDISABLED";
    QTest::newRow("rev2-and-qresync")
        << preTls << QByteArray("IMAP4rev1 IMAP4rev2 AUTH=PLAIN ENABLE CONDSTORE QRESYNC")
        << QByteArray("ENABLE IMAP4rev2 QRESYNC") << true << true;
    QTest::newRow("rev2-without-enable-atom")
        << preTls << QByteArray("IMAP4rev1 IMAP4rev2 AUTH=PLAIN") << QByteArray("ENABLE IMAP4rev2")
        << true << false;
    QTest::newRow("rev2-only-server") << preTls << QByteArray("IMAP4rev2 AUTH=PLAIN")
                                      << QByteArray("ENABLE IMAP4rev2") << true << false;
    QTest::newRow("qresync-only") << preTls << QByteArray("IMAP4rev1 AUTH=PLAIN ENABLE QRESYNC")
                                  << QByteArray("ENABLE QRESYNC") << false << true;
    QTest::newRow("rev1-with-enable")
        << preTls << QByteArray("IMAP4rev1 AUTH=PLAIN ENABLE CONDSTORE") << QByteArray() << false
        << false;
    QTest::newRow("rev2-offered-only-before-tls")
        << QByteArray("IMAP4rev1 IMAP4rev2 ENABLE QRESYNC STARTTLS")
        << QByteArray("IMAP4rev1 AUTH=PLAIN") << QByteArray() << false << false;
}

void TestImapEnable::enableSentOnlyWhenOffered()
{
    QFETCH(QByteArray, preTls);
    QFETCH(QByteArray, postTls);
    QFETCH(QByteArray, expectedEnable);
    QFETCH(bool, rev2);
    QFETCH(bool, qresync);

    FakeImapServer server;
    server.script.preTlsCapabilities = preTls;
    server.script.postTlsCapabilities = postTls;
    server.script.intercept = [&server](FakeImapConnection& c, const ImapRequest& r) {
        return r.name == "ENABLE" && answerEnable(server, c, r);
    };
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    probe.session.open();
    QTRY_VERIFY_WITH_TIMEOUT(probe.done(), 20000);

    QVERIFY2(probe.authenticated, qPrintable(probe.error.message));
    const QList<QByteArray> sent = enableCommands(server);
    if (expectedEnable.isEmpty()) {
        QCOMPARE(sent, QList<QByteArray>());
        QVERIFY(!server.allTlsReceived().contains("ENABLE"));
    } else {
        QCOMPARE(sent, QList<QByteArray>{expectedEnable});
        QVERIFY(server.allTlsReceived().contains(QByteArray(" " + expectedEnable + "\r\n")));
    }
    QVERIFY(!server.allPlaintextReceived().contains("ENABLE"));
    QCOMPARE(probe.session.imap4rev2Enabled(), rev2);
    QCOMPARE(probe.session.qresyncEnabled(), qresync);
}

void TestImapEnable::rev2ResponsesReachTheCache()
{
    FakeImapServer server;
    server.script.postTlsCapabilities = "IMAP4rev2 AUTH=PLAIN";
    server.mailboxes["INBOX"].add(message(1));
    server.mailboxes["INBOX"].add(message(2));
    QByteArray listCommand;
    QByteArray searchCommand;
    server.script.intercept = [&](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name == "ENABLE") {
            return answerEnable(server, c, r);
        }
        if (r.name == "LIST") {
            listCommand = r.raw;
            c.sendLine("* LIST (\\HasNoChildren) \"/\" INBOX");
            c.sendLine("* LIST (\\NonExistent \\HasChildren) \"/\" Ghost");
            c.sendLine("* LIST (\\HasNoChildren \\Sent) \"/\" Sent");
            c.sendLine(r.tag + " OK List completed");
            return true;
        }
        if (r.name == "UID SEARCH") {
            searchCommand = r.raw; // a rev2 server answers with ESEARCH in any case
        }
        return false;
    };
    QVERIFY(server.start());
    QTemporaryDir dir;
    MessageCache cache;
    QVERIFY(cache.open(dir.filePath(QStringLiteral("cache.sqlite"))));
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    probe.session.open();
    QTRY_VERIFY_WITH_TIMEOUT(probe.done(), 20000);
    QVERIFY(probe.session.imap4rev2Enabled());

    int finished = 0;
    bool allOk = true;
    auto count = [&](Imap::ImapTask* task) {
        ++finished;
        allOk = allOk && task->succeeded();
    };
    auto* list = new Imap::ListMailboxesTask(&cache);
    connect(list, &Imap::ImapTask::finished, this, count);
    probe.session.enqueue(list);
    auto* sync = new Imap::SyncMailboxTask(&cache, QStringLiteral("INBOX"));
    connect(sync, &Imap::ImapTask::finished, this, count);
    probe.session.enqueue(sync);
    QTRY_COMPARE_WITH_TIMEOUT(finished, 2, 20000);

    QVERIFY(allOk);
    QVERIFY2(listCommand.contains("RETURN (SPECIAL-USE)"), listCommand.constData());
    QVERIFY2(searchCommand.contains("RETURN (ALL)"), searchCommand.constData());
    QVERIFY(!cache.mailbox(QStringLiteral("Ghost")));
    QCOMPARE(cache.mailbox(QStringLiteral("Sent"))->specialUse, QStringLiteral("\\Sent"));
    QCOMPARE(cache.uids(QStringLiteral("INBOX")), (QList<quint32>{1, 2}));
}

QTEST_GUILESS_MAIN(TestImapEnable)
#include "tst_imap_enable.moc"
