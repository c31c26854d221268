// SPDX-License-Identifier: GPL-3.0-or-later
// From FETCH responses to cache records: RFC 2047 decoding for display, address lists, the
// stored forms of ENVELOPE and BODYSTRUCTURE (CBOR, and the JSON of earlier caches), the
// sections needed to show a message's text, and attachment file names (RFC 2231). Responses
// are parsed by the real response parser.
#include "imap/cache/messagecontent.h"
#include "imap/cache/messagerecord.h"
#include "imap/cache/structureserialization.h"
#include "imap/responseparser.h"

#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Imap;

namespace {

std::optional<FetchData> parseFetch(const QByteArray& line)
{
    ResponseParser parser;
    parser.feed(QByteArray(line + "\r\n"));
    std::optional<Response> response = parser.next();
    if (!response || !std::holds_alternative<FetchData>(*response)) {
        return std::nullopt;
    }
    return std::get<FetchData>(*response);
}

std::optional<BodyPart> parseStructure(const QByteArray& structure)
{
    const std::optional<FetchData> fetch =
        parseFetch("* 1 FETCH (UID 1 BODYSTRUCTURE " + structure + ')');
    return fetch ? fetch->bodyStructure : std::nullopt;
}

const QByteArray kText = "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 10 1 NIL "
                         "NIL NIL NIL)";
const QByteArray kHtml = "(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 20 1 NIL "
                         "NIL NIL NIL)";
const QByteArray kPdf = "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" 300 NIL "
                        "(\"ATTACHMENT\" (\"FILENAME\" \"a.pdf\")) NIL NIL)";

} // namespace

class TestMessageRecord : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodesHeaderText_data();
    void decodesHeaderText();
    void displaysAddresses();
    void recordFromFetch();
    void bodyStructureRoundTrip_data();
    void bodyStructureRoundTrip();
    void rejectsDamagedSerialisations_data();
    void rejectsDamagedSerialisations();
    void keepsEveryByteAndNil();
    void readsJsonOfEarlierCaches();
    void textSections_data();
    void textSections();
    void attachmentFileNames_data();
    void attachmentFileNames();
};

void TestMessageRecord::decodesHeaderText_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("shown");
    QTest::newRow("plain-ascii") << QByteArray("Hello there") << QStringLiteral("Hello there");
    QTest::newRow("base64-utf8") << QByteArray("=?UTF-8?B?R3LDvMOfZSDinJM=?=")
                                 << QStringLiteral("Grüße \u2713");
    QTest::newRow("q-latin1") << QByteArray("=?ISO-8859-1?Q?J=F6rg_M=FCller?=")
                              << QStringLiteral("Jörg Müller");
    QTest::newRow("mixed-words") << QByteArray("Re: =?UTF-8?Q?caf=C3=A9?= =?UTF-8?Q?_au_lait?=")
                                 << QStringLiteral("Re: café au lait");
    QTest::newRow("raw-utf8") << QByteArray("Stra\xc3\x9f"
                                            "e")
                              << QStringLiteral("Straße");
    QTest::newRow("malformed-word-kept")
        << QByteArray("=?UTF-8?X?abc?=") << QStringLiteral("=?UTF-8?X?abc?=");
    QTest::newRow("empty") << QByteArray() << QString();
}

void TestMessageRecord::decodesHeaderText()
{
    QFETCH(QByteArray, raw);
    QFETCH(QString, shown);
    QCOMPARE(decodeHeaderText(raw), shown);
}

void TestMessageRecord::displaysAddresses()
{
    const QList<Address> addresses = {
        Address{"=?UTF-8?Q?Andr=C3=A9?=", {}, "andre", "example.org"},
        Address{{}, {}, "team", {}},                                    // group start
        Address{{}, {}, "bob", "example.org"}, Address{{}, {}, {}, {}}, // group end
    };
    QCOMPARE(displayAddresses(addresses),
             QStringLiteral("André <andre@example.org>, bob@example.org"));
}

void TestMessageRecord::recordFromFetch()
{
    const std::optional<FetchData> fetch = parseFetch(
        "* 12 FETCH (UID 4711 FLAGS (\\Seen $Work) RFC822.SIZE 2345 MODSEQ (99) "
        "INTERNALDATE \"01-Mar-2024 12:31:00 +0100\" ENVELOPE (\"Fri, 01 Mar 2024 12:30:00 +0100\" "
        "\"=?UTF-8?B?R3LDvMOfZQ==?=\" ((\"Ann\" NIL \"ann\" \"example.org\")) NIL NIL "
        "((NIL NIL \"bob\" \"example.org\")) NIL NIL \"<parent@x>\" \"<id-1@example.org>\") "
        "BODYSTRUCTURE " +
        kText + ')');
    QVERIFY(fetch);
    const CachedMessage message = cachedMessageFrom(*fetch);
    QCOMPARE(message.uid, 4711u);
    QCOMPARE(message.flags, (QStringList{QStringLiteral("\\Seen"), QStringLiteral("$Work")}));
    QCOMPARE(message.subject, QStringLiteral("Grüße"));
    QCOMPARE(message.from, QStringLiteral("Ann <ann@example.org>"));
    QCOMPARE(message.to, QStringLiteral("bob@example.org"));
    QCOMPARE(message.messageId, QStringLiteral("id-1@example.org"));
    QCOMPARE(message.inReplyTo, QStringLiteral("parent@x"));
    QCOMPARE(message.date, QDateTime(QDate(2024, 3, 1), QTime(11, 30), Qt::UTC));
    QCOMPARE(message.internalDate, QDateTime(QDate(2024, 3, 1), QTime(11, 31), Qt::UTC));
    QCOMPARE(message.size, 2345);
    QCOMPARE(message.modSeq, 99u);
    const std::optional<Envelope> raw = deserializeEnvelope(message.envelopeRaw);
    QVERIFY(raw);
    QCOMPARE(raw->subject, QByteArray("=?UTF-8?B?R3LDvMOfZQ==?="));
    QVERIFY(raw->cc.isEmpty());
    QVERIFY(raw->sender.isEmpty());
}

void TestMessageRecord::bodyStructureRoundTrip_data()
{
    QTest::addColumn<QByteArray>("structure");
    QTest::newRow("single-text") << kText;
    QTest::newRow("alternative") << QByteArray("(" + kText + kHtml + " \"ALTERNATIVE\")");
    QTest::newRow("mixed-with-attachment")
        << QByteArray("((" + kText + kHtml + " \"ALTERNATIVE\")" + kPdf + " \"MIXED\")");
    QTest::newRow("attached-message")
        << QByteArray("(" + kText +
                      "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 500 (NIL \"Inner\" "
                      "NIL NIL NIL NIL NIL NIL NIL NIL) " +
                      kText + " 12) \"MIXED\")");
}

void TestMessageRecord::bodyStructureRoundTrip()
{
    QFETCH(QByteArray, structure);
    const std::optional<BodyPart> parsed = parseStructure(structure);
    QVERIFY(parsed);

    const std::optional<BodyPart> restored =
        deserializeBodyStructure(serializeBodyStructure(*parsed));
    QVERIFY(restored);
    QCOMPARE(serializeBodyStructure(*restored), serializeBodyStructure(*parsed));
    QCOMPARE(restored->mimeType(), parsed->mimeType());
    QCOMPARE(attachments(*restored).size(), attachments(*parsed).size());
    const BodyPart* text = preferredTextPart(*restored);
    QVERIFY(text);
    QCOMPARE(text->partNumber, preferredTextPart(*parsed)->partNumber);
}

void TestMessageRecord::rejectsDamagedSerialisations_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("not-json") << QByteArray("(\"TEXT\" \"PLAIN\")");
    QTest::newRow("array") << QByteArray("[1,2]");
    QTest::newRow("missing-type") << QByteArray("{\"subtype\":\"plain\"}");
    QByteArray deep = "{\"type\":\"multipart\",\"children\":[";
    QByteArray close = "]}";
    QByteArray nested;
    for (int i = 0; i < 40; ++i) {
        nested = deep + nested + close;
    }
    QTest::newRow("nested-too-deep") << nested;

    const QByteArray cbor = serializeBodyStructure(*parseStructure(kText));
    QTest::newRow("cbor-truncated") << cbor.left(cbor.size() / 2);
    QTest::newRow("cbor-array") << QByteArray::fromHex("820102");
    QTest::newRow("cbor-map-without-type") << QByteArray::fromHex("a1617801");
    QByteArray cborDeep = cbor;
    for (int i = 0; i < 40; ++i) {
        // {"type": "multipart", "children": [previous]}
        cborDeep = QByteArray::fromHex("a26474797065696d756c746970617274686368696c6472656e81") +
                   cborDeep;
    }
    QTest::newRow("cbor-nested-too-deep") << cborDeep;
}

void TestMessageRecord::rejectsDamagedSerialisations()
{
    QFETCH(QByteArray, json);
    QVERIFY(!deserializeBodyStructure(json));
}

void TestMessageRecord::keepsEveryByteAndNil()
{
    Envelope envelope;
    envelope.subject = QByteArray("caf\xe9 \x01\xff", 8); // 8-bit bytes as some servers send
    envelope.date = QByteArray("");                      // empty, not NIL
    envelope.from = {Address{QByteArray(), QByteArray(), "ann", "example.org"}};

    const std::optional<Envelope> restored = deserializeEnvelope(serializeEnvelope(envelope));
    QVERIFY(restored);
    QCOMPARE(restored->subject, envelope.subject);
    QVERIFY(!restored->date.isNull());
    QVERIFY(restored->date.isEmpty());
    QVERIFY(restored->messageId.isNull());
    QCOMPARE(restored->from.size(), 1);
    QVERIFY(restored->from.first().name.isNull());
    QCOMPARE(restored->from.first().host, QByteArray("example.org"));
}

void TestMessageRecord::readsJsonOfEarlierCaches()
{
    const QByteArray envelopeJson =
        R"({"date":"Fri, 01 Mar 2024 12:30:00 +0100","subject":"Hello","from":[["Ann",null,)"
        R"("ann","example.org"]],"sender":[],"replyTo":[],"to":[],"cc":[],"bcc":[],)"
        R"("inReplyTo":null,"messageId":"<id-1@example.org>"})";
    const std::optional<Envelope> envelope = deserializeEnvelope(envelopeJson);
    QVERIFY(envelope);
    QCOMPARE(envelope->subject, QByteArray("Hello"));
    QCOMPARE(envelope->from.first().mailbox, QByteArray("ann"));
    QVERIFY(envelope->inReplyTo.isNull());

    const QByteArray structureJson =
        R"({"type":"text","subtype":"plain","params":[["charset","UTF-8"]],"id":null,)"
        R"("description":null,"encoding":"7bit","size":10,"lines":1,"md5":null,)"
        R"("disposition":null,"dispositionParams":[],"location":null,"language":[],)"
        R"("children":[]})";
    const std::optional<BodyPart> structure = deserializeBodyStructure(structureJson);
    QVERIFY(structure);
    QCOMPARE(serializeBodyStructure(*structure), serializeBodyStructure(*parseStructure(kText)));
}

void TestMessageRecord::textSections_data()
{
    QTest::addColumn<QByteArray>("structure");
    QTest::addColumn<QStringList>("sections");
    QTest::newRow("single-part") << kText
                                 << QStringList{QStringLiteral("HEADER"), QStringLiteral("TEXT")};
    QTest::newRow("alternative-prefers-plain")
        << QByteArray("(" + kHtml + kText + " \"ALTERNATIVE\")")
        << QStringList{QStringLiteral("2.MIME"), QStringLiteral("2")};
    QTest::newRow("nested-in-mixed")
        << QByteArray("((" + kText + kHtml + " \"ALTERNATIVE\")" + kPdf + " \"MIXED\")")
        << QStringList{QStringLiteral("1.1.MIME"), QStringLiteral("1.1")};
    QTest::newRow("attachment-only") << QByteArray("(" + kPdf + " \"MIXED\")") << QStringList{};
}

void TestMessageRecord::textSections()
{
    QFETCH(QByteArray, structure);
    QFETCH(QStringList, sections);
    const std::optional<BodyPart> parsed = parseStructure(structure);
    QVERIFY(parsed);
    QCOMPARE(textSectionsOf(*parsed), sections);
}

void TestMessageRecord::attachmentFileNames_data()
{
    QTest::addColumn<QByteArray>("part");
    QTest::addColumn<QString>("fileName");
    QTest::newRow("plain-filename") << kPdf << QStringLiteral("a.pdf");
    QTest::newRow("rfc2231-utf8")
        << QByteArray("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"BASE64\" 30 2 NIL (\"ATTACHMENT\" "
                      "(\"FILENAME*\" \"UTF-8''%C3%BCbersicht.txt\")) NIL NIL)")
        << QStringLiteral("übersicht.txt");
    QTest::newRow("rfc2047-in-name")
        << QByteArray("(\"IMAGE\" \"PNG\" (\"NAME\" \"=?UTF-8?Q?B=C3=A4r.png?=\") NIL NIL "
                      "\"BASE64\" 30 NIL NIL NIL NIL)")
        << QStringLiteral("Bär.png");
    QTest::newRow("no-name") << QByteArray("(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL "
                                           "\"BASE64\" 30 NIL NIL NIL NIL)")
                             << QString();
}

void TestMessageRecord::attachmentFileNames()
{
    QFETCH(QByteArray, part);
    QFETCH(QString, fileName);
    const std::optional<BodyPart> parsed = parseStructure(part);
    QVERIFY(parsed);
    QCOMPARE(attachmentFileName(*parsed), fileName);
}

QTEST_GUILESS_MAIN(TestMessageRecord)
#include "tst_messagerecord.moc"
