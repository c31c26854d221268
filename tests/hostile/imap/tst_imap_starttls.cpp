// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP session against hostile STARTTLS peers: stripping, refused and garbled STARTTLS,
// PREAUTH, invalid greetings, plaintext injection, pre-TLS data, capabilities, alerts and
// referrals. Each test asserts what the server received and what the client did.
#include "sessionprobe.h"

#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QByteArray kPlainResponse = QByteArray("\0alice\0secret", 13).toBase64();

// No credential and no mailbox command may reach the server before TLS.
bool cleanBeforeTls(const QByteArray& plaintext, QByteArray* offending)
{
    for (const QByteArray& word : forbiddenBeforeTls() + QList<QByteArray>{kPlainResponse}) {
        if (plaintext.toUpper().contains(word.toUpper())) {
            *offending = word;
            return false;
        }
    }
    return true;
}

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
    void unsolicitedDataBeforeTlsIgnored();
    void capabilitiesOnlyFromTls_data();
    void capabilitiesOnlyFromTls();
    void alertsAndByeBeforeTlsNeverShown_data();
    void alertsAndByeBeforeTlsNeverShown();
    void alertOverTlsIsShown();
    void referralsNeverFollowed_data();
    void referralsNeverFollowed();

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
    QVERIFY(server.allTlsReceived().contains(QByteArray(QByteArray("A0004 AUTHENTICATE PLAIN ") + kPlainResponse)));
    QVERIFY(!probe.session.earnedLatches().isEmpty());
}

void TestImapStartTls::strippedStartTls_data()
{
    QTest::addColumn<QByteArray>("greeting");
    QTest::addColumn<bool>("allowCleartext");
    QTest::addColumn<bool>("latched");
    QTest::addColumn<bool>("expectRefusal");

    const QByteArray plain = "* OK IMAP ready";
    const QByteArray withCode = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] IMAP ready";
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

    QByteArray offending;
    if (expectRefusal) {
        QVERIFY(probe.failed);
        QCOMPARE(probe.error.kind, Imap::SessionError::Kind::SecurityRefusal);
        QVERIFY(probe.error.isSecurityRefusal());
        QVERIFY2(probe.error.message.contains(QStringLiteral("STARTTLS")),
                 qPrintable(probe.error.message));
        QVERIFY2(cleanBeforeTls(server.allPlaintextReceived(), &offending), offending.constData());
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
    QTest::newRow("no-with-capability-code") << QByteArray(" NO [CAPABILITY IMAP4rev1] No TLS");
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
    QVERIFY(!probe.error.message.contains(QStringLiteral("555")));
    QVERIFY(!probe.error.message.contains(QStringLiteral("evil")));
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
    QTest::newRow("untagged-then-close") << QByteArray("* OK still plaintext\r\n");
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
        if (reply.startsWith("* OK")) {
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
    QCOMPARE(server.allPlaintextReceived(), QByteArray("A0001 CAPABILITY\r\nA0002 STARTTLS\r\n"));
    QVERIFY(!server.connection()->handshakeCompleted());
}

void TestImapStartTls::preauthBeforeTls()
{
    FakeImapServer server;
    server.script.greeting = "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] Logged in as alice";
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
    QTest::addColumn<QByteArray>("greeting");
    QTest::newRow("http-server") << QByteArray("HTTP/1.1 400 Bad Request");
    QTest::newRow("smtp-server") << QByteArray("220 mail.example ESMTP");
    QTest::newRow("tagged-response") << QByteArray("A0001 OK hello");
    QTest::newRow("continuation") << QByteArray("+ hello");
    QTest::newRow("untagged-data") << QByteArray("* 3 EXISTS");
    QTest::newRow("bye") << QByteArray("* BYE [ALERT] Too many connections, call +1-555-0100");
}

void TestImapStartTls::invalidGreeting()
{
    QFETCH(QByteArray, greeting);
    FakeImapServer server;
    server.script.greeting = greeting;
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY(probe.failed);
    QVERIFY(!probe.error.isSecurityRefusal() ||
            probe.error.kind == Imap::SessionError::Kind::SecurityRefusal);
    QVERIFY(!probe.error.message.contains(QStringLiteral("555")));
    QVERIFY(probe.alerts.isEmpty());
    QCOMPARE(server.allPlaintextReceived(), QByteArray());
}

void TestImapStartTls::injectionAfterStartTlsReply_data()
{
    QTest::addColumn<QByteArray>("injected");
    QTest::newRow("untagged-exists") << QByteArray("* 1 EXISTS\r\n");
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
    QByteArray offending;
    QVERIFY2(cleanBeforeTls(server.allPlaintextReceived(), &offending), offending.constData());
}

void TestImapStartTls::unsolicitedDataBeforeTlsIgnored()
{
    FakeImapServer server;
    server.script.greeting = "* OK IMAP ready\r\n* 1 EXISTS\r\n* 1 RECENT\r\n"
                             "* 1 FETCH (UID 7 FLAGS (\\Seen) ENVELOPE (NIL \"Fake\" NIL NIL NIL "
                             "NIL NIL NIL NIL NIL))\r\n* LIST () \"/\" Evil\r\n"
                             "* ENABLED QRESYNC\r\n* OK [UIDVALIDITY 99] fake";
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY2(probe.authenticated, qPrintable(probe.error.message));
    QCOMPARE(probe.mailboxChanges, 0);
    QVERIFY(!probe.session.qresyncEnabled());
    QCOMPARE(probe.session.selectedMailbox().uidValidity, 0u);
}

void TestImapStartTls::capabilitiesOnlyFromTls_data()
{
    QTest::addColumn<QByteArray>("preTls");
    QTest::addColumn<QByteArray>("startTlsReply");
    QTest::addColumn<QByteArray>("postTls");
    QTest::addColumn<QByteArray>("expectedAuthLine"); // empty: no credential may be sent

    QTest::newRow("sasl-ir-only-before-tls")
        << QByteArray("IMAP4rev1 STARTTLS AUTH=PLAIN SASL-IR") << QByteArray("OK Begin TLS")
        << QByteArray("IMAP4rev1 AUTH=PLAIN") << QByteArray("A0004 AUTHENTICATE PLAIN\r\n");
    QTest::newRow("login-disabled-only-after-tls")
        << QByteArray("IMAP4rev1 STARTTLS") << QByteArray("OK Begin TLS")
        << QByteArray("IMAP4rev1 LOGINDISABLED") << QByteArray();
    QTest::newRow("login-disabled-only-before-tls")
        << QByteArray("IMAP4rev1 STARTTLS LOGINDISABLED") << QByteArray("OK Begin TLS")
        << QByteArray("IMAP4rev1") << QByteArray("A0004 LOGIN alice secret\r\n");
    QTest::newRow("capability-code-in-starttls-reply")
        << QByteArray("IMAP4rev1 STARTTLS LOGINDISABLED")
        << QByteArray("OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] Begin TLS")
        << QByteArray("IMAP4rev1 AUTH=PLAIN") << QByteArray("A0004 AUTHENTICATE PLAIN\r\n");
    QTest::newRow("auth-plain-only-before-tls")
        << QByteArray("IMAP4rev1 STARTTLS AUTH=PLAIN") << QByteArray("OK Begin TLS")
        << QByteArray("IMAP4rev1 LOGINDISABLED AUTH=GSSAPI") << QByteArray();
}

void TestImapStartTls::capabilitiesOnlyFromTls()
{
    QFETCH(QByteArray, preTls);
    QFETCH(QByteArray, startTlsReply);
    QFETCH(QByteArray, postTls);
    QFETCH(QByteArray, expectedAuthLine);

    FakeImapServer server;
    server.script.preTlsCapabilities = preTls;
    server.script.postTlsCapabilities = postTls;
    server.script.intercept = [startTlsReply](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name != "STARTTLS") {
            return false;
        }
        c.sendLine(r.tag + ' ' + startTlsReply);
        c.startTls();
        return true;
    };
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    const QByteArray tls = server.allTlsReceived();
    QVERIFY2(tls.startsWith("A0003 CAPABILITY\r\n"), tls.constData());
    if (expectedAuthLine.isEmpty()) {
        QVERIFY(probe.failed);
        QCOMPARE(probe.error.kind, Imap::SessionError::Kind::AuthenticationFailed);
        QVERIFY2(!tls.contains("LOGIN") && !tls.contains("AUTHENTICATE"), tls.constData());
        return;
    }
    QVERIFY2(probe.authenticated, qPrintable(probe.error.message));
    QVERIFY2(tls.mid(18).startsWith(expectedAuthLine), tls.constData());
}

void TestImapStartTls::alertsAndByeBeforeTlsNeverShown_data()
{
    QTest::addColumn<QByteArray>("greeting");
    QTest::addColumn<QByteArray>("beforeStartTlsReply");
    QTest::newRow("alert-in-greeting")
        << QByteArray("* OK [ALERT] Account locked, call +1-555-0100 now") << QByteArray();
    QTest::newRow("alert-before-starttls-reply")
        << QByteArray("* OK ready")
        << QByteArray("* OK [ALERT] Enter your password at evil.example");
    QTest::newRow("spoofed-bye-before-starttls-reply")
        << QByteArray("* OK ready") << QByteArray("* BYE [ALERT] Server moved, call +1-555-0100");
    QTest::newRow("no-with-alert-before-reply")
        << QByteArray("* OK ready")
        << QByteArray("* NO [ALERT] Quota exceeded, pay at evil.example");
}

void TestImapStartTls::alertsAndByeBeforeTlsNeverShown()
{
    QFETCH(QByteArray, greeting);
    QFETCH(QByteArray, beforeStartTlsReply);
    FakeImapServer server;
    server.script.greeting = greeting;
    server.script.intercept = [beforeStartTlsReply](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name != "STARTTLS" || beforeStartTlsReply.isEmpty()) {
            return false;
        }
        c.sendLine(beforeStartTlsReply);
        c.sendLine(r.tag + " OK Begin TLS");
        c.startTls();
        return true;
    };
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    QString everythingShown;
    connect(&probe.session, &Imap::Session::failed, this,
            [&](const Imap::SessionError& e) { everythingShown += e.message; });
    runUntilDone(probe);

    QVERIFY2(probe.authenticated, qPrintable(probe.error.message));
    QVERIFY(probe.alerts.isEmpty());
    everythingShown += probe.alerts.join(QLatin1Char(' '));
    QVERIFY(!everythingShown.contains(QStringLiteral("555")));
    QVERIFY(!everythingShown.contains(QStringLiteral("evil")));
}

void TestImapStartTls::alertOverTlsIsShown()
{
    FakeImapServer server;
    server.script.afterHandshake = [](FakeImapConnection& c) {
        c.sendLine("* OK [ALERT] Maintenance tonight at 22:00");
    };
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QVERIFY2(probe.authenticated, qPrintable(probe.error.message));
    QCOMPARE(probe.alerts, QStringList{QStringLiteral("Maintenance tonight at 22:00")});
}

void TestImapStartTls::referralsNeverFollowed_data()
{
    QTest::addColumn<QString>("where");
    QTest::addColumn<bool>("expectAuthenticated");
    QTest::newRow("greeting-before-tls") << QStringLiteral("greeting") << true;
    QTest::newRow("bye-before-tls") << QStringLiteral("bye") << false;
    QTest::newRow("login-reply-over-tls") << QStringLiteral("login") << false;
}

void TestImapStartTls::referralsNeverFollowed()
{
    QFETCH(QString, where);
    QFETCH(bool, expectAuthenticated);

    FakeImapServer elsewhere;
    QVERIFY(elsewhere.start());
    const QByteArray url = "imap://alice@127.0.0.1:" + QByteArray::number(elsewhere.port()) + '/';

    FakeImapServer server;
    if (where == QStringLiteral("greeting")) {
        server.script.greeting = "* OK [REFERRAL " + url + "] Use the other server";
    } else if (where == QStringLiteral("bye")) {
        server.script.greeting = "* BYE [REFERRAL " + url + "] Go away";
    } else {
        server.script.intercept = [url](FakeImapConnection& c, const ImapRequest& r) {
            if (r.name != "AUTHENTICATE") {
                return false;
            }
            c.sendLine(r.tag + " NO [REFERRAL " + url + "] Log in over there");
            return true;
        };
    }
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    runUntilDone(probe);

    QCOMPARE(probe.authenticated, expectAuthenticated);
    QCOMPARE(elsewhere.connectionCount(), 0);
    QVERIFY(!probe.error.message.contains(QStringLiteral("127.0.0.1:") +
                                          QString::number(elsewhere.port())));
    if (where == QStringLiteral("login")) {
        QCOMPARE(probe.error.kind, Imap::SessionError::Kind::AuthenticationFailed);
    }
}

QTEST_GUILESS_MAIN(TestImapStartTls)
#include "tst_imap_starttls.moc"
