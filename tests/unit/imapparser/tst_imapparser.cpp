// SPDX-License-Identifier: GPL-3.0-or-later
// Framing of the IMAP response stream: chunking invariance, truncation, literals and their
// limits, streaming to a sink, nesting depth, and what the parser still buffers.
#include "responsedescription.h"

#include <QMap>
#include <QTest>

using namespace Latchmail::Imap;
using Latchmail::Imap::Test::describe;
using Latchmail::Imap::Test::parseInPieces;
using Latchmail::Imap::Test::ParseOutcome;
using Latchmail::Imap::Test::randomPieces;

namespace {

QByteArray literal(const QByteArray& data)
{
    return '{' + QByteArray::number(data.size()) + "}\r\n" + data;
}

QByteArray selectTranscript()
{
    return "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
           "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Ok.\r\n"
           "* 3 EXISTS\r\n"
           "* 0 RECENT\r\n"
           "* OK [UNSEEN 2] First unseen.\r\n"
           "* OK [UIDVALIDITY 1700000001] UIDs valid\r\n"
           "* OK [UIDNEXT 4] Predicted next UID\r\n"
           "* OK [HIGHESTMODSEQ 12] Highest\r\n"
           "A0004 OK [READ-WRITE] Select completed (0.002 + 0.000 + 0.001 secs).\r\n";
}

// The body holds lines that look like responses; inside a literal they are only data.
QByteArray messageBody()
{
    return "Subject: test\r\n\r\nA0005 OK fake completion\r\n* 9 EXPUNGE\r\n{5}\r\nend\r\n";
}

QByteArray fetchTranscript()
{
    return "* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 1234 INTERNALDATE "
           "\"17-Jul-1996 02:44:25 -0700\" MODSEQ (5) ENVELOPE (\"Wed, 17 Jul 1996\" " +
           literal("IMAP4rev1 WG mtg\r\nsecond line") +
           " ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL NIL NIL NIL NIL NIL "
           "\"<B27397-0100000@cac.washington.edu>\") BODY[] " +
           literal(messageBody()) + ")\r\n* 2 FETCH (UID 2 BODY[1]<0> " + literal("0123456789") +
           " BODY[HEADER.FIELDS (SUBJECT)] " + literal("Subject: hi there\r\n\r\n") +
           ")\r\n"
           "* 3 FETCH (FLAGS (\\Seen $Junk) UID 3 X-GM-LABELS (\\Inbox \"foo\") BODYSTRUCTURE "
           "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 12 1 NIL NIL NIL NIL)"
           "(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 4000 NIL "
           "(\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"xyz\") "
           "NIL NIL NIL))\r\n"
           "* 4 FETCH (UID 4 RFC822.TEXT " +
           literal("") + " BINARY[2] ~" + literal(QByteArray("\0bin\0", 5)) +
           ")\r\n* VANISHED (EARLIER) 5:7\r\nA0005 OK Fetch completed.\r\n";
}

QByteArray mixedTranscript()
{
    return "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR] ready\r\n+ \r\n"
           "* LIST (\\HasNoChildren \\Drafts) \"/\" " +
           literal("Entw&APw-rfe") +
           "\r\n* STATUS INBOX (MESSAGES 2 UIDNEXT 9)\r\n* SEARCH 1 2\r\n"
           "* ESEARCH (TAG \"A9\") UID ALL 1:3\r\n* ID NIL\r\n* QUOTA \"\" (STORAGE 1 2)\r\n"
           "* BYE [UNAVAILABLE] later\r\n";
}

// Collects streamed literals and checks their chunks arrive in order.
class RecordingSink : public LiteralSink
{
public:
    void literalChunk(const LiteralChunk& chunk) override
    {
        const QByteArray key = QByteArray::number(chunk.sequence) + ':' + chunk.section +
                               (chunk.binary ? ":binary" : "");
        QByteArray& data = literals[key];
        if (chunk.offset != data.size() || chunk.offset + chunk.data.size() > chunk.totalSize ||
            chunk.data.isEmpty()) {
            ++violations;
        }
        data.append(chunk.data);
        largestChunk = std::max(largestChunk, chunk.data.size());
    }

    QMap<QByteArray, QByteArray> literals;
    int violations = 0;
    qsizetype largestChunk = 0;
};

} // namespace

class TestImapParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chunkingInvariance_data();
    void chunkingInvariance();
    void streamingIsChunkingInvariant_data();
    void streamingIsChunkingInvariant();
    void truncatedInputWaits_data();
    void truncatedInputWaits();
    void literalCap_data();
    void literalCap();
    void lineTooLong();
    void responseTooLarge();
    void nestingDepth_data();
    void nestingDepth();
    void largeLiteralStreamsWithBoundedMemory();
    void largeLiteralWithoutSinkIsInline();
    void bufferedBytesAfterStartTls_data();
    void bufferedBytesAfterStartTls();
};

void TestImapParser::chunkingInvariance_data()
{
    QTest::addColumn<QByteArray>("transcript");
    QTest::addColumn<int>("expectedResponses");

    QTest::newRow("select") << selectTranscript() << 9;
    QTest::newRow("fetch-with-literals") << fetchTranscript() << 6;
    QTest::newRow("mixed-kinds") << mixedTranscript() << 9;
}

void TestImapParser::chunkingInvariance()
{
    QFETCH(QByteArray, transcript);
    QFETCH(int, expectedResponses);

    const ParseOutcome whole = parseInPieces(transcript, {});
    QVERIFY2(!whole.error, qPrintable(whole.error ? whole.error->message : QString()));
    QCOMPARE(whole.responses.size(), expectedResponses);
    QCOMPARE(whole.bufferedAtEnd, 0);

    const ParseOutcome byteByByte = parseInPieces(transcript, {1});
    QCOMPARE(byteByByte.responses, whole.responses);
    QVERIFY(!byteByByte.error);

    for (quint32 seed = 1; seed <= 8; ++seed) {
        const ParseOutcome random = parseInPieces(transcript, randomPieces(seed, 3 + seed * 5));
        QCOMPARE(random.responses, whole.responses);
        QVERIFY(!random.error);
        QCOMPARE(random.bufferedAtEnd, 0);
    }
}

void TestImapParser::streamingIsChunkingInvariant_data()
{
    QTest::addColumn<QList<qsizetype>>("pieces");

    QTest::newRow("whole") << QList<qsizetype>();
    QTest::newRow("byte-by-byte") << QList<qsizetype>{1};
    QTest::newRow("random-seed-3") << randomPieces(3, 11);
    QTest::newRow("random-seed-4") << randomPieces(4, 40);
}

void TestImapParser::streamingIsChunkingInvariant()
{
    QFETCH(QList<qsizetype>, pieces);

    Limits limits;
    limits.streamingThreshold = 4;
    RecordingSink sink;
    const ParseOutcome outcome = parseInPieces(fetchTranscript(), pieces, limits, &sink);
    QVERIFY(!outcome.error);
    QCOMPARE(sink.violations, 0);

    // Body literals above the threshold went to the sink; the envelope subject did not.
    QCOMPARE(sink.literals.keys(),
             (QList<QByteArray>{"1:", "2:1", "2:HEADER.FIELDS (SUBJECT)", "4:2:binary"}));
    QCOMPARE(sink.literals.value("4:2:binary"), QByteArray("\0bin\0", 5));
    QCOMPARE(sink.literals.value("1:"), messageBody());
    QCOMPARE(sink.literals.value("2:1"), QByteArray("0123456789"));
    QVERIFY(outcome.responses.at(0).contains("subject=\"IMAP4rev1 WG mtg\\x0d\\x0asecond line\""));
    QVERIFY(outcome.responses.at(0).contains(
        QByteArray("BODY[]=" + QByteArray::number(messageBody().size()) + " streamed\"\"")));
    QVERIFY(outcome.responses.at(3).contains("BODY[TEXT]=0 \"\""));

    const ParseOutcome reference = parseInPieces(fetchTranscript(), {}, limits, &sink);
    QCOMPARE(outcome.responses, reference.responses);
}

void TestImapParser::truncatedInputWaits_data()
{
    QTest::addColumn<QByteArray>("transcript");

    QTest::newRow("select") << selectTranscript();
    QTest::newRow("fetch-with-literals") << fetchTranscript();
}

void TestImapParser::truncatedInputWaits()
{
    QFETCH(QByteArray, transcript);

    // Where each response ends: the first prefix length that yields it.
    const ParseOutcome full = parseInPieces(transcript, {});
    QList<qsizetype> ends{0};
    for (qsizetype length = 1; length <= transcript.size(); ++length) {
        const ParseOutcome prefix = parseInPieces(transcript.first(length), {});
        QVERIFY2(!prefix.error,
                 qPrintable(QStringLiteral("prefix %1: %2")
                                .arg(length)
                                .arg(prefix.error ? prefix.error->message : QString())));
        QCOMPARE(prefix.responses, full.responses.first(prefix.responses.size()));
        if (prefix.responses.size() == ends.size()) {
            ends.append(length);
        }
        QCOMPARE(prefix.bufferedAtEnd, length - ends.at(prefix.responses.size()));
    }
    QCOMPARE(ends.size(), full.responses.size() + 1);
}

void TestImapParser::literalCap_data()
{
    QTest::addColumn<QByteArray>("announcement");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("at-cap") << QByteArray("{100}") << true;
    QTest::newRow("literal8-at-cap") << QByteArray("~{100}") << true;
    QTest::newRow("one-over-cap") << QByteArray("{101}") << false;
    QTest::newRow("literal8-over-cap") << QByteArray("~{101}") << false;
    QTest::newRow("beyond-64-bits") << QByteArray("{99999999999999999999999999}") << false;
}

void TestImapParser::literalCap()
{
    QFETCH(QByteArray, announcement);
    QFETCH(bool, accepted);

    Limits limits;
    limits.maxLiteral = 100;
    ResponseParser parser(limits);
    parser.feed(
        QByteArray("* 7 FETCH (BODY[] " + announcement + "\r\n" + QByteArray(100, 'x') + ")\r\n"));
    const auto response = parser.next();

    QCOMPARE(response.has_value(), accepted);
    QCOMPARE(parser.hasFailed(), !accepted);
    if (!accepted) {
        QCOMPARE(parser.error()->kind, ParseError::Kind::LiteralTooLarge);
        QCOMPARE(parser.error()->offset, 18);
        QVERIFY2(parser.error()->message.endsWith(QStringLiteral("exceeds the limit of 100 bytes")),
                 qPrintable(parser.error()->message));
        parser.feed("* 1 EXISTS\r\n");
        QVERIFY(!parser.next());
    } else {
        QCOMPARE(std::get<FetchData>(*response).bodySections.at(0).data, QByteArray(100, 'x'));
    }
}

void TestImapParser::lineTooLong()
{
    Limits limits;
    limits.maxLineLength = 64;

    // Detected while the line is still arriving, not only once its end shows up.
    ResponseParser endless(limits);
    endless.feed(QByteArray("* OK " + QByteArray(70, 'a')));
    QVERIFY(!endless.next());
    QCOMPARE(endless.error()->kind, ParseError::Kind::LineTooLong);
    QCOMPARE(endless.error()->offset, 0);

    ResponseParser complete(limits);
    complete.feed(QByteArray("* 1 EXISTS\r\n* OK " + QByteArray(60, 'a') + "\r\n"));
    QVERIFY(complete.next());
    QVERIFY(!complete.next());
    QCOMPARE(complete.error()->kind, ParseError::Kind::LineTooLong);
    QCOMPARE(complete.error()->offset, 12);

    ResponseParser fits(limits);
    fits.feed(QByteArray("* OK " + QByteArray(59, 'a') + "\r\n"));
    QVERIFY(fits.next());
}

void TestImapParser::responseTooLarge()
{
    Limits limits;
    limits.maxResponseSize = 200;
    ResponseParser parser(limits);
    parser.feed(QByteArray("* 1 FETCH (BODY[1] " + literal(QByteArray(90, 'a')) + " BODY[2] " +
                           literal(QByteArray(90, 'b')) + ")\r\n"));
    QVERIFY(!parser.next());
    QCOMPARE(parser.error()->kind, ParseError::Kind::ResponseTooLarge);
    QVERIFY(parser.error()->message.contains(QStringLiteral("larger than 200 bytes")));
}

void TestImapParser::nestingDepth_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("accepted");

    // FETCH's own list is one level; the limit is 32.
    const auto nested = [](int depth) -> QByteArray {
        return "* 1 FETCH (X-VALUE " + QByteArray(depth, '(') + "1" + QByteArray(depth, ')') +
               ")\r\n";
    };
    QTest::newRow("generic-31") << nested(31) << true;
    QTest::newRow("generic-32") << nested(32) << false;
    QTest::newRow("generic-100000") << nested(100000) << false;

    const auto multipart = [](int depth) -> QByteArray {
        QByteArray body = "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)";
        for (int i = 1; i < depth; ++i) {
            body = '(' + body + " \"mixed\")";
        }
        return "* 1 FETCH (BODYSTRUCTURE " + body + ")\r\n";
    };
    QTest::newRow("bodystructure-31") << multipart(31) << true;
    QTest::newRow("bodystructure-32") << multipart(32) << false;
}

void TestImapParser::nestingDepth()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, accepted);

    Limits limits;
    limits.maxLineLength = 4 * 1024 * 1024;
    ResponseParser parser(limits);
    parser.feed(input);
    QCOMPARE(parser.next().has_value(), accepted);
    if (!accepted) {
        QCOMPARE(parser.error()->kind, ParseError::Kind::NestingTooDeep);
        QCOMPARE(parser.error()->message, QStringLiteral("parentheses nested deeper than 32"));
    }
}

void TestImapParser::largeLiteralStreamsWithBoundedMemory()
{
    constexpr qsizetype bodySize = 3 * 1024 * 1024 + 17;
    constexpr qsizetype piece = 64 * 1024;
    QByteArray body(bodySize, 'm');
    body[0] = 'B';
    body[bodySize - 1] = 'E';
    const QByteArray head = "* 42 FETCH (UID 7 BODY[] {" + QByteArray::number(bodySize) + "}\r\n";
    const QByteArray input = head + body + ")\r\nA1 OK done\r\n";

    RecordingSink sink;
    ResponseParser parser;
    parser.setLiteralSink(&sink);
    QList<Response> responses;
    qint64 mostBuffered = 0;
    for (qsizetype pos = 0; pos < input.size(); pos += piece) {
        parser.feed(QByteArrayView(input).sliced(pos, std::min(piece, input.size() - pos)));
        while (auto response = parser.next()) {
            responses.append(*response);
        }
        // Only the unread input and the line parts stay; streamed bytes are counted, not held.
        mostBuffered = std::max(mostBuffered,
                                parser.bufferedBytes() - qint64(sink.literals.value("42:").size()));
    }

    QCOMPARE(responses.size(), 2);
    const auto& fetch = std::get<FetchData>(responses.at(0));
    QCOMPARE(fetch.uid, 7u);
    QCOMPARE(fetch.bodySections.size(), 1);
    QVERIFY(fetch.bodySections.at(0).streamed);
    QVERIFY(fetch.bodySections.at(0).data.isEmpty());
    QCOMPARE(fetch.bodySections.at(0).size, bodySize);
    QCOMPARE(sink.literals.value("42:"), body);
    QCOMPARE(sink.violations, 0);
    QVERIFY(sink.largestChunk <= piece);
    QVERIFY2(mostBuffered <= head.size(), qPrintable(QString::number(mostBuffered)));
}

void TestImapParser::largeLiteralWithoutSinkIsInline()
{
    const QByteArray body(2 * 1024 * 1024, 'x');
    const ParseOutcome outcome =
        parseInPieces(QByteArray("* 1 FETCH (BODY[TEXT] " + literal(body) + ")\r\n"), {100000});
    QVERIFY(!outcome.error);
    QCOMPARE(outcome.responses.size(), 1);
    QVERIFY(outcome.responses.at(0).startsWith("FETCH 1 BODY[TEXT]=2097152 \"xxxx"));
}

void TestImapParser::bufferedBytesAfterStartTls_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<qint64>("buffered");

    QTest::newRow("clean") << QByteArray("A3 OK Begin TLS negotiation now\r\n") << qint64(0);
    QTest::newRow("injected-response")
        << QByteArray("A3 OK Begin TLS negotiation now\r\n* CAPABILITY IMAP4rev1\r\n")
        << qint64(24);
    QTest::newRow("injected-partial")
        << QByteArray("A3 OK Begin TLS negotiation now\r\n*") << qint64(1);
}

void TestImapParser::bufferedBytesAfterStartTls()
{
    QFETCH(QByteArray, input);
    QFETCH(qint64, buffered);

    ResponseParser parser;
    parser.feed(input);
    const auto response = parser.next();
    QVERIFY(response);
    QCOMPARE(std::get<TaggedResponse>(*response).status, Status::Ok);
    QCOMPARE(parser.bufferedBytes(), buffered);
}

QTEST_APPLESS_MAIN(TestImapParser)
#include "tst_imapparser.moc"
