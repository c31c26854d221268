// SPDX-License-Identifier: GPL-3.0-or-later
// Recording earned latches and latch failures into the account file as it is on disk: what
// another program wrote meanwhile survives, a host changed meanwhile gets no latches, and an
// unreadable file records nothing.
#include "accountfixtures.h"
#include "core/accountstore.h"
#include "core/latchrecording.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;

class TestLatchRecording : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void earnedLatchesJoinTheFileOnDisk();
    void hostChangedMeanwhileRecordsNothing();
    void failureIsAppendedWithTheTlsSeen();
    void unreadableFileRecordsNothing();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    Profile m_profile;
    Account m_account;

    [[nodiscard]] Account onDisk() const
    {
        return *AccountStore(m_profile.accountsDirectory()).load(m_account.id).account;
    }
};

void TestLatchRecording::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_profile = Profile::resolve(m_dir->path());
    m_account = Account();
    m_account.id = QStringLiteral("work");
    m_account.address = QStringLiteral("ann@example.org");
    m_account.imap.host = QStringLiteral("imap.example.org");
    m_account.submission.host = QStringLiteral("smtp.example.org");
    QVERIFY(!AccountStore(m_profile.accountsDirectory()).save(m_account));
}

void TestLatchRecording::earnedLatchesJoinTheFileOnDisk()
{
    // Another program renamed the account after this session loaded it.
    Account edited = m_account;
    edited.displayName = QStringLiteral("Renamed meanwhile");
    QVERIFY(!AccountStore(m_profile.accountsDirectory()).save(edited));

    const std::optional<Account> saved = recordEarnedLatches(
        m_profile, m_account, Service::MessageAccess,
        LatchSet{LatchToken::Tls12, LatchToken::TlsPfs}, Fixtures::observation());
    QVERIFY(saved);
    const Account file = onDisk();
    QCOMPARE(file, *saved);
    QCOMPARE(file.displayName, QStringLiteral("Renamed meanwhile"));
    const LatchRecord record = file.latchRecord(Service::MessageAccess);
    QCOMPARE(record.latchSet(), (LatchSet{LatchToken::Tls12, LatchToken::TlsPfs}));
    QVERIFY(record.hasObservation);
    QCOMPARE(record.lastObservation, Fixtures::observation());
    QVERIFY(file.latchRecord(Service::MessageSubmission).latchSet().isEmpty());
}

void TestLatchRecording::hostChangedMeanwhileRecordsNothing()
{
    Account moved = m_account;
    moved.submission.host = QStringLiteral("smtp.elsewhere.example");
    QVERIFY(!AccountStore(m_profile.accountsDirectory()).save(moved));

    QVERIFY(!recordEarnedLatches(m_profile, m_account, Service::MessageSubmission,
                                 LatchSet{LatchToken::Tls12}, Fixtures::observation()));
    QCOMPARE(onDisk(), moved);

    // The other service's host did not change: its latches are recorded.
    QVERIFY(recordEarnedLatches(m_profile, m_account, Service::MessageAccess,
                                LatchSet{LatchToken::Tls12}, Fixtures::observation()));
    QCOMPARE(onDisk().latchRecord(Service::MessageAccess).latchSet(), LatchSet{LatchToken::Tls12});
}

void TestLatchRecording::failureIsAppendedWithTheTlsSeen()
{
    LatchFailure failure;
    failure.service = Service::MessageSubmission;
    failure.failed = LatchSet{LatchToken::TlsPfs};
    failure.observation = Fixtures::observation();
    QVERIFY(recordLatchFailure(m_profile, m_account, Service::MessageSubmission, failure));

    LatchFailure refused;
    refused.failed = LatchSet{LatchToken::Tls12};
    refused.handshakeRefused = true;
    QVERIFY(recordLatchFailure(m_profile, m_account, Service::MessageSubmission, refused));

    const QList<LatchFailureRecord> recorded =
        onDisk().latchRecord(Service::MessageSubmission).recentFailures;
    QCOMPARE(recorded.size(), 2);
    QCOMPARE(recorded.at(0).failed, LatchSet{LatchToken::TlsPfs});
    QCOMPARE(recorded.at(0).detail, QStringLiteral("TLSv1.3 TLS_AES_128_GCM_SHA256"));
    QVERIFY(recorded.at(0).at.isValid());
    QCOMPARE(recorded.at(1).detail, QStringLiteral("handshake refused"));
    QVERIFY(onDisk().latchRecord(Service::MessageAccess).recentFailures.isEmpty());
}

void TestLatchRecording::unreadableFileRecordsNothing()
{
    const QString file = m_profile.accountsDirectory() + QStringLiteral("/work.json");
    QFile damaged(file);
    QVERIFY(damaged.open(QIODevice::WriteOnly | QIODevice::Truncate));
    damaged.write("{ not json");
    damaged.close();

    const QRegularExpression reported(
        QStringLiteral("^cannot record the .* of work: .*work\\.json"));
    QTest::ignoreMessage(QtWarningMsg, reported);
    QTest::ignoreMessage(QtWarningMsg, reported);
    QVERIFY(!recordEarnedLatches(m_profile, m_account, Service::MessageAccess,
                                 LatchSet{LatchToken::Tls12}, Fixtures::observation()));
    QVERIFY(!recordLatchFailure(m_profile, m_account, Service::MessageAccess, LatchFailure()));
    QVERIFY(damaged.open(QIODevice::ReadOnly));
    QCOMPARE(damaged.readAll(), QByteArray("{ not json")); // left as it was, for the user to see
}

QTEST_GUILESS_MAIN(TestLatchRecording)
#include "tst_latchrecording.moc"
