// SPDX-License-Identifier: GPL-3.0-or-later
// Every STARTTLS attack class run through ImapService::synchronize(), the path a real sync takes
// (session, LIST, SELECT, UID SEARCH/FETCH, offline cache). Each attack also injects a mailbox
// ("Evil") and a message ("Injected", UID 77) in plaintext. Asserted for every class: (a) the
// plaintext the server received holds no credential and no mailbox command, (b) the injected
// mailbox and message are not in the cache afterwards, (c) no server text reached the error or
// the alerts the user is shown.
#include "imap/cache/messagecache.h"
#include "scriptedaccount.h"
#include "sessionprobe.h"

#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kInbox = QStringLiteral("INBOX");
constexpr quint32 kInjectedUid = 77;

// Mailbox and message data a man in the middle adds to the plaintext part of the connection.
const QByteArray kInjected =
    "* LIST (\\HasNoChildren \\Sent) \"/\" Evil\r\n* 2 EXISTS\r\n"
    "* 2 FETCH (UID 77 FLAGS () RFC822.SIZE 10 ENVELOPE (NIL \"Injected\" NIL NIL NIL NIL NIL "
    "NIL NIL NIL))";

QByteArray legitimateMessage()
{
    return "From: Ann <ann@example.org>\r\nSubject: Real\r\nDate: Fri, 01 Mar 2024 12:00:00 "
           "+0000\r\n\r\nText\r\n";
}

// Answers STARTTLS with `before` (lines sent first), then `reply` after the tag; TLS follows an
// OK reply. `injectAfterReply` appends the injection to the reply in the same write.
FakeImapServer::Interceptor startTlsReply(QByteArray before, QByteArray reply,
                                          bool injectAfterReply = false)
{
    return [before, reply, injectAfterReply](FakeImapConnection& c, const ImapRequest& r) {
        if (r.name != "STARTTLS") {
            return false;
        }
        if (!before.isEmpty()) {
            c.sendLine(before);
        }
        QByteArray bytes = r.tag + ' ' + reply + "\r\n";
        if (injectAfterReply) {
            bytes += kInjected + "\r\n";
        }
        c.send(bytes);
        if (reply.startsWith("OK")) {
            c.startTls();
        }
        return true;
    };
}

enum class Expect { Synced, SecurityRefusal, Protocol, AnyFailure };

} // namespace

Q_DECLARE_METATYPE(Expect)

class TestImapHostileCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void attackLeavesNothingBehind_data();
    void attackLeavesNothingBehind();

private:
    static void configure(FakeImapServer& server, const QString& attack);
};

void TestImapHostileCache::attackLeavesNothingBehind_data()
{
    QTest::addColumn<QString>("attack");
    QTest::addColumn<Expect>("expect");
    const QStringList refused = {QStringLiteral("stripping"), QStringLiteral("refused-starttls"),
                                 QStringLiteral("preauth-before-tls"),
                                 QStringLiteral("injection-after-starttls-reply")};
    for (const QString& attack : refused) {
        QTest::newRow(qPrintable(attack)) << attack << Expect::SecurityRefusal;
    }
    QTest::newRow("garbled-starttls") << QStringLiteral("garbled-starttls") << Expect::AnyFailure;
    QTest::newRow("invalid-greeting") << QStringLiteral("invalid-greeting") << Expect::Protocol;
    const QStringList survived = {QStringLiteral("unsolicited-before-tls"),
                                  QStringLiteral("pre-tls-capabilities"),
                                  QStringLiteral("alert-bye-spoofing"), QStringLiteral("referral")};
    for (const QString& attack : survived) {
        QTest::newRow(qPrintable(attack)) << attack << Expect::Synced;
    }
}

void TestImapHostileCache::configure(FakeImapServer& server, const QString& attack)
{
    FakeImapServer::Script& script = server.script;
    if (attack == QStringLiteral("stripping")) {
        script.preTlsCapabilities = "IMAP4rev1 AUTH=PLAIN";
        script.greeting = "* OK ready\r\n" + kInjected;
    } else if (attack == QStringLiteral("refused-starttls")) {
        script.intercept = startTlsReply(kInjected, "NO [ALERT] TLS off, call +1-555-0100");
    } else if (attack == QStringLiteral("garbled-starttls")) {
        script.intercept = [](FakeImapConnection& c, const ImapRequest& r) {
            if (r.name != "STARTTLS") {
                return false;
            }
            c.sendLine(kInjected);
            c.send(QByteArray("\x16\x03\x01 evil\r\n", 11));
            c.close();
            return true;
        };
    } else if (attack == QStringLiteral("preauth-before-tls")) {
        script.greeting = "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] evil\r\n" + kInjected;
    } else if (attack == QStringLiteral("invalid-greeting")) {
        script.greeting = kInjected;
    } else if (attack == QStringLiteral("injection-after-starttls-reply")) {
        script.intercept = startTlsReply({}, "OK Begin TLS", true);
    } else if (attack == QStringLiteral("unsolicited-before-tls")) {
        script.greeting = "* OK ready\r\n" + kInjected;
    } else if (attack == QStringLiteral("pre-tls-capabilities")) {
        script.preTlsCapabilities = "IMAP4rev1 IMAP4rev2 STARTTLS ENABLE QRESYNC AUTH=PLAIN";
        script.intercept = startTlsReply(
            kInjected, "OK [CAPABILITY IMAP4rev2 QRESYNC AUTH=PLAIN SASL-IR] Begin TLS");
    } else if (attack == QStringLiteral("alert-bye-spoofing")) {
        script.intercept = startTlsReply(kInjected + "\r\n* OK [ALERT] call +1-555-0100\r\n"
                                                     "* BYE [ALERT] moved to evil.example",
                                         "OK Begin TLS");
    } else if (attack == QStringLiteral("referral")) {
        script.greeting = "* OK [REFERRAL imap://alice@evil.example/] evil\r\n" + kInjected;
    }
}

void TestImapHostileCache::attackLeavesNothingBehind()
{
    QFETCH(QString, attack);
    QFETCH(Expect, expect);

    FakeImapServer server;
    server.mailboxes["INBOX"].add(legitimateMessage());
    configure(server, attack);
    QVERIFY(server.start());
    ScriptedAccount account(server, TlsMode::StartTls);
    QVERIFY(account.isValid());

    std::unique_ptr<Imap::ImapService> service = account.service(QStringLiteral("secret"));
    bool done = false;
    bool synced = false;
    Imap::SessionError error;
    QStringList alerts;
    connect(service.get(), &Imap::ImapService::synchronized, this, [&] { done = synced = true; });
    connect(service.get(), &Imap::ImapService::failed, this, [&](const Imap::SessionError& e) {
        done = true;
        error = e;
    });
    connect(service.get(), &Imap::ImapService::alertReceived, this,
            [&](const QString& text) { alerts.append(text); });
    service->synchronize(kInbox);
    QTRY_VERIFY_WITH_TIMEOUT(done, 30000);
    service.reset();

    QCOMPARE(synced, expect == Expect::Synced);
    if (expect == Expect::SecurityRefusal) {
        QCOMPARE(error.kind, Imap::SessionError::Kind::SecurityRefusal);
    } else if (expect == Expect::Protocol) {
        QCOMPARE(error.kind, Imap::SessionError::Kind::Protocol);
    }
    // (a) and (c)
    const QString leak = leakIn(server.allPlaintextReceived(),
                                error.message + QLatin1Char(' ') + alerts.join(QLatin1Char(' ')));
    QVERIFY2(leak.isEmpty(), qPrintable(leak));
    QVERIFY(alerts.isEmpty());

    // (b) the cache a real sync wrote: the server's INBOX only, never the injected data.
    MessageCache cache;
    QVERIFY2(cache.open(account.cacheFile()), qPrintable(cache.lastError()));
    QVERIFY(!cache.mailbox(QStringLiteral("Evil")));
    QVERIFY(!cache.mailboxWithSpecialUse(QStringLiteral("\\Sent")));
    QVERIFY(!cache.message(kInbox, kInjectedUid));
    for (const CachedMessage& cached : cache.messages(kInbox)) {
        QVERIFY(cached.subject != QStringLiteral("Injected"));
    }
    if (expect == Expect::Synced) {
        QCOMPARE(cache.uids(kInbox), QList<quint32>{1});
        QCOMPARE(cache.message(kInbox, 1)->subject, QStringLiteral("Real"));
        QVERIFY(!server.allTlsReceived().contains("ENABLE")); // pre-TLS QRESYNC is forgotten
    } else {
        QCOMPARE(cache.mailboxes().size(), 0);
    }
}

QTEST_GUILESS_MAIN(TestImapHostileCache)
#include "tst_imap_hostile_cache.moc"
