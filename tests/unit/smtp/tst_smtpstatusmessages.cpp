// SPDX-License-Identifier: GPL-3.0-or-later
#include "submission/smtpreply.h"
#include "submission/statusmessages.h"

#include <QTest>

using namespace Latchmail;

namespace {

SmtpReply parse(const QByteArray& wire)
{
    SmtpReplyParser parser;
    parser.feed(wire);
    SmtpReply reply;
    if (!parser.takeReply(&reply)) {
        qFatal("test reply did not parse: %s", qPrintable(parser.errorString()));
    }
    return reply;
}

} // namespace

class TestSmtpStatusMessages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void describesReplies_data();
    void describesReplies();
    void meaningFallsBack_data();
    void meaningFallsBack();
    void keepsVoicesApart();
    void sanitisesServerText_data();
    void sanitisesServerText();
};

void TestSmtpStatusMessages::describesReplies_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<QString>("explanationPart");
    QTest::addColumn<QString>("serverText");
    QTest::addColumn<bool>("permanent");

    QTest::newRow("unknown-recipient")
        << QByteArray("550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown\r\n")
        << QStringLiteral("address does not exist")
        << QStringLiteral("<bob@example.test>: Recipient address rejected: User unknown") << true;
    QTest::newRow("bad-credentials")
        << QByteArray("535 5.7.8 Error: authentication failed: authentication failure\r\n")
        << QStringLiteral("user name or password was not accepted")
        << QStringLiteral("Error: authentication failed: authentication failure") << true;
    QTest::newRow("mailbox-full-temporary")
        << QByteArray("452 4.2.2 Mailbox full\r\n") << QStringLiteral("mailbox is full")
        << QStringLiteral("Mailbox full") << false;
    QTest::newRow("too-big") << QByteArray("552 5.3.4 Message size exceeds fixed limit\r\n")
                             << QStringLiteral("too large")
                             << QStringLiteral("Message size exceeds fixed limit") << true;
    QTest::newRow("bare-code-without-enhanced")
        << QByteArray("554 Transaction failed\r\n") << QStringLiteral("refused the message")
        << QStringLiteral("Transaction failed") << true;
    QTest::newRow("service-closing")
        << QByteArray("421 Too many connections\r\n") << QStringLiteral("not available")
        << QStringLiteral("Too many connections") << false;
    QTest::newRow("encryption-required")
        << QByteArray("530 5.7.0 Must issue a STARTTLS command first\r\n")
        << QStringLiteral("sign in first") << QStringLiteral("Must issue a STARTTLS command first")
        << true;
    QTest::newRow("multi-line-text-joined")
        << QByteArray("550-5.7.1 Message rejected\r\n550 5.7.1 See https://example.test/x\r\n")
        << QStringLiteral("refused the message by policy")
        << QStringLiteral("Message rejected See https://example.test/x") << true;
}

void TestSmtpStatusMessages::describesReplies()
{
    QFETCH(QByteArray, wire);
    QFETCH(QString, explanationPart);
    QFETCH(QString, serverText);
    QFETCH(bool, permanent);

    const StatusMessage message = describeReply(parse(wire));
    QCOMPARE(message.voice, StatusVoice::ServerSaid);
    QVERIFY2(message.explanation.contains(explanationPart), qPrintable(message.explanation));
    QCOMPARE(message.serverText, serverText);
    QCOMPARE(message.permanent, permanent);
    QVERIFY(message.text().contains(QStringLiteral("The server said: \u201C") + serverText +
                                    QStringLiteral("\u201D")));
    QCOMPARE(message.explanation.contains(QStringLiteral("temporary")), !permanent);
}

void TestSmtpStatusMessages::meaningFallsBack_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("enhanced");
    QTest::addColumn<QString>("meaningPart");

    QTest::newRow("registered-detail")
        << 550 << QStringLiteral("5.7.23") << QStringLiteral("(SPF)");
    QTest::newRow("undefined-detail-uses-reply-code")
        << 535 << QStringLiteral("5.7.0") << QStringLiteral("user name or password");
    QTest::newRow("unregistered-detail-uses-subject")
        << 550 << QStringLiteral("5.7.99") << QStringLiteral("security or policy");
    QTest::newRow("unknown-subject")
        << 550 << QStringLiteral("5.9.9") << QStringLiteral("mail system reported a problem");
    QTest::newRow("success-class") << 250 << QStringLiteral("2.1.5") << QStringLiteral("Success");
    QTest::newRow("unknown-reply-code-class")
        << 599 << QString() << QStringLiteral("refused the request");
    QTest::newRow("no-code-at-all") << 0 << QString() << QStringLiteral("does not know");
}

void TestSmtpStatusMessages::meaningFallsBack()
{
    QFETCH(int, code);
    QFETCH(QString, enhanced);
    QFETCH(QString, meaningPart);

    const QString meaning =
        statusMeaning(code, EnhancedStatusCode::fromString(enhanced.toLatin1()));
    QVERIFY2(meaning.contains(meaningPart), qPrintable(meaning));
}

void TestSmtpStatusMessages::keepsVoicesApart()
{
    const StatusMessage protocol = describeProtocolError(QStringLiteral("The reply had no code."));
    QCOMPARE(protocol.voice, StatusVoice::ProtocolError);
    QVERIFY(protocol.text().startsWith(QStringLiteral("Protocol error:")));
    QVERIFY(!protocol.text().contains(QStringLiteral("The server said")));

    const StatusMessage connection = describeConnectionTrouble(
        QStringLiteral("smtp.example.test"), QStringLiteral("Connection refused"));
    QCOMPARE(connection.voice, StatusVoice::ConnectionTrouble);
    QVERIFY(connection.text().contains(QStringLiteral("smtp.example.test")));
    QVERIFY(!connection.text().contains(QStringLiteral("The server said")));
}

void TestSmtpStatusMessages::sanitisesServerText_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    QTest::newRow("control-characters")
        << QStringLiteral("bad\u0007\u001b[31mred") << QStringLiteral("bad [31mred");
    QTest::newRow("bidi-override")
        << QStringLiteral("file\u202Etxt.exe") << QStringLiteral("file txt.exe");
    QTest::newRow("line-breaks-collapsed")
        << QStringLiteral("a\r\nb\n\tc") << QStringLiteral("a b c");
    QTest::newRow("long-text-cut")
        << QString(500, QLatin1Char('x')) << QString(400, QLatin1Char('x')) + QChar(0x2026);
}

void TestSmtpStatusMessages::sanitisesServerText()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(displaySafeServerText(input), expected);
}

QTEST_GUILESS_MAIN(TestSmtpStatusMessages)
#include "tst_smtpstatusmessages.moc"
