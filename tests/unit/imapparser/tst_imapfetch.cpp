// SPDX-License-Identifier: GPL-3.0-or-later
// FETCH responses: every attribute kind, envelopes, dates and body sections.
#include "responsedescription.h"

#include <QTest>

using namespace Latchmail::Imap;
using Latchmail::Imap::Test::parseInPieces;

namespace {

FetchData parseFetch(const QByteArray& input)
{
    ResponseParser parser;
    parser.feed(input);
    const auto response = parser.next();
    if (!response) {
        qWarning() << "parse failed:" << (parser.error() ? parser.error()->message : QString());
        return {};
    }
    return std::get<FetchData>(*response);
}

} // namespace

class TestImapFetch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fetch_data();
    void fetch();
    void envelopeNilAndGroups();
    void internalDate_data();
    void internalDate();
};

void TestImapFetch::fetch_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("uid-flags") << QByteArray(
                                      "* 12 FETCH (FLAGS (\\Seen \\Answered) UID 4827313)\r\n")
                               << QByteArray("FETCH 12 UID=4827313 FLAGS=(\\Seen \\Answered)");
    QTest::newRow("flags-recent-keywords")
        << QByteArray("* 1 FETCH (FLAGS (\\Recent $Forwarded NonJunk))\r\n")
        << QByteArray("FETCH 1 FLAGS=(\\Recent $Forwarded NonJunk)");
    QTest::newRow("flags-empty") << QByteArray("* 1 FETCH (FLAGS ())\r\n")
                                 << QByteArray("FETCH 1 FLAGS=()");
    QTest::newRow("size-date-modseq")
        << QByteArray("* 2 FETCH (RFC822.SIZE 44827 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
                      "MODSEQ (12121231000))\r\n")
        << QByteArray("FETCH 2 RFC822.SIZE=44827 INTERNALDATE=\"17-Jul-1996 02:44:25 -0700\"="
                      "1996-07-17T09:44:25Z MODSEQ=12121231000");
    QTest::newRow("lowercase-and-extra-spaces")
        << QByteArray("* 9 fetch ( uid 5  flags (\\Seen)  )\r\n")
        << QByteArray("FETCH 9 UID=5 FLAGS=(\\Seen)");
    QTest::newRow("body-section-partial")
        << QByteArray("* 3 FETCH (UID 7 BODY[1.2]<100> {5}\r\nhello)\r\n")
        << QByteArray("FETCH 3 UID=7 BODY[1.2]<100>=5 \"hello\"");
    QTest::newRow("body-header-fields")
        << QByteArray("* 3 FETCH (BODY[HEADER.FIELDS (From Subject)] {8}\r\nFrom: ab)\r\n")
        << QByteArray("FETCH 3 BODY[HEADER.FIELDS (FROM SUBJECT)]=8 \"From: ab\"");
    QTest::newRow("body-quoted") << QByteArray("* 4 FETCH (BODY[TEXT] \"short text\")\r\n")
                                 << QByteArray("FETCH 4 BODY[TEXT]=10 \"short text\"");
    QTest::newRow("body-nil") << QByteArray("* 4 FETCH (BODY[2] NIL)\r\n")
                              << QByteArray("FETCH 4 BODY[2]=NIL");
    QTest::newRow("body-empty-literal")
        << QByteArray("* 4 FETCH (BODY[] {0}\r\n)\r\n") << QByteArray("FETCH 4 BODY[]=0 \"\"");
    QTest::newRow("rfc822-forms")
        << QByteArray("* 5 FETCH (RFC822.HEADER {4}\r\nA: b RFC822.TEXT \"x\" RFC822 NIL)\r\n")
        << QByteArray("FETCH 5 BODY[HEADER]=4 \"A: b\" BODY[TEXT]=1 \"x\" BODY[]=NIL");
    QTest::newRow("binary-literal8")
        << QByteArray("* 6 FETCH (BINARY[1] ~{3}\r\na") + '\0' +
               QByteArray("b BINARY.SIZE[1] 3)\r\n")
        << QByteArray("FETCH 6 BINARY[1]=3 \"a\\x00b\" BINARY.SIZE[1]=3");
    QTest::newRow("gmail-extensions")
        << QByteArray("* 7 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 "
                      "X-GM-LABELS (\\Inbox \\Sent \"Important\" {4}\r\nWork) UID 5)\r\n")
        << QByteArray("FETCH 7 UID=5 other=X-GM-THRID,X-GM-MSGID,X-GM-LABELS");
    QTest::newRow("objectid-and-savedate")
        << QByteArray("* 8 FETCH (EMAILID (M6d99ac3275bb4e) THREADID NIL SAVEDATE "
                      "\"17-Jul-1996 02:44:25 -0700\" UID 9)\r\n")
        << QByteArray("FETCH 8 UID=9 other=EMAILID,THREADID,SAVEDATE");
    QTest::newRow("body-without-section")
        << QByteArray("* 1 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1))\r\n")
        << QByteArray("FETCH 1 BODYSTRUCTURE=(\"1\" text/plain {} id=NIL desc=NIL enc=\"7bit\" "
                      "size=5 lines=1 md5=NIL dsp=NIL{} lang=[] loc=NIL)");
    QTest::newRow("rfc-envelope")
        << QByteArray(
               "* 12 FETCH (ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG "
               "mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
               "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL "
               "\"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) "
               "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" "
               "\"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\"))\r\n")
        << QByteArray("FETCH 12 ENVELOPE=(date=\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
                      "subject=\"IMAP4rev1 WG mtg summary and minutes\" from=[(\"Terry Gray\" NIL "
                      "\"gray\" \"cac.washington.edu\")] sender=[(\"Terry Gray\" NIL \"gray\" "
                      "\"cac.washington.edu\")] reply-to=[(\"Terry Gray\" NIL \"gray\" "
                      "\"cac.washington.edu\")] to=[(NIL NIL \"imap\" \"cac.washington.edu\")] "
                      "cc=[(NIL NIL \"minutes\" \"CNRI.Reston.VA.US\") (\"John Klensin\" NIL "
                      "\"KLENSIN\" \"MIT.EDU\")] bcc=[] in-reply-to=NIL "
                      "message-id=\"<B27397-0100000@cac.washington.edu>\")");
    QTest::newRow("envelope-spaced-addresses-and-literal-subject")
        << QByteArray("* 1 FETCH (ENVELOPE (NIL {5}\r\nHello ((\"A\" NIL \"a\" \"x.org\") "
                      "(\"B\" NIL \"b\" \"x.org\")) NIL NIL NIL NIL NIL NIL NIL))\r\n")
        << QByteArray("FETCH 1 ENVELOPE=(date=NIL subject=\"Hello\" from=[(\"A\" NIL \"a\" "
                      "\"x.org\") (\"B\" NIL \"b\" \"x.org\")] sender=[] reply-to=[] to=[] "
                      "cc=[] bcc=[] in-reply-to=NIL message-id=NIL)");
}

void TestImapFetch::fetch()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);

    const auto outcome = parseInPieces(input, {});
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QCOMPARE(outcome.responses.size(), 1);
    QCOMPARE(outcome.responses.at(0), expected);
    QCOMPARE(parseInPieces(input, {1}).responses, outcome.responses);
}

void TestImapFetch::envelopeNilAndGroups()
{
    const FetchData fetch = parseFetch(
        "* 1 FETCH (ENVELOPE (NIL \"=?utf-8?q?Gr=C3=BC=C3=9Fe?=\" ((NIL NIL "
        "\"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL ((\"\" NIL \"bob\" \"\")) "
        "NIL NIL NIL \"\"))\r\n");
    QVERIFY(fetch.envelope);
    const Envelope& e = *fetch.envelope;

    QVERIFY(e.date.isNull());
    QCOMPARE(e.subject, QByteArray("=?utf-8?q?Gr=C3=BC=C3=9Fe?=")); // raw, not decoded
    QCOMPARE(e.from.size(), 2);
    QVERIFY(e.from.at(0).isGroupStart());
    QCOMPARE(e.from.at(0).mailbox, QByteArray("undisclosed-recipients"));
    QVERIFY(e.from.at(1).isGroupEnd());
    QVERIFY(!e.to.at(0).isGroupStart());
    QVERIFY(!e.to.at(0).name.isNull());
    QVERIFY(e.to.at(0).name.isEmpty());
    QCOMPARE(e.to.at(0).addrSpec(), QByteArray("bob"));
    QVERIFY(e.inReplyTo.isNull());
    QVERIFY(!e.messageId.isNull());
    QVERIFY(e.messageId.isEmpty());
}

void TestImapFetch::internalDate_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("utc");

    QTest::newRow("rfc-example") << QByteArray("17-Jul-1996 02:44:25 -0700")
                                 << QStringLiteral("1996-07-17T09:44:25Z");
    QTest::newRow("space-padded-day")
        << QByteArray(" 7-Jul-1996 02:44:25 +0000") << QStringLiteral("1996-07-07T02:44:25Z");
    QTest::newRow("lowercase-month-half-hour")
        << QByteArray("7-jul-1996 02:44:25 +0530") << QStringLiteral("1996-07-06T21:14:25Z");
    QTest::newRow("impossible-day") << QByteArray("31-Feb-2020 00:00:00 +0000") << QString();
    QTest::newRow("unknown-month") << QByteArray("17-Foo-1996 02:44:25 -0700") << QString();
    QTest::newRow("missing-seconds") << QByteArray("17-Jul-1996 02:44 -0700") << QString();
    QTest::newRow("zone-without-sign") << QByteArray("17-Jul-1996 02:44:25 0700") << QString();
    QTest::newRow("hour-out-of-range") << QByteArray("17-Jul-1996 25:00:00 +0000") << QString();
    QTest::newRow("empty") << QByteArray("") << QString();
}

void TestImapFetch::internalDate()
{
    QFETCH(QByteArray, raw);
    QFETCH(QString, utc);

    // An unparsable date is kept raw and reported invalid; it does not fail the response.
    const FetchData fetch =
        parseFetch(QByteArray("* 1 FETCH (INTERNALDATE \"" + raw + "\" UID 3)\r\n"));
    QCOMPARE(fetch.uid, 3u);
    QCOMPARE(fetch.rawInternalDate, raw);
    QVERIFY(fetch.internalDate);
    QCOMPARE(fetch.internalDate->isValid(), !utc.isEmpty());
    if (!utc.isEmpty()) {
        QCOMPARE(fetch.internalDate->toUTC().toString(Qt::ISODate), utc);
    }
}

QTEST_APPLESS_MAIN(TestImapFetch)
#include "tst_imapfetch.moc"
