// SPDX-License-Identifier: GPL-3.0-or-later
// ImapService and the per-operation tasks against scripted servers: latches recorded only after
// a successful login, latch failures recorded and surfaced, `auto` falling back from implicit TLS
// to STARTTLS, IDLE reconnecting with backoff, MOVE's fallback, and login failure messages
// (RFC 5530 codes in plain language, the server's text attributed).
#include "core/accountstore.h"
#include "core/profile.h"
#include "imap/cache/messagecache.h"
#include "imap/imapservice.h"
#include "imap/tasks/movetask.h"
#include "imap/tasks/syncmailboxtask.h"
#include "scriptedaccount.h"
#include "sessionprobe.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kInbox = QStringLiteral("INBOX");

QByteArray message(int index)
{
    return "From: Ann <ann@example.org>\r\nSubject: Message " + QByteArray::number(index) +
           "\r\nDate: Fri, 01 Mar 2024 12:00:00 +0000\r\nMessage-ID: <" +
           QByteArray::number(index) + "@example.org>\r\n\r\nText " + QByteArray::number(index) +
           "\r\n";
}

struct Outcome
{
    bool done = false;
    bool ok = false;
    Imap::SessionError error;
};

void watch(Imap::ImapService& service, Outcome* outcome)
{
    QObject::connect(&service, &Imap::ImapService::synchronized, &service, [outcome] {
        outcome->done = true;
        outcome->ok = true;
    });
    QObject::connect(&service, &Imap::ImapService::failed, &service,
                     [outcome](const Imap::SessionError& error) {
                         outcome->done = true;
                         outcome->error = error;
                     });
}

} // namespace

class TestImapService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void latchesRecordedOnlyAfterLogin_data();
    void latchesRecordedOnlyAfterLogin();
    void latchFailureRecordedAndSurfaced();
    void autoFallsBackFromImplicitTlsToStartTls();
    void watchReconnectsWithBackoff();
    void moveFallsBackToCopyStoreExpunge_data();
    void moveFallsBackToCopyStoreExpunge();
    void loginFailureMessages_data();
    void loginFailureMessages();
};

void TestImapService::latchesRecordedOnlyAfterLogin_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("refuseStartTls");
    QTest::addColumn<bool>("expectLatches");
    QTest::newRow("login-succeeds") << QStringLiteral("secret") << false << true;
    QTest::newRow("login-rejected") << QStringLiteral("wrong") << false << false;
    QTest::newRow("starttls-refused") << QStringLiteral("secret") << true << false;
}

void TestImapService::latchesRecordedOnlyAfterLogin()
{
    QFETCH(QString, password);
    QFETCH(bool, refuseStartTls);
    QFETCH(bool, expectLatches);

    FakeImapServer server;
    server.mailboxes["INBOX"].add(message(1));
    if (refuseStartTls) {
        server.script.intercept = [](FakeImapConnection& c, const ImapRequest& r) {
            if (r.name != "STARTTLS") {
                return false;
            }
            c.sendLine(r.tag + " NO not now");
            return true;
        };
    }
    QVERIFY(server.start());
    ScriptedAccount account(server, TlsMode::StartTls);
    QVERIFY(account.isValid());

    std::unique_ptr<Imap::ImapService> service = account.service(password);
    Outcome outcome;
    watch(*service, &outcome);
    service->synchronize(kInbox);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.done, 20000);

    QCOMPARE(outcome.ok, expectLatches);
    const LatchRecord record = account.stored().latchRecord(Service::MessageAccess);
    QCOMPARE(record.latchSet().isEmpty(), !expectLatches);
    QCOMPARE(record.hasObservation, expectLatches);
    if (expectLatches) {
        QVERIFY(record.latchSet().contains(LatchToken::Tls12));
        QVERIFY(record.latchSet().contains(LatchToken::TlsCert));
    } else {
        QVERIFY(outcome.error.kind == Imap::SessionError::Kind::AuthenticationFailed ||
                outcome.error.kind == Imap::SessionError::Kind::SecurityRefusal);
    }
}

void TestImapService::latchFailureRecordedAndSurfaced()
{
    FakeImapServer server;
    server.script.implicitTls = true;
    server.script.tlsProtocol = QSsl::TlsV1_2;
    QVERIFY(server.start());
    ScriptedAccount account(
        server, TlsMode::Auto,
        LatchSet{LatchToken::Tls10, LatchToken::Tls11, LatchToken::Tls12, LatchToken::Tls13});

    std::unique_ptr<Imap::ImapService> service = account.service(QStringLiteral("secret"));
    Outcome outcome;
    watch(*service, &outcome);
    service->synchronize(kInbox);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.done, 20000);

    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.kind, Imap::SessionError::Kind::LatchFailure);
    QVERIFY(outcome.error.latchFailure->failed.contains(LatchToken::Tls13));
    QVERIFY(outcome.error.message.contains(QStringLiteral("Nothing was sent")));
    const LatchRecord record = account.stored().latchRecord(Service::MessageAccess);
    QCOMPARE(record.recentFailures.size(), 1);
    QVERIFY(record.recentFailures.first().failed.contains(LatchToken::Tls13));
    // `auto` does not turn a latch failure into a STARTTLS attempt, and nothing was sent.
    QCOMPARE(server.allTlsReceived(), QByteArray());
    QVERIFY(!server.requestNames().contains("STARTTLS"));
}

void TestImapService::autoFallsBackFromImplicitTlsToStartTls()
{
    FakeImapServer server; // plaintext with STARTTLS only, on the account's explicit port
    server.mailboxes["INBOX"].add(message(1));
    QVERIFY(server.start());
    ScriptedAccount account(server, TlsMode::Auto);

    std::unique_ptr<Imap::ImapService> service = account.service(QStringLiteral("secret"));
    Outcome outcome;
    watch(*service, &outcome);
    service->synchronize(kInbox);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.done, 20000);

    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(server.connectionCount(), 2);
    QVERIFY(!server.connection(0)->handshakeCompleted());
    QVERIFY(server.connection(1)->handshakeCompleted());
    QCOMPARE(account.stored().latchRecord(Service::MessageAccess).lastObservation.transport,
             TransportSecurity::StartTls);
}

void TestImapService::watchReconnectsWithBackoff()
{
    FakeImapServer server;
    server.mailboxes["INBOX"].add(message(1));
    QVERIFY(server.start());
    const quint16 port = server.port();
    ScriptedAccount account(server, TlsMode::StartTls);

    std::unique_ptr<Imap::ImapService> service = account.service(QStringLiteral("secret"));
    QSignalSpy idling(service.get(), &Imap::ImapService::idling);
    QSignalSpy reconnecting(service.get(), &Imap::ImapService::reconnecting);
    QSignalSpy failed(service.get(), &Imap::ImapService::failed);
    service->watch(kInbox);
    QTRY_COMPARE_WITH_TIMEOUT(idling.size(), 1, 20000);

    // The connection drops while idling: a new one follows after the first delay.
    server.mailboxes["INBOX"].add(message(2));
    server.connection()->abort();
    QTRY_COMPARE_WITH_TIMEOUT(reconnecting.size(), 1, 20000);
    QCOMPARE(reconnecting.at(0).at(0).toInt(), 1000);
    QTRY_COMPARE_WITH_TIMEOUT(idling.size(), 2, 20000);
    QCOMPARE(server.connectionCount(), 2);
    QVERIFY(service->cache()->message(kInbox, 2));

    // The server goes away: attempts back off (1 s, 2 s, …) until it is back.
    server.close();
    server.connection()->abort();
    QTRY_COMPARE_WITH_TIMEOUT(reconnecting.size(), 3, 20000);
    QCOMPARE(reconnecting.at(1).at(0).toInt(), 1000);
    QCOMPARE(reconnecting.at(2).at(0).toInt(), 2000);
    QVERIFY(server.listen(QHostAddress::LocalHost, port));
    QTRY_COMPARE_WITH_TIMEOUT(idling.size(), 3, 20000);
    QVERIFY(failed.isEmpty());
    service->stop();
}

void TestImapService::moveFallsBackToCopyStoreExpunge_data()
{
    QTest::addColumn<QByteArray>("capabilities");
    QTest::addColumn<bool>("expectExpunge");
    QTest::newRow("uidplus") << QByteArray("IMAP4rev1 AUTH=PLAIN UIDPLUS") << true;
    QTest::newRow("no-uidplus") << QByteArray("IMAP4rev1 AUTH=PLAIN") << false;
}

void TestImapService::moveFallsBackToCopyStoreExpunge()
{
    QFETCH(QByteArray, capabilities);
    QFETCH(bool, expectExpunge);

    FakeImapServer server;
    server.script.postTlsCapabilities = capabilities;
    for (int i = 1; i <= 4; ++i) {
        server.mailboxes["INBOX"].add(message(i));
    }
    server.mailboxes.insert("Archive", FakeMailbox());
    QVERIFY(server.start());
    QTemporaryDir dir;
    MessageCache cache;
    QVERIFY(cache.open(dir.filePath(QStringLiteral("cache.sqlite"))));

    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    probe.session.open();
    QTRY_VERIFY(probe.done());
    bool synced = false;
    auto* sync = new Imap::SyncMailboxTask(&cache, kInbox);
    connect(sync, &Imap::ImapTask::finished, this, [&synced] { synced = true; });
    probe.session.enqueue(sync);
    QTRY_VERIFY(synced);

    auto* move = new Imap::MoveTask(&cache, kInbox, {2, 3}, QStringLiteral("Archive"));
    bool moved = false;
    bool leftDeleted = false;
    connect(move, &Imap::ImapTask::finished, this, [&](Imap::ImapTask* task) {
        moved = task->succeeded();
        leftDeleted = static_cast<Imap::MoveTask*>(task)->originalsLeftDeleted();
    });
    probe.session.enqueue(move);
    QTRY_VERIFY(moved);

    QVERIFY(!server.requestNames().contains("UID MOVE"));
    QVERIFY(server.requestNames().contains("UID COPY"));
    QVERIFY(server.requestNames().contains("UID STORE"));
    QCOMPARE(server.requestNames().contains("UID EXPUNGE"), expectExpunge);
    QVERIFY(!server.requestNames().contains("EXPUNGE"));
    QCOMPARE(leftDeleted, !expectExpunge);
    QCOMPARE(server.mailboxes["Archive"].messages.size(), 2);
    QCOMPARE(server.mailboxes["INBOX"].messages.size(), expectExpunge ? 2 : 4);
    QCOMPARE(cache.uids(kInbox),
             expectExpunge ? (QList<quint32>{1, 4}) : (QList<quint32>{1, 2, 3, 4}));
}

void TestImapService::loginFailureMessages_data()
{
    QTest::addColumn<QByteArray>("reply");
    QTest::addColumn<QString>("meaning");
    QTest::addColumn<QString>("serverText");

    QTest::newRow("authentication-failed")
        << QByteArray("NO [AUTHENTICATIONFAILED] Invalid credentials")
        << QStringLiteral("user name or password was not accepted")
        << QStringLiteral("the server said \u201cInvalid credentials\u201d");
    QTest::newRow("expired") << QByteArray("NO [EXPIRED] Password expired on 2024-01-01")
                             << QStringLiteral("has expired")
                             << QStringLiteral("Password expired on 2024-01-01");
    QTest::newRow("privacy-required")
        << QByteArray("NO [PRIVACYREQUIRED] Use TLS") << QStringLiteral("more private connection")
        << QStringLiteral("Use TLS");
    QTest::newRow("unavailable") << QByteArray("NO [UNAVAILABLE] Backend down")
                                 << QStringLiteral("try again later")
                                 << QStringLiteral("Backend down");
    QTest::newRow("contact-admin")
        << QByteArray("NO [CONTACTADMIN] Account locked")
        << QStringLiteral("contact your email provider") << QStringLiteral("Account locked");
    QTest::newRow("no-code") << QByteArray("NO Nope") << QStringLiteral("was not accepted")
                             << QStringLiteral("Nope");
    QTest::newRow("bad") << QByteArray("BAD Syntax error") << QStringLiteral("malformed")
                         << QStringLiteral("Syntax error");
}

void TestImapService::loginFailureMessages()
{
    QFETCH(QByteArray, reply);
    QFETCH(QString, meaning);
    QFETCH(QString, serverText);

    FakeImapServer server;
    server.script.intercept = [reply](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name != "AUTHENTICATE") {
            return false;
        }
        c.sendLine(r.tag + ' ' + reply);
        return true;
    };
    QVERIFY(server.start());
    SessionProbe probe(sessionOptionsFor(server, false), QStringLiteral("alice"),
                       QStringLiteral("secret"));
    probe.session.open();
    QTRY_VERIFY(probe.done());

    QCOMPARE(probe.error.kind, Imap::SessionError::Kind::AuthenticationFailed);
    QVERIFY2(probe.error.message.startsWith(QStringLiteral("Login to 127.0.0.1 failed: ")),
             qPrintable(probe.error.message));
    QVERIFY2(probe.error.message.contains(meaning), qPrintable(probe.error.message));
    QVERIFY2(probe.error.message.contains(serverText), qPrintable(probe.error.message));
}

QTEST_GUILESS_MAIN(TestImapService)
#include "tst_imap_service.moc"
