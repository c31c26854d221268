// SPDX-License-Identifier: GPL-3.0-or-later
// Correlating delivery reports with sent-message records (applyReport, ReportStore): a report
// applied twice counts once, a late "delayed" does not undo a final outcome, a recipient the
// record does not know is reported without harm, and each recorded hop's transit-security
// claims survive a save and a reload.
#include "submission/reportstore.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;

Q_DECLARE_METATYPE(Latchmail::DsnAction)
Q_DECLARE_METATYPE(Latchmail::SentRecipient::State)

namespace {

const QString kEnvelopeId = QStringLiteral("0f8c2d3e-aaaa-4bbb-8ccc-123456789abc");
const QString kBob = QStringLiteral("bob@example.test");
const QString kCarol = QStringLiteral("carol@example.test");

// Newest first, as servers prepend them: the final delivery (LMTP, no TLS stated beyond the
// protocol) on top of the submission hop (a Postfix TLS comment).
const QByteArray kReturnedHeaders =
    "Received: from localhost by mx.example.test (Dovecot) with LMTPS id 77;\r\n"
    "\tTue, 1 Dec 2026 10:00:01 +0000\r\n"
    "Received: from [127.0.0.1] (localhost [127.0.0.1])\r\n"
    "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
    "\tby localhost (Postfix) with ESMTPSA id 4AB12\r\n"
    "\tfor <bob@example.test>; Tue, 1 Dec 2026 10:00:00 +0000 (UTC)\r\n"
    "From: alice@example.test\r\n"
    "Subject: Report test\r\n";

SentRecord record(const QStringList& recipients)
{
    SentRecord sent;
    sent.envelopeId = kEnvelopeId;
    sent.messageId = QStringLiteral("m1@example.test");
    sent.subject = QStringLiteral("Report test");
    sent.acceptedAt = QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC);
    sent.dsnRequested = true;
    sent.successRequested = true;
    for (const QString& address : recipients) {
        sent.recipients.append(SentRecipient{address, SentRecipient::State::Accepted, {}, {}, {}});
    }
    return sent;
}

DsnRecipientReport recipientReport(const QString& address, DsnAction action)
{
    DsnRecipientReport reported;
    reported.finalRecipient = address;
    reported.finalRecipientType = QStringLiteral("rfc822");
    reported.originalRecipient = address;
    reported.originalRecipientType = QStringLiteral("rfc822");
    reported.action = action;
    const int statusClass = action == DsnAction::Failed ? 5 : action == DsnAction::Delayed ? 4 : 2;
    reported.status = EnhancedStatusCode{statusClass, 0, 0};
    reported.lastAttemptDate = QDateTime(QDate(2026, 12, 1), QTime(10, 1), Qt::UTC);
    return reported;
}

DeliveryReport report(const QList<DsnRecipientReport>& recipients,
                      const QByteArray& returnedHeaders = {})
{
    DeliveryReport delivery;
    delivery.envelopeId = kEnvelopeId;
    delivery.reportingMta = QStringLiteral("localhost");
    delivery.recipients = recipients;
    delivery.returnedHeaders = returnedHeaders;
    return delivery;
}

} // namespace

class TestReportStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void duplicateReportIgnored();
    void laterReportOrder_data();
    void laterReportOrder();
    void unknownRecipientReported();
    void foreignReportChangesNothing();
    void hopsKeptPerHop();
    void hopsPersistedAndReloaded();
    void malformedHopRefused();
};

void TestReportStore::duplicateReportIgnored()
{
    SentRecord sent = record({kBob});
    const DeliveryReport delivered = report({recipientReport(kBob, DsnAction::Delivered)});
    const ReportApplication first = applyReport(&sent, delivered, QStringLiteral("INBOX/1/7"));
    QVERIFY(first.matched);
    QVERIFY(!first.duplicate);
    QCOMPARE(first.updatedRecipients, QStringList{kBob});
    const SentRecord afterFirst = sent;

    // The same report message again (a second scan of INBOX): counted once.
    const ReportApplication again = applyReport(&sent, delivered, QStringLiteral("INBOX/1/7"));
    QVERIFY(again.matched);
    QVERIFY(again.duplicate);
    QVERIFY(again.updatedRecipients.isEmpty());
    QCOMPARE(sent, afterFirst);
    QCOMPARE(sent.reportKeys, QStringList{QStringLiteral("INBOX/1/7")});
}

void TestReportStore::laterReportOrder_data()
{
    QTest::addColumn<DsnAction>("first");
    QTest::addColumn<DsnAction>("second");
    QTest::addColumn<SentRecipient::State>("expected");

    QTest::newRow("delayed-after-delivered")
        << DsnAction::Delivered << DsnAction::Delayed << SentRecipient::State::Delivered;
    QTest::newRow("delayed-after-failed")
        << DsnAction::Failed << DsnAction::Delayed << SentRecipient::State::Failed;
    QTest::newRow("delayed-after-relayed")
        << DsnAction::Relayed << DsnAction::Delayed << SentRecipient::State::Relayed;
    QTest::newRow("delivered-after-delayed")
        << DsnAction::Delayed << DsnAction::Delivered << SentRecipient::State::Delivered;
    QTest::newRow("failed-after-delayed")
        << DsnAction::Delayed << DsnAction::Failed << SentRecipient::State::Failed;
}

// Reports can arrive out of order: a "delayed" written before the delivery may be read after it.
void TestReportStore::laterReportOrder()
{
    QFETCH(DsnAction, first);
    QFETCH(DsnAction, second);
    QFETCH(SentRecipient::State, expected);

    SentRecord sent = record({kBob});
    QVERIFY(
        applyReport(&sent, report({recipientReport(kBob, first)}), QStringLiteral("k1")).matched);
    const QString firstCode = sent.recipients.first().statusCode;
    const ReportApplication later =
        applyReport(&sent, report({recipientReport(kBob, second)}), QStringLiteral("k2"));
    QVERIFY(later.matched);
    QVERIFY(!later.duplicate);
    QCOMPARE(sent.recipients.first().state, expected);
    if (second == DsnAction::Delayed) {
        QVERIFY(later.updatedRecipients.isEmpty());
        QCOMPARE(sent.recipients.first().statusCode, firstCode);
    } else {
        QCOMPARE(later.updatedRecipients, QStringList{kBob});
    }
    QCOMPARE(sent.reportKeys, (QStringList{QStringLiteral("k1"), QStringLiteral("k2")}));
}

void TestReportStore::unknownRecipientReported()
{
    SentRecord sent = record({kBob});
    DsnRecipientReport stranger = recipientReport(kCarol, DsnAction::Failed);
    stranger.originalRecipient.clear(); // named only by its final recipient
    const ReportApplication application =
        applyReport(&sent,
                    report({stranger, recipientReport(kBob, DsnAction::Delivered),
                            recipientReport(QString(), DsnAction::Unknown)}),
                    QStringLiteral("k1"));
    QVERIFY(application.matched);
    QCOMPARE(application.unknownRecipients, (QStringList{kCarol, QString()}));
    QCOMPARE(application.updatedRecipients, QStringList{kBob});
    QCOMPARE(sent.recipients.size(), 1);
    QCOMPARE(sent.recipients.first().state, SentRecipient::State::Delivered);
}

void TestReportStore::foreignReportChangesNothing()
{
    SentRecord sent = record({kBob});
    const SentRecord before = sent;
    DeliveryReport foreign = report({recipientReport(kBob, DsnAction::Failed)}, kReturnedHeaders);
    foreign.envelopeId = QStringLiteral("another-envelope");
    const ReportApplication application = applyReport(&sent, foreign, QStringLiteral("k1"));
    QVERIFY(!application.matched);
    QCOMPARE(sent, before);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const ReportStore store(dir.path());
    QString error;
    QVERIFY2(store.save(sent, &error), qPrintable(error));
    QVERIFY(!store.apply(foreign, QStringLiteral("k1"), &error).matched);
    QCOMPARE(store.load(kEnvelopeId, &error).value_or(SentRecord()), before);
}

void TestReportStore::hopsKeptPerHop()
{
    SentRecord sent = record({kBob});
    QVERIFY(applyReport(&sent,
                        report({recipientReport(kBob, DsnAction::Delivered)}, kReturnedHeaders),
                        QStringLiteral("k1"))
                .matched);

    QCOMPARE(sent.hopsWithTls, 2);
    QCOMPARE(sent.transitHops.size(), 2);
    const ReceivedHopClaim& submission = sent.transitHops.at(0); // oldest first
    QCOMPARE(submission.fromHost, QStringLiteral("[127.0.0.1]"));
    QCOMPARE(submission.byHost, QStringLiteral("localhost"));
    QCOMPARE(submission.protocol, QStringLiteral("ESMTPSA"));
    QCOMPARE(submission.tls, ClaimedTls::Used);
    QCOMPARE(submission.tlsVersion, QStringLiteral("TLSv1.3"));
    QCOMPARE(submission.cipherSuite, QStringLiteral("TLS_AES_256_GCM_SHA384"));
    QCOMPARE(submission.source, ClaimSource::Comment);
    QVERIFY2(submission.claimText.startsWith(QLatin1String("using TLSv1.3 with cipher")),
             qPrintable(submission.claimText));

    const ReceivedHopClaim& delivery = sent.transitHops.at(1);
    QCOMPARE(delivery.byHost, QStringLiteral("mx.example.test"));
    QCOMPARE(delivery.protocol, QStringLiteral("LMTPS"));
    QCOMPARE(delivery.tls, ClaimedTls::Used);
    QVERIFY(delivery.tlsVersion.isEmpty());
    QCOMPARE(delivery.source, ClaimSource::Protocol);
    QCOMPARE(delivery.claimText, QStringLiteral("with LMTPS"));
}

void TestReportStore::hopsPersistedAndReloaded()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const ReportStore store(dir.path());
    QString error;
    QVERIFY2(store.save(record({kBob}), &error), qPrintable(error));

    const ReportApplication application =
        store.apply(report({recipientReport(kBob, DsnAction::Delivered)}, kReturnedHeaders),
                    QStringLiteral("INBOX/1/9"), &error);
    QVERIFY2(application.matched && error.isEmpty(), qPrintable(error));

    SentRecord expected = record({kBob});
    QVERIFY(!applyReport(&expected,
                         report({recipientReport(kBob, DsnAction::Delivered)}, kReturnedHeaders),
                         QStringLiteral("INBOX/1/9"))
                 .duplicate);
    const std::optional<SentRecord> reloaded = ReportStore(dir.path()).load(kEnvelopeId, &error);
    QVERIFY2(reloaded, qPrintable(error));
    QCOMPARE(reloaded->transitHops.size(), 2);
    QCOMPARE(reloaded->transitHops, expected.transitHops);
    QCOMPARE(reloaded->recipients.first().state, SentRecipient::State::Delivered);
    QCOMPARE(store.list().value(0).transitHops, expected.transitHops);

    // On disk as named JSON fields, so that `outbox --sent --json` prints them.
    QFile file(store.filePath(kEnvelopeId));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject hop = QJsonDocument::fromJson(file.readAll())
                                .object()
                                .value(QStringLiteral("transitHops"))
                                .toArray()
                                .first()
                                .toObject();
    QCOMPARE(hop.value(QStringLiteral("tls")).toString(), QStringLiteral("used"));
    QCOMPARE(hop.value(QStringLiteral("claimSource")).toString(), QStringLiteral("comment"));
    QCOMPARE(hop.value(QStringLiteral("cipherSuite")).toString(),
             QStringLiteral("TLS_AES_256_GCM_SHA384"));

    // The same report message again, through the store: the file stays as it was.
    file.seek(0);
    const QByteArray before = file.readAll();
    file.close();
    QVERIFY(store
                .apply(report({recipientReport(kBob, DsnAction::Delayed)}, kReturnedHeaders),
                       QStringLiteral("INBOX/1/9"), &error)
                .duplicate);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), before);
}

void TestReportStore::malformedHopRefused()
{
    SentRecord sent = record({kBob});
    sent.transitHops.append(ReceivedHopClaim());
    QJsonObject json = sent.toJson();
    QJsonArray hops = json.value(QStringLiteral("transitHops")).toArray();
    QJsonObject hop = hops.first().toObject();
    hop.insert(QStringLiteral("tls"), QStringLiteral("maybe"));
    hops.replace(0, hop);
    json.insert(QStringLiteral("transitHops"), hops);

    SentRecord read;
    QString error;
    QVERIFY(!SentRecord::fromJson(json, &read, &error));
    QCOMPARE(error, QStringLiteral("transitHops[0] is malformed"));
    QVERIFY(SentRecord::fromJson(sent.toJson(), &read, &error));
    QCOMPARE(read, sent);
}

QTEST_GUILESS_MAIN(TestReportStore)
#include "tst_reportstore.moc"
