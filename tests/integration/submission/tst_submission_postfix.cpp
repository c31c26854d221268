// SPDX-License-Identifier: GPL-3.0-or-later
// Message submission against a real Postfix (STARTTLS and implicit TLS, AUTH through Dovecot,
// DSN) and Dovecot (the Sent copy, the delivery reports): attachments arrive byte-identical;
// the copy goes exactly once into the mailbox marked \Sent, also when that is not the one named
// "Sent"; a success report is correlated as delivered with TLS on every recorded hop, each hop's
// claims kept; the failing recipient's report is correlated as failed; a server without DSN gets
// no DSN parameters and the record says no reports can be expected; implicit TLS works alone and
// comes first with `auto`, which falls back to STARTTLS; a latch failure holds the message and
// sends no AUTH (checked on our side of the wire and in the servers' logs).
#include "submissionstack.h"

#include "core/logging.h"
#include "core/mimemessage.h"

#include <QLoggingCategory>
#include <QMutex>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

#include <utility>

using namespace Latchmail;
using namespace Latchmail::Test;

Q_DECLARE_METATYPE(Latchmail::TlsMode)

namespace {

QMutex g_wireMutex;
QStringList g_wire;
QtMessageHandler g_previousHandler = nullptr;

void captureWire(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (context.category && qstrcmp(context.category, lcSubmissionWire().categoryName()) == 0) {
        const QMutexLocker locker(&g_wireMutex);
        g_wire.append(message);
        return;
    }
    if (g_previousHandler) {
        g_previousHandler(type, context, message);
    }
}

// The client's side of every SMTP conversation since the last call (the redacted wire log,
// lines "C: …" sent and "S: …" received).
QStringList takeWire()
{
    const QMutexLocker locker(&g_wireMutex);
    return std::exchange(g_wire, {});
}

QStringList clientLines(const QStringList& wire, const QString& prefix)
{
    QStringList found;
    for (const QString& line : wire) {
        if (line.startsWith(QStringLiteral("C: ") + prefix, Qt::CaseInsensitive)) {
            found.append(line);
        }
    }
    return found;
}

QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32*>(bytes.data()),
                                          size / sizeof(quint32));
    return bytes;
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

MimeDraft draftTo(const QString& recipient, const QString& subject)
{
    MimeDraft draft;
    draft.to = {MimeAddress{QString(), recipient}};
    draft.subject = subject;
    draft.body = QStringLiteral("Hello,\n.a line with a leading dot\nBye.\n");
    return draft;
}

} // namespace

class TestSubmissionPostfix : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void attachmentsArriveByteIdentical();
    void successReportCorrelatedWithTls();
    void failureReportCorrelated();
    void autoFallsBackToStartTls();
    void implicitTlsDelivers_data();
    void implicitTlsDelivers();
    void serverWithoutDsn();
    void sentCopyFollowsSpecialUse();
    void latchFailureHoldsMessageWithoutAuth();

private:
    std::unique_ptr<SubmissionService> makeService(const Account& account, const MailStack& stack);
    std::optional<OutboxEntry> sendOne(const MimeDraft& draft, SubmissionReport* report);
    std::optional<OutboxEntry> sendWith(const Account& account, const MailStack& stack,
                                        const MimeDraft& draft, SubmissionReport* report);

    std::unique_ptr<MailStack> m_stack;
    std::unique_ptr<QTemporaryDir> m_dir;
    Profile m_profile;
    Account m_account;
};

void TestSubmissionPostfix::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("latchmail.submission.wire.debug=true"));
    g_previousHandler = qInstallMessageHandler(captureWire);
    MailStack::Options options;
    options.postfix = true;
    m_stack = std::make_unique<MailStack>(options);
    QVERIFY2(m_stack->start(), qPrintable(m_stack->errorString()));
}

void TestSubmissionPostfix::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_profile = Profile::resolve(m_dir->path());
    m_account = stackAccount(*m_stack);
    QVERIFY(!AccountStore(m_profile.accountsDirectory()).save(m_account));
    takeWire();
}

void TestSubmissionPostfix::cleanupTestCase()
{
    if (QTest::currentTestFailed() && m_stack) {
        qWarning("%s", qPrintable(m_stack->logs()));
    }
    m_stack.reset();
}

std::unique_ptr<SubmissionService> TestSubmissionPostfix::makeService(const Account& account,
                                                                      const MailStack& stack)
{
    const QString password = stack.user(QStringLiteral("alice")).password;
    auto service =
        std::make_unique<SubmissionService>(account, m_profile, [password](Service, QString*) {
            return std::optional<QString>(password);
        });
    QString error;
    return service->open(&error) ? std::move(service) : nullptr;
}

std::optional<OutboxEntry> TestSubmissionPostfix::sendOne(const MimeDraft& draft,
                                                          SubmissionReport* report)
{
    return sendWith(m_account, *m_stack, draft, report);
}

std::optional<OutboxEntry> TestSubmissionPostfix::sendWith(const Account& account,
                                                           const MailStack& stack,
                                                           const MimeDraft& draft,
                                                           SubmissionReport* report)
{
    if (AccountStore(m_profile.accountsDirectory()).save(account)) {
        return std::nullopt;
    }
    auto service = makeService(account, stack);
    if (!service) {
        return std::nullopt;
    }
    QString error;
    std::optional<OutboxEntry> queued = service->queue(draft, &error);
    if (!queued) {
        qWarning("%s", qPrintable(error));
        return std::nullopt;
    }
    *report = runSubmission(service.get());
    return queued;
}

void TestSubmissionPostfix::attachmentsArriveByteIdentical()
{
    const QByteArray binary = randomBytes(300 * 1024);
    const QByteArray text = "line one\r\n.leading dot\nbare LF line\rbare CR\r\n\r\nend";
    const QString binaryPath = m_dir->filePath(QStringLiteral("data.bin"));
    const QString textPath = m_dir->filePath(QStringLiteral("Gr\u00fc\u00dfe.txt"));
    QVERIFY(writeFile(binaryPath, binary));
    QVERIFY(writeFile(textPath, text));

    MimeDraft draft = draftTo(QStringLiteral("bob@example.test"), QStringLiteral("Attachments"));
    draft.attachments = {MimeDraftAttachment{binaryPath, {}, {}, {}},
                         MimeDraftAttachment{textPath, {}, {}, {}}};
    SubmissionReport report;
    const std::optional<OutboxEntry> queued = sendOne(draft, &report);
    QVERIFY(queued);
    const SubmissionItem* item = report.item(queued->id);
    QVERIFY2(item, report.error ? qPrintable(report.error->message) : "no item");
    QCOMPARE(item->outcome, SubmissionItem::Outcome::Sent);
    QVERIFY2(item->removed, qPrintable(report.copyError));

    const QByteArray messageId = queued->messageId.toLatin1();
    QTRY_VERIFY_WITH_TIMEOUT(anyContains(m_stack->messages(QStringLiteral("bob")), messageId),
                             kDeliveryTimeoutMs);
    QByteArray delivered;
    for (const QByteArray& message : m_stack->messages(QStringLiteral("bob"))) {
        delivered = message.contains(messageId) ? message : delivered;
    }
    QString error;
    const std::optional<MimeMessage> parsed = MimeMessage::fromBytes(delivered, &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->attachments().size(), 2);
    QByteArray content;
    QVERIFY(parsed->attachmentContent(0, &content));
    QCOMPARE(content, binary);
    QVERIFY(parsed->attachmentContent(1, &content));
    QCOMPARE(content, text);
    QCOMPARE(parsed->attachments().at(1).fileName, QStringLiteral("Gr\u00fc\u00dfe.txt"));

    // Exactly one copy in Sent; the latches of this submission server are recorded.
    QCOMPARE(countContaining(m_stack->messages(QStringLiteral("alice"), QStringLiteral("Sent")),
                             messageId),
             qsizetype(1));
    const LatchSet latches = AccountStore(m_profile.accountsDirectory())
                                 .load(m_account.id)
                                 .account->latchRecord(Service::MessageSubmission)
                                 .latchSet();
    for (const QString& token : {LatchToken::Tls12, LatchToken::TlsCert, LatchToken::TlsPfs}) {
        QVERIFY2(latches.contains(token), qPrintable(latches.toString()));
    }
}

void TestSubmissionPostfix::successReportCorrelatedWithTls()
{
    SubmissionReport report;
    const std::optional<OutboxEntry> queued =
        sendOne(draftTo(QStringLiteral("bob@example.test"), QStringLiteral("Success")), &report);
    QVERIFY(queued);
    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::Sent);

    const QByteArray envelopeId = queued->envelopeId.toLatin1();
    QTRY_VERIFY_WITH_TIMEOUT(anyContains(m_stack->messages(QStringLiteral("alice")),
                                         "Original-Envelope-Id: " + envelopeId),
                             kDeliveryTimeoutMs);

    ReportStore store(m_profile.dataDirectory() + QStringLiteral("/reports/alice"));
    const ReportScanResult scanned =
        runScan(m_account, m_profile, m_stack->user(QStringLiteral("alice")).password, &store);
    QVERIFY2(!scanned.error, scanned.error ? qPrintable(scanned.error->message) : "");
    QVERIFY(scanned.reportsApplied >= 1);

    QString error;
    const std::optional<SentRecord> record = store.load(queued->envelopeId, &error);
    QVERIFY2(record, qPrintable(error));
    QVERIFY(record->dsnRequested);
    QCOMPARE(record->recipients.size(), 1);
    QCOMPARE(record->recipients.first().state, SentRecipient::State::Delivered);
    QVERIFY(record->recipients.first().statusCode.startsWith(QLatin1String("2.")));
    QVERIFY(record->hopsWithTls >= 1);
    QCOMPARE(record->hopsWithoutTls, 0);
    QCOMPARE(record->hopsNotStated, 0);
    // One hop here (submission straight into the local mailbox): "The 1 recorded hop used TLS".
    QVERIFY2(record->transitSummary.contains(QLatin1String("used TLS")) &&
                 !record->transitSummary.contains(QLatin1String("did not")),
             qPrintable(record->transitSummary));
    // Each hop with its own claims: Postfix's submission hop names its TLS version and suite in
    // a comment (smtpd_tls_received_header = yes).
    QCOMPARE(record->transitHops.size(), record->hopsWithTls);
    const ReceivedHopClaim& submissionHop = record->transitHops.first();
    QCOMPARE(submissionHop.tls, ClaimedTls::Used);
    QVERIFY2(submissionHop.tlsVersion.startsWith(QLatin1String("TLSv1.")),
             qPrintable(submissionHop.tlsVersion));
    QVERIFY(!submissionHop.cipherSuite.isEmpty());
    QCOMPARE(submissionHop.protocol, QStringLiteral("ESMTPSA"));
    QCOMPARE(submissionHop.source, ClaimSource::Comment);
    QVERIFY2(submissionHop.claimText.contains(submissionHop.cipherSuite),
             qPrintable(submissionHop.claimText));
    QCOMPARE(store.load(queued->envelopeId, &error)->transitHops, record->transitHops);

    // A second scan finds the same report in the cache and does not count it again.
    const ReportScanResult again =
        runScan(m_account, m_profile, m_stack->user(QStringLiteral("alice")).password, &store);
    QCOMPARE(again.reportsApplied, 0);
}

void TestSubmissionPostfix::failureReportCorrelated()
{
    SubmissionReport report;
    const std::optional<OutboxEntry> queued =
        sendOne(draftTo(m_stack->bounceRecipient(), QStringLiteral("Failure")), &report);
    QVERIFY(queued);
    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::Sent);

    QTRY_VERIFY_WITH_TIMEOUT(anyContains(m_stack->messages(QStringLiteral("alice")),
                                         "Original-Envelope-Id: " + queued->envelopeId.toLatin1()),
                             kDeliveryTimeoutMs);
    ReportStore store(m_profile.dataDirectory() + QStringLiteral("/reports/alice"));
    const ReportScanResult scanned =
        runScan(m_account, m_profile, m_stack->user(QStringLiteral("alice")).password, &store);
    QVERIFY2(!scanned.error, scanned.error ? qPrintable(scanned.error->message) : "");

    QString error;
    const std::optional<SentRecord> record = store.load(queued->envelopeId, &error);
    QVERIFY2(record, qPrintable(error));
    QCOMPARE(record->recipients.size(), 1);
    const SentRecipient& recipient = record->recipients.first();
    QCOMPARE(recipient.address, m_stack->bounceRecipient());
    QCOMPARE(recipient.state, SentRecipient::State::Failed);
    QVERIFY2(recipient.statusCode.startsWith(QLatin1String("5.")),
             qPrintable(recipient.statusCode));
    QVERIFY(!recipient.reason.isEmpty());
}

// `auto` with the STARTTLS port configured: implicit TLS there fails (the server greets in
// plaintext), STARTTLS on the same port succeeds.
void TestSubmissionPostfix::autoFallsBackToStartTls()
{
    m_account.submission.tlsMode = TlsMode::Auto;
    QVERIFY(!AccountStore(m_profile.accountsDirectory()).save(m_account));
    SubmissionReport report;
    const std::optional<OutboxEntry> queued =
        sendOne(draftTo(QStringLiteral("bob@example.test"), QStringLiteral("Auto")), &report);
    QVERIFY(queued);
    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::Sent);
    const TlsObservation seen = AccountStore(m_profile.accountsDirectory())
                                    .load(m_account.id)
                                    .account->latchRecord(Service::MessageSubmission)
                                    .lastObservation;
    QCOMPARE(seen.transport, TransportSecurity::StartTls);
}

void TestSubmissionPostfix::implicitTlsDelivers_data()
{
    QTest::addColumn<TlsMode>("mode");
    QTest::newRow("implicit") << TlsMode::Implicit;
    QTest::newRow("auto-implicit-first") << TlsMode::Auto;
}

// The implicit-TLS listener (RFC 8314 3.3, "port 465"): with `implicit` alone, and with `auto`,
// which tries implicit TLS first and needs no STARTTLS when it works.
void TestSubmissionPostfix::implicitTlsDelivers()
{
    QFETCH(TlsMode, mode);
    Account account = stackAccount(*m_stack, TlsMode::Implicit);
    account.submission.tlsMode = mode;
    const QString subject =
        QStringLiteral("Implicit TLS %1").arg(QString::fromLatin1(QTest::currentDataTag()));
    SubmissionReport report;
    const std::optional<OutboxEntry> queued =
        sendWith(account, *m_stack, draftTo(QStringLiteral("bob@example.test"), subject), &report);
    QVERIFY(queued);
    const SubmissionItem* item = report.item(queued->id);
    QVERIFY2(item, report.error ? qPrintable(report.error->message) : "no item");
    QCOMPARE(item->outcome, SubmissionItem::Outcome::Sent);
    QTRY_VERIFY_WITH_TIMEOUT(
        anyContains(m_stack->messages(QStringLiteral("bob")), queued->messageId.toLatin1()),
        kDeliveryTimeoutMs);

    const LatchRecord latchRecord = AccountStore(m_profile.accountsDirectory())
                                        .load(account.id)
                                        .account->latchRecord(Service::MessageSubmission);
    QCOMPARE(latchRecord.lastObservation.transport, TransportSecurity::ImplicitTls);
    for (const QString& token : {LatchToken::Tls12, LatchToken::TlsCert, LatchToken::TlsPfs}) {
        QVERIFY2(latchRecord.latchSet().contains(token),
                 qPrintable(latchRecord.latchSet().toString()));
    }
    // One connection, TLS from its first byte: one EHLO, no STARTTLS, AUTH over it.
    const QStringList wire = takeWire();
    QCOMPARE(clientLines(wire, QStringLiteral("EHLO")).size(), 1);
    QVERIFY(clientLines(wire, QStringLiteral("STARTTLS")).isEmpty());
    QCOMPARE(clientLines(wire, QStringLiteral("AUTH PLAIN")).size(), 1);
    QVERIFY(m_stack->logs().contains(QLatin1String("postfix/submissions/smtpd")));
}

// smtpd_discard_ehlo_keywords = dsn: the message goes without RET, ENVID, NOTIFY or ORCPT, and
// its record says that no delivery reports can be expected.
void TestSubmissionPostfix::serverWithoutDsn()
{
    MailStack::Options options;
    options.postfix = true;
    options.dsn = false;
    MailStack stack(options);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));
    takeWire();

    SubmissionReport report;
    const std::optional<OutboxEntry> queued =
        sendWith(stackAccount(stack), stack,
                 draftTo(QStringLiteral("bob@example.test"), QStringLiteral("No DSN")), &report);
    QVERIFY(queued);
    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::Sent);
    QTRY_VERIFY_WITH_TIMEOUT(
        anyContains(stack.messages(QStringLiteral("bob")), queued->messageId.toLatin1()),
        kDeliveryTimeoutMs);

    const QStringList wire = takeWire();
    const QStringList envelope = clientLines(wire, QStringLiteral("MAIL FROM")) +
                                 clientLines(wire, QStringLiteral("RCPT TO"));
    QCOMPARE(envelope.size(), 2);
    for (const QString& parameter : {QStringLiteral("RET="), QStringLiteral("ENVID="),
                                     QStringLiteral("NOTIFY="), QStringLiteral("ORCPT=")}) {
        QVERIFY2(!envelope.join(QLatin1Char('\n')).contains(parameter, Qt::CaseInsensitive),
                 qPrintable(envelope.join(QLatin1Char('\n'))));
    }
    QVERIFY2(wire.filter(QRegularExpression(QStringLiteral("^S: 250[- ]DSN$"))).isEmpty(),
             qPrintable(wire.join(QLatin1Char('\n'))));

    QString error;
    const std::optional<SentRecord> record =
        ReportStore(m_profile.dataDirectory() + QStringLiteral("/reports/alice"))
            .load(queued->envelopeId, &error);
    QVERIFY2(record, qPrintable(error));
    QVERIFY(!record->dsnRequested);
    QVERIFY2(record->expectation().startsWith(QLatin1String("No delivery reports can be expected")),
             qPrintable(record->expectation()));
}

// RFC 6154: the copy goes into the mailbox marked \Sent, here "Sent Messages", and not into the
// mailbox that is merely named "Sent"; exactly once.
void TestSubmissionPostfix::sentCopyFollowsSpecialUse()
{
    MailStack::Options options;
    options.postfix = true;
    options.sentMailbox = QStringLiteral("Sent Messages");
    MailStack stack(options);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));

    SubmissionReport report;
    const std::optional<OutboxEntry> queued = sendWith(
        stackAccount(stack), stack,
        draftTo(QStringLiteral("bob@example.test"), QStringLiteral("Special use")), &report);
    QVERIFY(queued);
    const SubmissionItem* item = report.item(queued->id);
    QVERIFY(item);
    QCOMPARE(item->outcome, SubmissionItem::Outcome::Sent);
    QVERIFY2(item->removed, qPrintable(report.copyError));

    const QByteArray messageId = queued->messageId.toLatin1();
    QCOMPARE(
        countContaining(stack.messages(QStringLiteral("alice"), QStringLiteral("Sent Messages")),
                        messageId),
        qsizetype(1));
    QCOMPARE(
        countContaining(stack.messages(QStringLiteral("alice"), QStringLiteral("Sent")), messageId),
        qsizetype(0));
}

// The account holds tls13; this stack offers at most TLS 1.2.
void TestSubmissionPostfix::latchFailureHoldsMessageWithoutAuth()
{
    MailStack::Options options;
    options.postfix = true;
    options.tls12Only = true;
    MailStack stack(options);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));

    Account account = stackAccount(stack);
    account.latchRecordRef(Service::MessageSubmission)
        .addLatches(
            LatchSet{LatchToken::Tls10, LatchToken::Tls11, LatchToken::Tls12, LatchToken::Tls13},
            QDateTime::currentDateTimeUtc());
    QVERIFY(!AccountStore(m_profile.accountsDirectory()).save(account));
    auto service = makeService(account, stack);
    QVERIFY(service);
    QString error;
    const std::optional<OutboxEntry> queued =
        service->queue(draftTo(QStringLiteral("bob@example.test"), QStringLiteral("Held")), &error);
    QVERIFY2(queued, qPrintable(error));
    const SubmissionReport report = runSubmission(service.get());

    QCOMPARE(report.item(queued->id)->outcome, SubmissionItem::Outcome::HeldForSecurity);
    const OutboxEntry entry = service->outbox().list().entries.value(0);
    QCOMPARE(entry.state, OutboxState::HeldForSecurity);
    QVERIFY2(entry.lastError.contains(QLatin1String("TLS 1.3")), qPrintable(entry.lastError));
    QVERIFY(QFile::exists(service->outbox().messageFilePath(queued->id)));
    QVERIFY(stack.messages(QStringLiteral("bob")).isEmpty());

    // No AUTH on our side of the wire: each conversation (the refused one and the diagnostic
    // second connection) stopped after STARTTLS, when the handshake showed TLS 1.2. And none in
    // Postfix's log, which records sasl_method= for every authentication (as shown below, once
    // the message is released).
    const QStringList wire = takeWire();
    QVERIFY2(!clientLines(wire, QStringLiteral("STARTTLS")).isEmpty(),
             qPrintable(wire.join(QLatin1Char('\n'))));
    QVERIFY2(clientLines(wire, QStringLiteral("AUTH")).isEmpty(),
             qPrintable(wire.join(QLatin1Char('\n'))));
    QString logs = stack.logs();
    QVERIFY2(!logs.contains(QLatin1String("sasl_method")), qPrintable(logs));

    // The same checks see an authentication once the latch no longer fails: with the TLS 1.3
    // latch gone the held message is sent.
    account.latchRecordRef(Service::MessageSubmission).latches.remove(LatchToken::Tls13);
    QVERIFY(!AccountStore(m_profile.accountsDirectory()).save(account));
    service.reset(); // it holds the outbox lock
    SubmissionOptions release;
    release.releaseHeld = true;
    const QString password = stack.user(QStringLiteral("alice")).password;
    SubmissionService released(
        account, m_profile,
        [password](Service, QString*) { return std::optional<QString>(password); }, release);
    QVERIFY2(released.open(&error), qPrintable(error));
    const SubmissionReport flushed = runSubmission(&released);
    QCOMPARE(flushed.item(queued->id)->outcome, SubmissionItem::Outcome::Sent);
    QCOMPARE(clientLines(takeWire(), QStringLiteral("AUTH PLAIN")).size(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(stack.logs().contains(QLatin1String("sasl_method=PLAIN")),
                             kDeliveryTimeoutMs);
}

QTEST_GUILESS_MAIN(TestSubmissionPostfix)
#include "tst_submission_postfix.moc"
