// SPDX-License-Identifier: GPL-3.0-or-later
// The account model: wire names, default ports and the latch record rules (first-set dates are
// kept, failures are bounded, records are keyed by service and configured host).
#include "accountfixtures.h"
#include "core/account.h"

#include <QTest>

using namespace Latchmail;

Q_DECLARE_METATYPE(Latchmail::Service)
Q_DECLARE_METATYPE(Latchmail::TlsMode)

class TestAccountModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serviceNames_data();
    void serviceNames();
    void serviceFromNameRejects_data();
    void serviceFromNameRejects();
    void tlsModeNames_data();
    void tlsModeNames();
    void tlsModeFromNameRejects_data();
    void tlsModeFromNameRejects();
    void defaultPort_data();
    void defaultPort();
    void addLatchesStampsOnlyNewTokens();
    void addLatchesKeepsUnknownWellFormedTokens();
    void addFailureKeepsNewest();
    void recordKey_data();
    void recordKey();
    void latchRecordFollowsConfiguredHost();
};

void TestAccountModel::serviceNames_data()
{
    QTest::addColumn<Service>("service");
    QTest::addColumn<QString>("name");
    QTest::newRow("message-access") << Service::MessageAccess << QStringLiteral("imap");
    QTest::newRow("message-submission")
        << Service::MessageSubmission << QStringLiteral("submission");
}

void TestAccountModel::serviceNames()
{
    QFETCH(Service, service);
    QFETCH(QString, name);
    QCOMPARE(serviceName(service), name);

    Service parsed =
        service == Service::MessageAccess ? Service::MessageSubmission : Service::MessageAccess;
    QVERIFY(serviceFromName(name, &parsed));
    QCOMPARE(parsed, service);
}

void TestAccountModel::serviceFromNameRejects_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("empty") << QString();
    QTest::newRow("upper-case") << QStringLiteral("IMAP");
    QTest::newRow("smtp") << QStringLiteral("smtp");
    QTest::newRow("trailing-space") << QStringLiteral("imap ");
}

void TestAccountModel::serviceFromNameRejects()
{
    QFETCH(QString, name);
    Service parsed = Service::MessageSubmission;
    QVERIFY(!serviceFromName(name, &parsed));
    QCOMPARE(parsed, Service::MessageSubmission);
}

void TestAccountModel::tlsModeNames_data()
{
    QTest::addColumn<TlsMode>("mode");
    QTest::addColumn<QString>("name");
    QTest::newRow("auto") << TlsMode::Auto << QStringLiteral("auto");
    QTest::newRow("implicit") << TlsMode::Implicit << QStringLiteral("implicit");
    QTest::newRow("starttls") << TlsMode::StartTls << QStringLiteral("starttls");
}

void TestAccountModel::tlsModeNames()
{
    QFETCH(TlsMode, mode);
    QFETCH(QString, name);
    QCOMPARE(tlsModeName(mode), name);

    TlsMode parsed = mode == TlsMode::Auto ? TlsMode::StartTls : TlsMode::Auto;
    QVERIFY(tlsModeFromName(name, &parsed));
    QCOMPARE(parsed, mode);
}

void TestAccountModel::tlsModeFromNameRejects_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("empty") << QString();
    QTest::newRow("mixed-case") << QStringLiteral("StartTLS");
    QTest::newRow("tls") << QStringLiteral("tls");
    QTest::newRow("ssl") << QStringLiteral("ssl");
}

void TestAccountModel::tlsModeFromNameRejects()
{
    QFETCH(QString, name);
    TlsMode parsed = TlsMode::Implicit;
    QVERIFY(!tlsModeFromName(name, &parsed));
    QCOMPARE(parsed, TlsMode::Implicit);
}

void TestAccountModel::defaultPort_data()
{
    QTest::addColumn<Service>("service");
    QTest::addColumn<TlsMode>("mode");
    QTest::addColumn<int>("port");
    QTest::newRow("imap-auto") << Service::MessageAccess << TlsMode::Auto << 993;
    QTest::newRow("imap-implicit") << Service::MessageAccess << TlsMode::Implicit << 993;
    QTest::newRow("imap-starttls") << Service::MessageAccess << TlsMode::StartTls << 143;
    QTest::newRow("submission-auto") << Service::MessageSubmission << TlsMode::Auto << 465;
    QTest::newRow("submission-implicit") << Service::MessageSubmission << TlsMode::Implicit << 465;
    QTest::newRow("submission-starttls") << Service::MessageSubmission << TlsMode::StartTls << 587;
}

void TestAccountModel::defaultPort()
{
    QFETCH(Service, service);
    QFETCH(TlsMode, mode);
    QFETCH(int, port);
    QCOMPARE(int(Latchmail::defaultPort(service, mode)), port);
}

void TestAccountModel::addLatchesStampsOnlyNewTokens()
{
    const QDateTime first = Fixtures::utc(2026, 1, 1);
    const QDateTime later = Fixtures::utc(2026, 6, 1);
    LatchRecord record;
    QVERIFY(record.addLatches({LatchToken::Tls12}, first));

    QVERIFY(record.addLatches({LatchToken::Tls12, LatchToken::TlsCert}, later));
    QCOMPARE(record.latches.value(LatchToken::Tls12), first);
    QCOMPARE(record.latches.value(LatchToken::TlsCert), later);

    QVERIFY(!record.addLatches({LatchToken::Tls12, LatchToken::TlsCert}, later.addDays(1)));
    QVERIFY(!record.addLatches({}, later.addDays(1)));
    QCOMPARE(record.latches.value(LatchToken::TlsCert), later);
    QCOMPARE(record.latchSet(), LatchSet({LatchToken::Tls12, LatchToken::TlsCert}));
}

void TestAccountModel::addLatchesKeepsUnknownWellFormedTokens()
{
    LatchRecord record;
    QVERIFY(record.addLatches({QStringLiteral("tls-dane-tlsa")}, Fixtures::utc(2026, 1, 1)));
    QVERIFY(record.latchSet().contains(QStringLiteral("tls-dane-tlsa")));
    QCOMPARE(record.latches.size(), 1);
}

void TestAccountModel::addFailureKeepsNewest()
{
    LatchRecord record;
    const int total = LatchRecord::kMaxRecentFailures + 5;
    for (int i = 0; i < total; ++i) {
        record.addFailure(
            {Fixtures::utc(2026, 1, 1, 0, i), {LatchToken::TlsPfs}, QString::number(i)});
        QCOMPARE(record.recentFailures.size(), qMin(i + 1, LatchRecord::kMaxRecentFailures));
    }
    QCOMPARE(record.recentFailures.first().detail, QString::number(5));
    QCOMPARE(record.recentFailures.last().detail, QString::number(total - 1));
}

void TestAccountModel::recordKey_data()
{
    QTest::addColumn<Service>("service");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("key");
    QTest::newRow("imap-lower-cased")
        << Service::MessageAccess << QStringLiteral("IMAP.Example.ORG")
        << QStringLiteral("imap:imap.example.org");
    QTest::newRow("submission") << Service::MessageSubmission << QStringLiteral("smtp.example.org")
                                << QStringLiteral("submission:smtp.example.org");
    QTest::newRow("ipv6-literal") << Service::MessageAccess << QStringLiteral("::1")
                                  << QStringLiteral("imap:::1");
}

void TestAccountModel::recordKey()
{
    QFETCH(Service, service);
    QFETCH(QString, host);
    QFETCH(QString, key);
    QCOMPARE(Account::recordKey(service, host), key);
}

void TestAccountModel::latchRecordFollowsConfiguredHost()
{
    Account account;
    account.imap.host = QStringLiteral("Mail.Example.org");
    account.submission.host = QStringLiteral("mail.example.org");
    account.latchRecordRef(Service::MessageAccess)
        .addLatches({LatchToken::Tls12}, Fixtures::utc(2026, 1, 1));
    QCOMPARE(account.latchRecords.keys(), QStringList{QStringLiteral("imap:mail.example.org")});

    // The same host for the other service has latches of its own (DEEP 3.1).
    QVERIFY(account.latchRecord(Service::MessageSubmission).latches.isEmpty());

    // A different configured host starts empty; going back finds the record again.
    account.imap.host = QStringLiteral("other.example.org");
    QVERIFY(account.latchRecord(Service::MessageAccess).latches.isEmpty());
    account.imap.host = QStringLiteral("MAIL.EXAMPLE.ORG");
    QCOMPARE(account.latchRecord(Service::MessageAccess).latchSet(), LatchSet{LatchToken::Tls12});
    QCOMPARE(account.latchRecords.size(), 1);
}

QTEST_GUILESS_MAIN(TestAccountModel)
#include "tst_accountstore_model.moc"
