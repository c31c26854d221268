// SPDX-License-Identifier: GPL-3.0-or-later
#include "submission/smtpreply.h"

#include <QTest>

using namespace Latchmail;

class TestSmtpReply : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesReplies_data();
    void parsesReplies();
    void rejectsMalformed_data();
    void rejectsMalformed();
    void acceptsInputInAnyChunking();
    void keepsPipelinedRepliesApart();
    void reportsBytesLeftAfterReply();
    void boundsLineLength();
    void boundsLineCount();
    void staysFailedAfterError();
    void readsEnhancedStatusCodes_data();
    void readsEnhancedStatusCodes();
};

void TestSmtpReply::parsesReplies_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("code");
    QTest::addColumn<QList<QByteArray>>("lines");
    QTest::addColumn<QString>("enhanced");

    QTest::newRow("single-line") << QByteArray("250 OK\r\n") << 250 << QList<QByteArray>{"OK"}
                                 << QString();
    QTest::newRow("greeting") << QByteArray("220 mail.example.test ESMTP Postfix\r\n") << 220
                              << QList<QByteArray>{"mail.example.test ESMTP Postfix"} << QString();
    QTest::newRow("multi-line-ehlo")
        << QByteArray("250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                      "250 DSN\r\n")
        << 250 << QList<QByteArray>{"mail.example.test", "PIPELINING", "SIZE 10240000", "DSN"}
        << QString();
    QTest::newRow("code-only-final-line")
        << QByteArray("250\r\n") << 250 << QList<QByteArray>{""} << QString();
    QTest::newRow("code-and-space-only")
        << QByteArray("354 \r\n") << 354 << QList<QByteArray>{""} << QString();
    QTest::newRow("bare-lf-line-end")
        << QByteArray("221 Bye\n") << 221 << QList<QByteArray>{"Bye"} << QString();
    QTest::newRow("enhanced-code-stripped")
        << QByteArray("550 5.1.1 <bob@example.test>: Recipient address rejected\r\n") << 550
        << QList<QByteArray>{"<bob@example.test>: Recipient address rejected"}
        << QStringLiteral("5.1.1");
    QTest::newRow("enhanced-code-alone")
        << QByteArray("250 2.0.0\r\n") << 250 << QList<QByteArray>{""} << QStringLiteral("2.0.0");
    QTest::newRow("enhanced-code-wrong-class-kept-as-text")
        << QByteArray("550 2.1.0 odd\r\n") << 550 << QList<QByteArray>{"2.1.0 odd"} << QString();
    QTest::newRow("dotted-number-of-reply-class-read-as-enhanced")
        << QByteArray("220 2.6.32 ready\r\n") << 220 << QList<QByteArray>{"ready"}
        << QStringLiteral("2.6.32");
    QTest::newRow("multi-line-enhanced")
        << QByteArray("535-5.7.8 Username and Password not accepted.\r\n"
                      "535 5.7.8 https://support.example.test/mail/?p=BadCredentials\r\n")
        << 535
        << QList<QByteArray>{"Username and Password not accepted.",
                             "https://support.example.test/mail/?p=BadCredentials"}
        << QStringLiteral("5.7.8");
    QTest::newRow("utf8-text") << QByteArray("550 5.1.1 Empfänger unbekannt\r\n") << 550
                               << QList<QByteArray>{"Empfänger unbekannt"}
                               << QStringLiteral("5.1.1");
}

void TestSmtpReply::parsesReplies()
{
    QFETCH(QByteArray, input);
    QFETCH(int, code);
    QFETCH(QList<QByteArray>, lines);
    QFETCH(QString, enhanced);

    SmtpReplyParser parser;
    parser.feed(input);
    SmtpReply reply;
    QVERIFY2(parser.takeReply(&reply), qPrintable(parser.errorString()));
    QCOMPARE(reply.code, code);
    QCOMPARE(reply.lines, lines);
    QCOMPARE(reply.enhancedCode().toString(), enhanced);
    QVERIFY(parser.isEmpty());
    QVERIFY(!parser.takeReply(&reply));
    QVERIFY(!parser.hasError());
}

void TestSmtpReply::rejectsMalformed_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("errorPart");

    QTest::newRow("no-code") << QByteArray("hello\r\n") << QStringLiteral("three-digit code");
    QTest::newRow("two-digit-code")
        << QByteArray("25 OK\r\n") << QStringLiteral("three-digit code");
    QTest::newRow("empty-line") << QByteArray("\r\n") << QStringLiteral("three-digit code");
    QTest::newRow("code-out-of-range-first-digit")
        << QByteArray("650 nope\r\n") << QStringLiteral("650 is not one RFC 5321 allows");
    QTest::newRow("code-out-of-range-second-digit")
        << QByteArray("270 nope\r\n") << QStringLiteral("270 is not one RFC 5321 allows");
    QTest::newRow("code-1xx") << QByteArray("199 nope\r\n")
                              << QStringLiteral("199 is not one RFC 5321 allows");
    QTest::newRow("bad-separator")
        << QByteArray("250_OK\r\n") << QStringLiteral("followed by \"_\"");
    QTest::newRow("code-changes-mid-reply")
        << QByteArray("250-first\r\n251 second\r\n") << QStringLiteral("from 250 to 251");
    QTest::newRow("nul-octet") << QByteArray("250 O\0K\r\n", 9) << QStringLiteral("NUL");
    QTest::newRow("http-response")
        << QByteArray("HTTP/1.1 400 Bad Request\r\n") << QStringLiteral("HTTP/1.1");
}

void TestSmtpReply::rejectsMalformed()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, errorPart);

    SmtpReplyParser parser;
    parser.feed(input);
    SmtpReply reply;
    QVERIFY(!parser.takeReply(&reply));
    QVERIFY(parser.hasError());
    QVERIFY2(parser.errorString().contains(errorPart), qPrintable(parser.errorString()));
}

void TestSmtpReply::acceptsInputInAnyChunking()
{
    const QByteArray input = "250-mail.example.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
                             "354 End data with <CR><LF>.<CR><LF>\r\n";
    for (qsizetype chunk = 1; chunk <= input.size(); ++chunk) {
        SmtpReplyParser parser;
        QList<SmtpReply> replies;
        for (qsizetype pos = 0; pos < input.size(); pos += chunk) {
            parser.feed(QByteArrayView(input).sliced(pos, qMin(chunk, input.size() - pos)));
            SmtpReply reply;
            while (parser.takeReply(&reply)) {
                replies.append(reply);
            }
        }
        QVERIFY2(!parser.hasError(), qPrintable(parser.errorString()));
        QCOMPARE(replies.size(), 2);
        QCOMPARE(replies.at(0).lines.size(), 3);
        QCOMPARE(replies.at(1).code, 354);
    }
}

void TestSmtpReply::keepsPipelinedRepliesApart()
{
    SmtpReplyParser parser;
    parser.feed("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no such user\r\n354 go\r\n");
    QList<int> codes;
    SmtpReply reply;
    while (parser.takeReply(&reply)) {
        codes.append(reply.code);
    }
    QCOMPARE(codes, (QList<int>{250, 250, 550, 354}));
}

void TestSmtpReply::reportsBytesLeftAfterReply()
{
    // RFC 3207 5 / STARTTLS injection: bytes after the 220 must be visible to the caller.
    SmtpReplyParser parser;
    parser.feed("220 2.0.0 Ready to start TLS\r\n250-injected\r\n");
    SmtpReply reply;
    QVERIFY(parser.takeReply(&reply));
    QCOMPARE(reply.code, 220);
    QVERIFY(!parser.isEmpty());

    SmtpReplyParser partial;
    partial.feed("220 ready\r\n250");
    QVERIFY(partial.takeReply(&reply));
    QVERIFY(!partial.isEmpty());

    SmtpReplyParser clean;
    clean.feed("220 ready\r\n");
    QVERIFY(clean.takeReply(&reply));
    QVERIFY(clean.isEmpty());
}

void TestSmtpReply::boundsLineLength()
{
    SmtpReplyParser accepted;
    const QByteArray longest =
        "250 " + QByteArray(SmtpReplyParser::kMaxLineLength - 4, 'a') + "\r\n";
    accepted.feed(longest);
    SmtpReply reply;
    QVERIFY2(accepted.takeReply(&reply), qPrintable(accepted.errorString()));

    SmtpReplyParser endless;
    for (int i = 0; i < 10 && !endless.hasError(); ++i) {
        endless.feed(QByteArray(4096, 'x'));
        QVERIFY(!endless.takeReply(&reply));
    }
    QVERIFY(endless.hasError());
    QVERIFY(endless.errorString().contains(QStringLiteral("longer than")));
}

void TestSmtpReply::boundsLineCount()
{
    SmtpReplyParser parser;
    for (int i = 0; i <= SmtpReplyParser::kMaxLines; ++i) {
        parser.feed("250-x\r\n");
    }
    SmtpReply reply;
    QVERIFY(!parser.takeReply(&reply));
    QVERIFY(parser.errorString().contains(QStringLiteral("more than")));
}

void TestSmtpReply::staysFailedAfterError()
{
    SmtpReplyParser parser;
    parser.feed("garbage\r\n");
    SmtpReply reply;
    QVERIFY(!parser.takeReply(&reply));
    parser.feed("250 OK\r\n");
    QVERIFY(!parser.takeReply(&reply));
    QVERIFY(parser.hasError());

    parser.reset();
    parser.feed("250 OK\r\n");
    QVERIFY(parser.takeReply(&reply));
}

void TestSmtpReply::readsEnhancedStatusCodes_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("expected");

    QTest::newRow("simple") << QByteArray("5.1.1") << QStringLiteral("5.1.1");
    QTest::newRow("three-digit-parts") << QByteArray("4.123.999") << QStringLiteral("4.123.999");
    QTest::newRow("success") << QByteArray("2.0.0") << QStringLiteral("2.0.0");
    QTest::newRow("class-3-rejected") << QByteArray("3.0.0") << QString();
    QTest::newRow("four-digit-subject-rejected") << QByteArray("5.1000.1") << QString();
    QTest::newRow("missing-detail-rejected") << QByteArray("5.1") << QString();
    QTest::newRow("trailing-text-rejected") << QByteArray("5.1.1 x") << QString();
    QTest::newRow("empty-rejected") << QByteArray() << QString();
    QTest::newRow("letters-rejected") << QByteArray("5.a.1") << QString();
}

void TestSmtpReply::readsEnhancedStatusCodes()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, expected);
    QCOMPARE(EnhancedStatusCode::fromString(text).toString(), expected);
}

QTEST_GUILESS_MAIN(TestSmtpReply)
#include "tst_smtpreply.moc"
