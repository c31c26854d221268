// SPDX-License-Identifier: GPL-3.0-or-later
#include "submission/deliveryreport.h"
#include "submission/transitsecurity.h"

#include <QFile>
#include <QTest>

using namespace Latchmail;

Q_DECLARE_METATYPE(Latchmail::DsnAction)

namespace {

QByteArray sample(const QString& name)
{
    QFile file(QStringLiteral(LATCHMAIL_SOURCE_DIR "/tests/unit/smtp/data/") + name);
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("missing test data %s", qPrintable(name));
    }
    return file.readAll();
}

QByteArray report(const QByteArray& status,
                  const QByteArray& contentType = "message/delivery-status",
                  const QByteArray& reportType = "delivery-status")
{
    return "From: MAILER-DAEMON@mail.example.test\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/report; report-type=" +
           reportType +
           "; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n"
           "--b\r\nContent-Type: " +
           contentType + "\r\n\r\n" + status + "\r\n--b--\r\n";
}

} // namespace

class TestDsnReport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsPostfixSuccess();
    void readsPostfixFailureWithTwoRecipients();
    void readsPostfixDelay();
    void readsMixedCaseCommentsAndEncodings();
    void rejectsWhatIsNotAReport_data();
    void rejectsWhatIsNotAReport();
    void readsActions_data();
    void readsActions();
    void correlatesWithSubmission_data();
    void correlatesWithSubmission();
    void comparesMailboxes_data();
    void comparesMailboxes();
    void boundsRecipients();
};

void TestDsnReport::readsPostfixSuccess()
{
    QString error;
    const std::optional<DeliveryReport> parsed =
        parseDeliveryReport(sample(QStringLiteral("postfix-success.eml")), &error);
    QVERIFY2(parsed, qPrintable(error));

    QCOMPARE(parsed->envelopeId, QStringLiteral("lm-7f3a9c"));
    QCOMPARE(parsed->reportingMta, QStringLiteral("mail.example.test"));
    QCOMPARE(parsed->arrivalDate.toUTC(), QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC));
    QCOMPARE(parsed->recipients.size(), 1);

    const DsnRecipientReport& bob = parsed->recipients.first();
    QCOMPARE(bob.finalRecipient, QStringLiteral("bob@example.test"));
    QCOMPARE(bob.finalRecipientType, QStringLiteral("rfc822"));
    QCOMPARE(bob.originalRecipient, QStringLiteral("bob@example.test"));
    QCOMPARE(bob.action, DsnAction::Delivered);
    QCOMPARE(bob.status.toString(), QStringLiteral("2.0.0"));
    QCOMPARE(bob.remoteMta, QStringLiteral("mx.remote.example"));
    QCOMPARE(bob.diagnosticType, QStringLiteral("smtp"));
    QVERIFY(bob.reason().startsWith(QStringLiteral("Delivered")));

    QVERIFY(!parsed->returnedFullMessage);
    QVERIFY(parsed->returnedHeaders.contains("Subject: Quarterly figures"));
    QVERIFY(parsed->humanReadableText.contains(QStringLiteral("successfully delivered")));

    // The returned headers feed the transit-security reading (DEEP 4).
    const TransitSecurityClaims claims = readTransitSecurityClaims(parsed->returnedHeaders);
    QCOMPARE(claims.hops.size(), 2);
    QCOMPARE(claims.hopsWithTls, 2);
}

void TestDsnReport::readsPostfixFailureWithTwoRecipients()
{
    QString error;
    const auto parsed = parseDeliveryReport(sample(QStringLiteral("postfix-failure.eml")), &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->recipients.size(), 2);

    const DsnRecipientReport* nobody = parsed->recipient(QStringLiteral("nobody@remote.example"));
    QVERIFY(nobody);
    QCOMPARE(nobody->action, DsnAction::Failed);
    QCOMPARE(nobody->status.toString(), QStringLiteral("5.1.1"));
    QCOMPARE(nobody->diagnosticText,
             QStringLiteral("550 5.1.1 <nobody@remote.example>: Recipient address rejected: User "
                            "unknown in virtual mailbox table"));
    QVERIFY2(nobody->reason().contains(QStringLiteral("address does not exist")),
             qPrintable(nobody->reason()));
    QVERIFY(nobody->reason().contains(QStringLiteral("The server said: \u201C550 5.1.1")));

    const DsnRecipientReport* bob = parsed->recipient(QStringLiteral("bob@example.test"));
    QVERIFY(bob);
    QCOMPARE(bob->action, DsnAction::Delivered);

    QVERIFY(parsed->returnedFullMessage);
    QVERIFY(parsed->returnedHeaders.contains("Message-Id: <abc123@example.test>"));
    QVERIFY(!parsed->returnedHeaders.contains("Hello there."));
}

void TestDsnReport::readsPostfixDelay()
{
    const auto parsed = parseDeliveryReport(sample(QStringLiteral("postfix-delay.eml")));
    QVERIFY(parsed);
    const DsnRecipientReport& carol = parsed->recipients.first();
    QCOMPARE(carol.action, DsnAction::Delayed);
    QCOMPARE(carol.status.toString(), QStringLiteral("4.4.1"));
    QCOMPARE(carol.willRetryUntil.toUTC(), QDateTime(QDate(2026, 12, 6), QTime(10, 0), Qt::UTC));
    QVERIFY(carol.diagnosticText.endsWith(QStringLiteral("Connection refused")));
    QVERIFY(carol.reason().contains(QStringLiteral("keep trying")));
    QVERIFY(carol.reason().contains(QStringLiteral("6 Dec 2026")));
    QVERIFY(parsed->returnedHeaders.contains("Subject: Slow"));
}

void TestDsnReport::readsMixedCaseCommentsAndEncodings()
{
    QString error;
    const auto parsed =
        parseDeliveryReport(sample(QStringLiteral("exim-style-mixed-case.eml")), &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->envelopeId, QStringLiteral("env+id"));
    QCOMPARE(parsed->reportingMta, QStringLiteral("relay.example"));

    const DsnRecipientReport& carol = parsed->recipients.first();
    QCOMPARE(carol.finalRecipient, QStringLiteral("Carol@Example.TEST"));
    QCOMPARE(carol.finalRecipientType, QStringLiteral("rfc822"));
    QCOMPARE(carol.action, DsnAction::Failed);
    QCOMPARE(carol.status.toString(), QStringLiteral("5.2.2"));
    QVERIFY(carol.lastAttemptDate.isValid());
    QCOMPARE(carol.securityLatches,
             (QStringList{QStringLiteral("tls12"), QStringLiteral("tls-cert")}));
    QVERIFY(carol.reason().contains(QStringLiteral("mailbox is full")));
    QVERIFY(carol.reason().contains(QStringLiteral("tls12 tls-cert")));
    QVERIFY(carol.isRecipient(QStringLiteral("carol+tag@example.test")));
    QVERIFY(parsed->matches(QStringLiteral("env+id"), QStringLiteral("carol+tag@example.test")));

    const TransitSecurityClaims claims = readTransitSecurityClaims(parsed->returnedHeaders);
    QCOMPARE(claims.hops.size(), 1);
    QCOMPARE(claims.hops.first().cipherSuite, QStringLiteral("TLS_AES_256_GCM_SHA384"));
}

void TestDsnReport::rejectsWhatIsNotAReport_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("errorPart");

    QTest::newRow("plain-message")
        << QByteArray("From: a@example.test\r\nSubject: hi\r\n\r\nhello\r\n")
        << QStringLiteral("not a report (its type is text/plain)");
    QTest::newRow("multipart-mixed")
        << QByteArray("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n")
        << QStringLiteral("multipart/mixed");
    QTest::newRow("feedback-report")
        << report("Feedback-Type: abuse\r\n", "message/feedback-report", "feedback-report")
        << QStringLiteral("\"feedback-report\"");
    QTest::newRow("no-status-part")
        << report("x", "text/plain") << QStringLiteral("no message/delivery-status part");
    QTest::newRow("empty-status") << report("\r\n\r\n") << QStringLiteral("empty");
    QTest::newRow("no-recipient-block") << report("Reporting-MTA: dns; mail.example.test\r\n")
                                        << QStringLiteral("names no recipient");
    QTest::newRow("oversized-status")
        << report("Reporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; a@b\r\nX-Pad: " +
                  QByteArray(kMaxDeliveryStatusOctets, 'x') + "\r\n")
        << QStringLiteral("larger than");
    QTest::newRow("empty-input") << QByteArray() << QStringLiteral("could not be read");
}

void TestDsnReport::rejectsWhatIsNotAReport()
{
    QFETCH(QByteArray, message);
    QFETCH(QString, errorPart);

    QString error;
    QVERIFY(!parseDeliveryReport(message, &error));
    QVERIFY2(error.contains(errorPart), qPrintable(error));
}

void TestDsnReport::readsActions_data()
{
    QTest::addColumn<QByteArray>("action");
    QTest::addColumn<DsnAction>("expected");

    QTest::newRow("failed") << QByteArray("failed") << DsnAction::Failed;
    QTest::newRow("delayed") << QByteArray("delayed") << DsnAction::Delayed;
    QTest::newRow("delivered") << QByteArray("delivered") << DsnAction::Delivered;
    QTest::newRow("relayed") << QByteArray("relayed") << DsnAction::Relayed;
    QTest::newRow("expanded") << QByteArray("expanded") << DsnAction::Expanded;
    QTest::newRow("upper-case") << QByteArray("RELAYED") << DsnAction::Relayed;
    QTest::newRow("with-comment") << QByteArray("expanded (to 3 members)") << DsnAction::Expanded;
    QTest::newRow("unknown-word") << QByteArray("vanished") << DsnAction::Unknown;
}

void TestDsnReport::readsActions()
{
    QFETCH(QByteArray, action);
    QFETCH(DsnAction, expected);

    DeliveryReport parsed;
    QString error;
    const QByteArray status =
        "Reporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; a@b.example\r\n"
        "Action: " +
        action + "\r\nStatus: 2.0.0\r\n";
    QVERIFY2(parseDeliveryStatus(status, &parsed, &error), qPrintable(error));
    QCOMPARE(parsed.recipients.first().action, expected);
    QVERIFY(!parsed.recipients.first().reason().isEmpty());
}

void TestDsnReport::correlatesWithSubmission_data()
{
    QTest::addColumn<QString>("envelopeId");
    QTest::addColumn<QString>("recipient");
    QTest::addColumn<bool>("matches");

    QTest::newRow("same-envid-and-recipient")
        << QStringLiteral("lm-0b1c2d") << QStringLiteral("nobody@remote.example") << true;
    QTest::newRow("domain-case-ignored")
        << QStringLiteral("lm-0b1c2d") << QStringLiteral("nobody@Remote.EXAMPLE") << true;
    QTest::newRow("any-recipient") << QStringLiteral("lm-0b1c2d") << QString() << true;
    QTest::newRow("local-part-case-matters")
        << QStringLiteral("lm-0b1c2d") << QStringLiteral("Nobody@remote.example") << false;
    QTest::newRow("other-envid") << QStringLiteral("lm-ffffff")
                                 << QStringLiteral("nobody@remote.example") << false;
    QTest::newRow("empty-envid-never-matches") << QString() << QString() << false;
    QTest::newRow("recipient-not-in-report")
        << QStringLiteral("lm-0b1c2d") << QStringLiteral("eve@remote.example") << false;
}

void TestDsnReport::correlatesWithSubmission()
{
    QFETCH(QString, envelopeId);
    QFETCH(QString, recipient);
    QFETCH(bool, matches);

    const auto parsed = parseDeliveryReport(sample(QStringLiteral("postfix-failure.eml")));
    QVERIFY(parsed);
    QCOMPARE(parsed->matches(envelopeId, recipient), matches);
}

void TestDsnReport::comparesMailboxes_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<bool>("same");

    QTest::newRow("identical") << QStringLiteral("a@example.test")
                               << QStringLiteral("a@example.test") << true;
    QTest::newRow("domain-case") << QStringLiteral("a@EXAMPLE.test")
                                 << QStringLiteral("a@example.TEST") << true;
    QTest::newRow("idn-forms") << QStringLiteral("info@bücher.example")
                               << QStringLiteral("info@xn--bcher-kva.example") << true;
    QTest::newRow("local-part-case")
        << QStringLiteral("A@example.test") << QStringLiteral("a@example.test") << false;
    QTest::newRow("no-at") << QStringLiteral("a") << QStringLiteral("a") << false;
    QTest::newRow("different-domain")
        << QStringLiteral("a@example.test") << QStringLiteral("a@example.org") << false;
}

void TestDsnReport::comparesMailboxes()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(bool, same);
    QCOMPARE(isSameMailbox(a, b), same);
}

void TestDsnReport::boundsRecipients()
{
    QByteArray status = "Reporting-MTA: dns; x\r\n";
    for (int i = 0; i <= kMaxReportRecipients; ++i) {
        status += "\r\nFinal-Recipient: rfc822; r" + QByteArray::number(i) +
                  "@example.test\r\nAction: failed\r\n";
    }
    DeliveryReport parsed;
    QString error;
    QVERIFY(!parseDeliveryStatus(status, &parsed, &error));
    QVERIFY2(error.contains(QStringLiteral("more than")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestDsnReport)
#include "tst_dsnreport.moc"
