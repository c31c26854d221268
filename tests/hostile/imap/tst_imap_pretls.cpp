// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP session against peers that send data before TLS is up: unsolicited untagged data,
// capabilities that differ before and after TLS (and in the STARTTLS reply), ALERT and BYE text
// sent in plaintext, and referrals to another server. Each test asserts that nothing forbidden
// was sent in plaintext, that only post-TLS capabilities were used, and that no server text from
// before TLS reached the user.
#include "sessionprobe.h"

#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

class TestImapPreTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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

void TestImapPreTls::runUntilDone(SessionProbe& probe)
{
    probe.session.open();
    QTRY_VERIFY_WITH_TIMEOUT(probe.done(), 20000);
}

void TestImapPreTls::unsolicitedDataBeforeTlsIgnored()
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
    const QString leak = leakIn(server, probe);
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
}

void TestImapPreTls::capabilitiesOnlyFromTls_data()
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

void TestImapPreTls::capabilitiesOnlyFromTls()
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

    const QString leak = leakIn(server, probe);
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
    QCOMPARE(server.allPlaintextReceived(), QByteArray("A0001 CAPABILITY\r\nA0002 STARTTLS\r\n"));
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

void TestImapPreTls::alertsAndByeBeforeTlsNeverShown_data()
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

void TestImapPreTls::alertsAndByeBeforeTlsNeverShown()
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
    const QString leak = leakIn(server.allPlaintextReceived(), everythingShown);
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
}

void TestImapPreTls::alertOverTlsIsShown()
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

void TestImapPreTls::referralsNeverFollowed_data()
{
    QTest::addColumn<QString>("where");
    QTest::addColumn<bool>("expectAuthenticated");
    QTest::newRow("greeting-before-tls") << QStringLiteral("greeting") << true;
    QTest::newRow("bye-before-tls") << QStringLiteral("bye") << false;
    QTest::newRow("login-reply-over-tls") << QStringLiteral("login") << false;
}

void TestImapPreTls::referralsNeverFollowed()
{
    QFETCH(QString, where);
    QFETCH(bool, expectAuthenticated);

    FakeImapServer elsewhere;
    QVERIFY(elsewhere.start());
    const QByteArray url = "imap://alice@127.0.0.1:" + QByteArray::number(elsewhere.port()) + '/';

    FakeImapServer server;
    if (where == QStringLiteral("greeting")) {
        server.script.greeting = "* OK [REFERRAL " + url + "] Use the evil server";
    } else if (where == QStringLiteral("bye")) {
        server.script.greeting = "* BYE [REFERRAL " + url + "] Go to evil.example";
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
    const QString leak = leakIn(server, probe);
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
    QVERIFY(!probe.error.message.contains(QStringLiteral("127.0.0.1:") +
                                          QString::number(elsewhere.port())));
    if (where == QStringLiteral("login")) {
        QCOMPARE(probe.error.kind, Imap::SessionError::Kind::AuthenticationFailed);
    }
}

QTEST_GUILESS_MAIN(TestImapPreTls)
#include "tst_imap_pretls.moc"
