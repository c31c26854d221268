// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP engine's security bookkeeping against a real Dovecot: a server that falls below an
// earned latch (TLS 1.3 earned, then TLS 1.2 only) is refused before any login, the failure is
// recorded with the account, and the cache stays as it was; and a full session with every
// latchmail logging category enabled (wire traces included) never logs the password.
#include "imaptestaccount.h"

#include <QLoggingCategory>
#include <QMutex>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kInbox = QStringLiteral("INBOX");

QMutex capturedMutex;
QByteArray captured;

void captureMessage(QtMsgType, const QMessageLogContext& context, const QString& message)
{
    const QMutexLocker lock(&capturedMutex);
    captured +=
        QByteArray(context.category ? context.category : "") + ": " + message.toUtf8() + '\n';
}

} // namespace

class TestImapDovecotSecurity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void latchFailureAfterServerChange();
    void wireLogNeverShowsThePassword_data();
    void wireLogNeverShowsThePassword();
};

void TestImapDovecotSecurity::latchFailureAfterServerChange()
{
    MailStack modern;
    QVERIFY2(modern.start(), qPrintable(modern.errorString()));
    QVERIFY(modern.addMessages(QStringLiteral("alice"), 5,
                               [](int index) { return MailStack::generateMessage(index); }));
    ImapTestAccount account(modern, modern.user(QStringLiteral("alice")));
    QVERIFY(account.isValid());

    std::unique_ptr<Imap::ImapService> service = account.service();
    ServiceOutcome first;
    watchOutcome(*service, &first);
    service->synchronize(kInbox);
    QTRY_VERIFY_WITH_TIMEOUT(first.done, 60000);
    QVERIFY2(first.ok, qPrintable(first.error.message));
    QVERIFY(account.stored()
                .latchRecord(Service::MessageAccess)
                .latchSet()
                .contains(LatchToken::Tls13));
    service.reset();

    // The same host name now answers with TLS 1.2 at most.
    MailStack::Options options;
    options.tls12Only = true;
    options.users = {QStringLiteral("alice:") + modern.user(QStringLiteral("alice")).password};
    MailStack downgraded(options);
    QVERIFY2(downgraded.start(), qPrintable(downgraded.errorString()));
    account.setPort(downgraded.ports().imapPlain);

    std::unique_ptr<Imap::ImapService> again = account.service();
    ServiceOutcome second;
    watchOutcome(*again, &second);
    again->synchronize(kInbox);
    QTRY_VERIFY_WITH_TIMEOUT(second.done, 60000);

    QVERIFY(!second.ok);
    QCOMPARE(second.error.kind, Imap::SessionError::Kind::LatchFailure);
    QVERIFY(second.error.isSecurityRefusal());
    QVERIFY(second.error.latchFailure.has_value());
    QVERIFY(second.error.latchFailure->failed.contains(LatchToken::Tls13));
    QVERIFY(!second.error.message.isEmpty());

    const LatchRecord record = account.stored().latchRecord(Service::MessageAccess);
    QCOMPARE(record.recentFailures.size(), 1);
    QVERIFY(record.recentFailures.first().failed.contains(LatchToken::Tls13));
    QVERIFY(record.latchSet().contains(LatchToken::Tls13)); // latches never shrink

    // Nothing beyond the handshake: no login reached the downgraded server.
    QVERIFY2(!downgraded.logs().contains(QStringLiteral("Login: user=<alice>")),
             qPrintable(downgraded.logs().right(2000)));
    MessageCache cache;
    QVERIFY(cache.open(account.profile().cacheFile(QStringLiteral("test"))));
    QCOMPARE(cache.messageCount(kInbox), 5);
    QVERIFY(cache.mailbox(kInbox)->uidValidity != 0);
}

void TestImapDovecotSecurity::wireLogNeverShowsThePassword_data()
{
    QTest::addColumn<TlsMode>("mode");
    QTest::newRow("starttls") << TlsMode::StartTls;
    QTest::newRow("implicit-tls") << TlsMode::Implicit;
}

void TestImapDovecotSecurity::wireLogNeverShowsThePassword()
{
    QFETCH(TlsMode, mode);
    const QString sentinel = QStringLiteral("Sentinel-7qX2-pw-9fK3");
    MailStack::Options options;
    options.users = {QStringLiteral("carol:") + sentinel};
    MailStack stack(options);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));
    QVERIFY(stack.addMessages(QStringLiteral("carol"), 3,
                              [](int index) { return MailStack::generateMessage(index); }));
    ImapTestAccount account(stack, stack.user(QStringLiteral("carol")), mode);

    QLoggingCategory::setFilterRules(QStringLiteral("latchmail.*=true"));
    {
        const QMutexLocker lock(&capturedMutex);
        captured.clear();
    }
    const QtMessageHandler previous = qInstallMessageHandler(captureMessage);
    std::unique_ptr<Imap::ImapService> service = account.service();
    ServiceOutcome outcome;
    watchOutcome(*service, &outcome);
    service->synchronize(kInbox);
    const bool finished = QTest::qWaitFor([&outcome] { return outcome.done; }, 60000);
    service.reset();
    qInstallMessageHandler(previous);
    QLoggingCategory::setFilterRules(QString());

    QVERIFY(finished);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    const QMutexLocker lock(&capturedMutex);
    // The trace really ran: commands and the (redacted) authentication are in it.
    QVERIFY2(captured.contains("latchmail.imap.wire: C:"), captured.left(2000));
    QVERIFY2(captured.contains("AUTHENTICATE PLAIN"), captured.left(4000));
    QVERIFY2(captured.contains("<redacted>"), captured.left(4000));
    QVERIFY(captured.contains("UID FETCH"));

    const QByteArray secret = sentinel.toUtf8();
    const QList<QByteArray> forbidden = {
        secret,
        secret.toBase64(),
        QByteArray("\0carol\0" + secret).toBase64(),
        QByteArray("carol\0" + secret).toBase64(),
        secret.toBase64(QByteArray::Base64UrlEncoding),
        secret.toHex(),
    };
    for (const QByteArray& needle : forbidden) {
        QVERIFY2(!captured.contains(needle), needle.constData());
    }
}

QTEST_GUILESS_MAIN(TestImapDovecotSecurity)
#include "tst_imap_dovecot_security.moc"
