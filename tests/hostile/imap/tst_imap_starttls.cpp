// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP session against hostile peers at the start of a connection: stripping, refused and
// garbled STARTTLS, PREAUTH, invalid greetings and plaintext injection after the STARTTLS reply.
// Each test asserts what the server received in plaintext (no credential, no mailbox command)
// and that no server text reached the error the user is shown. tst_imap_pretls covers data
// sent before TLS; tst_imap_hostile_cache runs every attack through the service and its cache.
#include "sessionprobe.h"

#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QByteArray kPlainResponse = QByteArray("\0alice\0secret", 13).toBase64();

} // namespace

class TestImapStartTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void starttlsThenAuthenticates();
    void strippedStartTls_data();
    void strippedStartTls();
    void refusedStartTls_data();
    void refusedStartTls();
    void garbledStartTlsReply_data();
    void garbledStartTlsReply();
    void preauthBeforeTls();
    void preauthOverImplicitTls();
    void invalidGreeting_data();
    void invalidGreeting();
    void injectionAfterStartTlsReply_data();
    void injectionAfterStartTlsReply();

private:
    void runUntilDone(SessionProbe& probe);
};

void TestImapStartTls::runUntilDone(SessionProbe& probe)
{
    probe.session.open();
    QTRY_VERIFY_WITH_TIMEOUT(probe.done(), 20000);
}

void TestImapStartTls::starttlsThenAuthenticates()
{
    FakeImapServer server;
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY2(probe.authenticated, qPrintable(probe.error.message));
    QCOMPARE(server.allPlaintextReceived(), QByteArray("A0001 CAPABILITY\r\nA0002 STARTTLS\r\n"));
    QVERIFY(server.allTlsReceived().startsWith("A0003 CAPABILITY\r\n"));
    QVERIFY(server.allTlsReceived().contains(
        QByteArray(QByteArray("A0004 AUTHENTICATE PLAIN ") + kPlainResponse)));
    QVERIFY(!probe.session.earnedLatches().isEmpty());
}

void TestImapStartTls::strippedStartTls_data()
{
    QTest::addColumn<QByteArray>("greeting");
    QTest::addColumn<bool>("allowCleartext");
    QTest::addColumn<bool>("latched");
    QTest::addColumn<bool>("expectRefusal");

    const QByteArray plain = "* OK IMAP ready, see evil.example";
    const QByteArray withCode =
        "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] IMAP ready, call +1-555-0100";
    QTest::newRow("capability-command") << plain << false << false << true;
    QTest::newRow("capability-in-greeting") << withCode << false << false << true;
    QTest::newRow("cleartext-allowed-but-latched") << plain << true << true << true;
    QTest::newRow("cleartext-explicitly-allowed") << plain << true << false << false;
}

void TestImapStartTls::strippedStartTls()
{
    QFETCH(QByteArray, greeting);
    QFETCH(bool, allowCleartext);
    QFETCH(bool, latched);
    QFETCH(bool, expectRefusal);

    FakeImapServer server;
    server.script.greeting = greeting;
    server.script.preTlsCapabilities = "IMAP4rev1 AUTH=PLAIN";
    QVERIFY(server.start());
    Imap::SessionOptions options = sessionOptionsFor(server, false);
    options.channel.allowCleartext = allowCleartext;
    if (latched) {
        options.channel.required = LatchSet{LatchToken::Tls10, LatchToken::Tls12};
    }
    SessionProbe probe(options, QStringLiteral("alice"), QStringLiteral("secret"));
    runUntilDone(probe);

    if (expectRefusal) {
        QVERIFY(probe.failed);
        QCOMPARE(probe.error.kind, Imap::SessionError::Kind::SecurityRefusal);
        QVERIFY(probe.error.isSecurityRefusal());
        QVERIFY2(probe.error.message.contains(QStringLiteral("STARTTLS")),
                 qPrintable(probe.error.message));
        const QString leak = leakIn(server, probe);
        QVERIFY2(leak.isEmpty(), qPrintable(leak));
        QVERIFY(!server.connection()->handshakeCompleted());
    } else {
        // The account owner chose cleartext for a server without TLS: authentication works.
        QVERIFY2(probe.authenticated, qPrintable(probe.error.message));
        QVERIFY(server.allPlaintextReceived().contains("AUTHENTICATE PLAIN"));
        QVERIFY(probe.session.earnedLatches().isEmpty());
    }
}

void TestImapStartTls::refusedStartTls_data()
{
    QTest::addColumn<QByteArray>("reply");
    QTest::newRow("no") << QByteArray(" NO [ALERT] STARTTLS disabled, call +1-555-0100");
    QTest::newRow("bad") << QByteArray(" BAD Unknown command, visit http://evil.example/");
    QTest::newRow("no-with-capability-code")
        << QByteArray(" NO [CAPABILITY IMAP4rev1] No TLS, ask evil.example");
}

void TestImapStartTls::refusedStartTls()
{
    QFETCH(QByteArray, reply);
    FakeImapServer server;
    server.script.intercept = [reply](FakeImapConnection& connection, const ImapRequest& r) {
        if (r.name != "STARTTLS") {
            return false;
        }
        connection.sendLine(r.tag + reply);
        return true;
    };
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY(probe.failed);
    QCOMPARE(probe.error.kind, Imap::SessionError::Kind::SecurityRefusal);
    const QString leak = leakIn(server, probe);
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
    QVERIFY(probe.alerts.isEmpty());
    QCOMPARE(server.allPlaintextReceived(), QByteArray("A0001 CAPABILITY\r\nA0002 STARTTLS\r\n"));
    QCOMPARE(server.requestNames().size(), 2);
}

void TestImapStartTls::garbledStartTlsReply_data()
{
    QTest::addColumn<QByteArray>("reply");
    QTest::newRow("wrong-tag") << QByteArray("X9999 OK Begin TLS\r\n");
    QTest::newRow("continuation") << QByteArray("+ go ahead\r\n");
    QTest::newRow("binary-garbage") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\r\n", 10);
    QTest::newRow("tag-without-status") << QByteArray("A0002\r\n");
    QTest::newRow("untagged-then-close") << QByteArray("* OK still plaintext, evil\r\n");
    QTest::newRow("bye-then-close") << QByteArray("* BYE [ALERT] call +1-555-0100\r\n");
}

void TestImapStartTls::garbledStartTlsReply()
{
    QFETCH(QByteArray, reply);
    FakeImapServer server;
    server.script.intercept = [reply](FakeImapConnection& connection, const ImapRequest& r) {
        if (r.name != "STARTTLS") {
            return false;
        }
        connection.send(reply);
        if (reply.startsWith("* ")) {
            connection.close();
        }
        return true;
    };
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY(probe.failed);
    QVERIFY(!probe.authenticated);
    QVERIFY2(probe.error.kind == Imap::SessionError::Kind::SecurityRefusal ||
                 probe.error.kind == Imap::SessionError::Kind::ServerClosed,
             qPrintable(probe.error.message));
    const QString leak = leakIn(server, probe);
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
    QCOMPARE(server.allPlaintextReceived(), QByteArray("A0001 CAPABILITY\r\nA0002 STARTTLS\r\n"));
    QVERIFY(!server.connection()->handshakeCompleted());
}

void TestImapStartTls::preauthBeforeTls()
{
    FakeImapServer server;
    server.script.greeting = "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] Logged in, evil.example";
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY(probe.failed);
    QCOMPARE(probe.error.kind, Imap::SessionError::Kind::SecurityRefusal);
    QVERIFY(probe.error.message.contains(QStringLiteral("PREAUTH")));
    QVERIFY(!probe.authenticated);
    // Not one command: no SELECT, no APPEND of a draft, nothing.
    QTRY_VERIFY(server.connection()->closedByClient());
    const QString leak = leakIn(server, probe);
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
    QCOMPARE(server.allPlaintextReceived(), QByteArray());
}

void TestImapStartTls::preauthOverImplicitTls()
{
    FakeImapServer server;
    server.script.implicitTls = true;
    server.script.greeting = "* PREAUTH [CAPABILITY IMAP4rev1] Logged in as alice";
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, true), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY2(probe.authenticated, qPrintable(probe.error.message));
    QVERIFY(probe.session.preAuthenticated());
    QVERIFY(!probe.ready);
    QVERIFY(!server.allTlsReceived().contains("AUTHENTICATE"));
    QVERIFY(!server.allTlsReceived().contains("LOGIN"));
}

void TestImapStartTls::invalidGreeting_data()
{
    using Kind = Imap::SessionError::Kind;
    QTest::addColumn<QByteArray>("greeting");
    QTest::addColumn<Kind>("kind");
    QTest::newRow("http-server") << QByteArray("HTTP/1.1 400 Bad Request evil") << Kind::Protocol;
    QTest::newRow("smtp-server") << QByteArray("220 evil.example ESMTP") << Kind::Protocol;
    QTest::newRow("tagged-response") << QByteArray("A0001 OK hello evil") << Kind::Protocol;
    QTest::newRow("continuation") << QByteArray("+ hello evil") << Kind::Protocol;
    QTest::newRow("untagged-data") << QByteArray("* 3 EXISTS") << Kind::Protocol;
    QTest::newRow("untagged-list") << QByteArray("* LIST () \"/\" Evil") << Kind::Protocol;
    QTest::newRow("no-status") << QByteArray("* NO [ALERT] call +1-555-0100") << Kind::Protocol;
    QTest::newRow("bye") << QByteArray("* BYE [ALERT] Too many connections, call +1-555-0100")
                         << Kind::ServerClosed;
}

void TestImapStartTls::invalidGreeting()
{
    QFETCH(QByteArray, greeting);
    QFETCH(Imap::SessionError::Kind, kind);
    FakeImapServer server;
    server.script.greeting = greeting;
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY(probe.failed);
    QCOMPARE(probe.error.kind, kind);
    QVERIFY(!probe.error.isSecurityRefusal());
    const QString leak = leakIn(server, probe);
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
    QVERIFY(probe.alerts.isEmpty());
    QCOMPARE(server.allPlaintextReceived(), QByteArray());
}

void TestImapStartTls::injectionAfterStartTlsReply_data()
{
    QTest::addColumn<QByteArray>("injected");
    QTest::newRow("untagged-exists") << QByteArray("* 1 EXISTS\r\n");
    QTest::newRow("fake-list") << QByteArray("* LIST () \"/\" Evil\r\n");
    QTest::newRow("fake-alert") << QByteArray("* OK [ALERT] call +1-555-0100\r\n");
    QTest::newRow("fake-capability") << QByteArray("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
    QTest::newRow("fake-login-ok") << QByteArray("A0003 OK LOGIN completed\r\n");
    QTest::newRow("partial-line") << QByteArray("* 1 FETCH (FLAGS");
    QTest::newRow("single-byte") << QByteArray("x");
}

void TestImapStartTls::injectionAfterStartTlsReply()
{
    QFETCH(QByteArray, injected);
    FakeImapServer server;
    server.script.intercept = [injected](FakeImapConnection& connection, const ImapRequest& r) {
        if (r.name != "STARTTLS") {
            return false;
        }
        // Reply and injection in one segment, as a man in the middle would send them.
        connection.send(r.tag + " OK Begin TLS\r\n" + injected);
        connection.startTls();
        return true;
    };
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY(probe.failed);
    QCOMPARE(probe.error.kind, Imap::SessionError::Kind::SecurityRefusal);
    QVERIFY2(probe.error.message.contains(QStringLiteral("injection")),
             qPrintable(probe.error.message));
    QVERIFY(!server.connection()->handshakeCompleted());
    QCOMPARE(server.allTlsReceived(), QByteArray());
    const QString leak = leakIn(server, probe);
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
}

QTEST_GUILESS_MAIN(TestImapStartTls)
#include "tst_imap_starttls.moc"
