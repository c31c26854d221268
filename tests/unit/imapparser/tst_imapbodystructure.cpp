// SPDX-License-Identifier: GPL-3.0-or-later
// BODYSTRUCTURE trees from real servers: part numbers, attachments, the text part to show.
#include "responsedescription.h"

#include <QTest>

using namespace Latchmail::Imap;

namespace {

std::optional<BodyPart> parseStructure(const QByteArray& structure, QString* error = nullptr)
{
    ResponseParser parser;
    parser.feed(QByteArray("* 1 FETCH (BODYSTRUCTURE " + structure + ")\r\n"));
    const auto response = parser.next();
    if (!response) {
        if (error && parser.error()) {
            *error = parser.error()->message;
        }
        return std::nullopt;
    }
    return std::get<FetchData>(*response).bodyStructure;
}

void listParts(const BodyPart& part, QList<QByteArray>& out)
{
    out.append(part.partNumber + '=' + part.mimeType());
    for (const BodyPart& child : part.children) {
        listParts(child, out);
    }
}

QByteArray describeAttachments(const QList<Attachment>& list)
{
    QList<QByteArray> out;
    for (const Attachment& a : list) {
        out.append(a.partNumber + ' ' + (a.rawFileName.isNull() ? "NIL" : a.rawFileName) + ' ' +
                   a.mimeType + ' ' + (a.encoding.isNull() ? "NIL" : a.encoding) + ' ' +
                   QByteArray::number(a.size));
    }
    return out.join(';');
}

const char* plainPart = "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" "
                        "120 5 NIL NIL NIL NIL)";
const char* htmlPart = "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" "
                       "800 20 NIL NIL NIL NIL)";

QByteArray alternative()
{
    return '(' + QByteArray(plainPart) + htmlPart +
           " \"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)";
}

QByteArray rfc822(const QByteArray& body)
{
    return "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 2000 (\"Mon, 1 Jan 2024 10:00:00 +0000\" "
           "\"Fwd\" ((NIL NIL \"a\" \"x.org\")) NIL NIL NIL NIL NIL NIL \"<m@x.org>\") " +
           body + " 40 NIL NIL NIL NIL)";
}

} // namespace

class TestImapBodyStructure : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void structure_data();
    void structure();
    void extensionFields();
    void encapsulatedEnvelope();
};

void TestImapBodyStructure::structure_data()
{
    QTest::addColumn<QByteArray>("structure");
    QTest::addColumn<QByteArray>("parts");
    QTest::addColumn<QByteArray>("attachments");
    QTest::addColumn<QByteArray>("textPart");

    QTest::newRow("rfc-single-text")
        << QByteArray("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)")
        << QByteArray("1=text/plain") << QByteArray() << QByteArray("1");
    QTest::newRow("alternative") << alternative()
                                 << QByteArray("=multipart/alternative,1=text/plain,2=text/html")
                                 << QByteArray() << QByteArray("1");
    QTest::newRow("alternative-html-first")
        << '(' + QByteArray(htmlPart) + plainPart + " \"alternative\")"
        << QByteArray("=multipart/alternative,1=text/html,2=text/plain") << QByteArray()
        << QByteArray("2");
    QTest::newRow("mixed-alternative-pdf")
        << '(' + alternative() +
               "(\"application\" \"pdf\" (\"name\" \"Report Q3.pdf\") NIL NIL \"base64\" 123456 "
               "NIL (\"attachment\" (\"filename\" \"Report Q3.pdf\")) NIL NIL) \"mixed\" "
               "(\"boundary\" \"b1\") NIL NIL NIL)"
        << QByteArray("=multipart/mixed,1=multipart/alternative,1.1=text/plain,1.2=text/html,"
                      "2=application/pdf")
        << QByteArray("2 Report Q3.pdf application/pdf base64 123456") << QByteArray("1.1");
    QTest::newRow("related-html-inline-image")
        << '(' + QByteArray(htmlPart) +
               "(\"image\" \"png\" (\"name\" \"logo.png\") \"<logo@x>\" NIL \"base64\" 2000 NIL "
               "(\"inline\" (\"filename\" \"logo.png\")) NIL NIL)(\"image\" \"gif\" NIL "
               "\"<spacer@x>\" NIL \"base64\" 43 NIL (\"inline\" NIL) NIL NIL) \"related\")"
        << QByteArray("=multipart/related,1=text/html,2=image/png,3=image/gif")
        << QByteArray("2 logo.png image/png base64 2000") << QByteArray("1");
    QTest::newRow("forwarded-message")
        << '(' + QByteArray(plainPart) + rfc822(alternative()) + " \"mixed\")"
        << QByteArray("=multipart/mixed,1=text/plain,2=message/rfc822,2=multipart/alternative,"
                      "2.1=text/plain,2.2=text/html")
        << QByteArray("2 NIL message/rfc822 7bit 2000") << QByteArray("1");
    QTest::newRow("forwarded-single-part")
        << '(' + QByteArray(plainPart) + rfc822(plainPart) + " \"mixed\")"
        << QByteArray("=multipart/mixed,1=text/plain,2=message/rfc822,2.1=text/plain")
        << QByteArray("2 NIL message/rfc822 7bit 2000") << QByteArray("1");
    QTest::newRow("top-level-rfc822")
        << rfc822(alternative())
        << QByteArray("1=message/rfc822,1=multipart/alternative,"
                      "1.1=text/plain,1.2=text/html")
        << QByteArray("1 NIL message/rfc822 7bit 2000") << QByteArray("none");
    QTest::newRow("rfc822-without-envelope")
        << QByteArray("(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 1234 NIL (\"attachment\" "
                      "(\"filename\" \"fwd.eml\")) NIL NIL)")
        << QByteArray("1=message/rfc822") << QByteArray("1 fwd.eml message/rfc822 7bit 1234")
        << QByteArray("none");
    QTest::newRow("text-attachment-after-body")
        << '(' + QByteArray(plainPart) +
               "(\"TEXT\" \"PLAIN\" (\"NAME\" \"notes.txt\") NIL NIL \"7BIT\" 10 1 NIL "
               "(\"ATTACHMENT\" (\"FILENAME\" \"notes.txt\")) NIL NIL) \"MIXED\")"
        << QByteArray("=multipart/mixed,1=text/plain,2=text/plain")
        << QByteArray("2 notes.txt text/plain 7bit 10") << QByteArray("1");
    QTest::newRow("only-attachment-text")
        << QByteArray("(\"text\" \"plain\" NIL NIL NIL \"7bit\" 10 1 NIL (\"attachment\" NIL) "
                      "NIL NIL)")
        << QByteArray("1=text/plain") << QByteArray("1 NIL text/plain 7bit 10")
        << QByteArray("none");
    QTest::newRow("nil-fields-tolerated")
        << QByteArray("(\"application\" \"octet-stream\" NIL NIL NIL NIL NIL)")
        << QByteArray("1=application/octet-stream")
        << QByteArray("1 NIL application/octet-stream NIL 0") << QByteArray("none");
    QTest::newRow("rfc2231-filename-kept-raw")
        << QByteArray("(\"application\" \"pdf\" NIL NIL NIL \"base64\" 10 NIL (\"attachment\" "
                      "(\"filename*\" \"utf-8''R%C3%A9sum%C3%A9.pdf\")) NIL NIL)")
        << QByteArray("1=application/pdf")
        << QByteArray("1 utf-8''R%C3%A9sum%C3%A9.pdf application/pdf base64 10")
        << QByteArray("none");
    QTest::newRow("spaces-between-parts-and-bare-disposition")
        << QByteArray("((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1 NIL \"inline\") "
                      "(\"text\" \"html\" NIL NIL NIL \"7bit\" 1 1) \"alternative\")")
        << QByteArray("=multipart/alternative,1=text/plain,2=text/html") << QByteArray()
        << QByteArray("1");
    QTest::newRow("mixed-html-body-with-html-attachment")
        << '(' + QByteArray(htmlPart) +
               "(\"text\" \"html\" NIL NIL NIL \"7bit\" 5 1 NIL (\"attachment\" (\"filename\" "
               "\"page.html\")) NIL NIL) \"mixed\")"
        << QByteArray("=multipart/mixed,1=text/html,2=text/html")
        << QByteArray("2 page.html text/html 7bit 5") << QByteArray("1");
}

void TestImapBodyStructure::structure()
{
    QFETCH(QByteArray, structure);
    QFETCH(QByteArray, parts);
    QFETCH(QByteArray, attachments);
    QFETCH(QByteArray, textPart);

    QString error;
    const auto root = parseStructure(structure, &error);
    QVERIFY2(root, qPrintable(error));

    QList<QByteArray> numbers;
    listParts(*root, numbers);
    QCOMPARE(numbers.join(','), parts);
    QCOMPARE(describeAttachments(Latchmail::Imap::attachments(*root)), attachments);
    const BodyPart* text = preferredTextPart(*root);
    QCOMPARE(text ? text->partNumber : QByteArray("none"), textPart);
}

void TestImapBodyStructure::extensionFields()
{
    const auto part = parseStructure(
        "(\"text\" \"plain\" (\"charset\" \"us-ascii\" \"FORMAT\" {6}\r\nflowed) \"<id@x>\" "
        "\"A description\" \"7BIT\" 10 1 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"INLINE\" NIL) (\"en\" "
        "\"de\") \"http://loc\" (1 (\"future\")) NIL)");
    QVERIFY(part);
    QCOMPARE(part->parameter("format"), QByteArray("flowed"));
    QCOMPARE(part->parameter("charset"), QByteArray("us-ascii"));
    QVERIFY(part->parameter("missing").isNull());
    QCOMPARE(part->id, QByteArray("<id@x>"));
    QCOMPARE(part->description, QByteArray("A description"));
    QCOMPARE(part->encoding, QByteArray("7bit"));
    QCOMPARE(part->size, 10u);
    QCOMPARE(part->lines, 1u);
    QCOMPARE(part->md5, QByteArray("Q2hlY2sgSW50ZWdyaXR5IQ=="));
    QCOMPARE(part->disposition, QByteArray("inline"));
    QCOMPARE(part->language, (QList<QByteArray>{"en", "de"}));
    QCOMPARE(part->location, QByteArray("http://loc"));
}

void TestImapBodyStructure::encapsulatedEnvelope()
{
    const auto root =
        parseStructure('(' + QByteArray(plainPart) + rfc822(plainPart) + " \"mixed\")");
    QVERIFY(root);
    const BodyPart& message = root->children.at(1);
    QVERIFY(message.isMessage());
    QVERIFY(message.envelope);
    QCOMPARE(message.envelope->subject, QByteArray("Fwd"));
    QCOMPARE(message.envelope->from.at(0).addrSpec(), QByteArray("a@x.org"));
    QCOMPARE(message.lines, 40u);
    QCOMPARE(message.children.size(), std::size_t(1));
}

QTEST_APPLESS_MAIN(TestImapBodyStructure)
#include "tst_imapbodystructure.moc"
