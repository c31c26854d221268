// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mimecomposer.h"
#include "core/mimemessage.h"

#include <gmime/gmime.h>

#include <QBuffer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;

namespace {

MimeDraft basicDraft()
{
    MimeDraft draft;
    draft.from = {QStringLiteral("Alice"), QStringLiteral("alice@example.test")};
    draft.to = {{QStringLiteral("Bob"), QStringLiteral("bob@example.test")}};
    draft.subject = QStringLiteral("Hello");
    draft.body = QStringLiteral("Hi Bob,\nsee you.\n");
    draft.date = QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::OffsetFromUTC, 3600);
    return draft;
}

struct Composed
{
    MimeComposeResult result;
    QByteArray bytes;
};

Composed compose(const MimeDraft& draft)
{
    Composed composed;
    QBuffer buffer(&composed.bytes);
    buffer.open(QIODevice::WriteOnly);
    composed.result = composeMessage(draft, &buffer);
    return composed;
}

QByteArray headerBlock(const QByteArray& message)
{
    return message.left(message.indexOf("\r\n\r\n") + 2);
}

bool allLineEndsAreCrlf(const QByteArray& bytes)
{
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (bytes.at(i) == '\n' && (i == 0 || bytes.at(i - 1) != '\r')) {
            return false;
        }
        if (bytes.at(i) == '\r' && (i + 1 == bytes.size() || bytes.at(i + 1) != '\n')) {
            return false;
        }
    }
    return true;
}

bool isSevenBit(const QByteArray& bytes)
{
    return std::none_of(bytes.begin(), bytes.end(), [](char c) { return (c & 0x80) != 0; });
}

int longestLine(const QByteArray& bytes)
{
    int longest = 0;
    for (const QByteArray& line : bytes.split('\n')) {
        longest = qMax(longest, int(line.size()));
    }
    return longest;
}

QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator(20261201);
    for (qsizetype i = 0; i < size; ++i) {
        bytes[i] = char(generator.bounded(256));
    }
    return bytes;
}

} // namespace

class TestMimeComposer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesBasicMessage();
    void leavesBccOut();
    void choosesTransferEncoding_data();
    void choosesTransferEncoding();
    void encodesHeaderText();
    void attachesFilesByteIdentical();
    void detectsAttachmentTypes_data();
    void detectsAttachmentTypes();
    void threadsReplies();
    void forwardsAsAttachment();
    void reportsSmtpUtf8();
    void generatesUniqueMessageIds();
    void refusesBadDrafts_data();
    void refusesBadDrafts();
};

void TestMimeComposer::writesBasicMessage()
{
    const Composed composed = compose(basicDraft());
    QVERIFY2(composed.result.ok, qPrintable(composed.result.error));
    QCOMPARE(composed.result.size, composed.bytes.size());
    QVERIFY(allLineEndsAreCrlf(composed.bytes));
    QVERIFY(isSevenBit(composed.bytes));
    QVERIFY(!composed.result.needs8BitMime);
    QVERIFY(!composed.result.needsSmtpUtf8);

    const QByteArray headers = headerBlock(composed.bytes);
    QVERIFY(headers.contains("From: Alice <alice@example.test>\r\n"));
    QVERIFY(headers.contains("To: Bob <bob@example.test>\r\n"));
    QVERIFY(headers.contains("Subject: Hello\r\n"));
    QVERIFY(headers.contains("Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n"));
    QVERIFY(headers.contains("MIME-Version: 1.0\r\n"));
    QVERIFY(headers.contains("Content-Type: text/plain; charset=utf-8\r\n"));
    QVERIFY(headers.contains("Content-Transfer-Encoding: 7bit\r\n"));
    QVERIFY(headers.contains(
        QByteArray("Message-Id: <" + composed.result.messageId.toUtf8() + ">\r\n")));

    const auto parsed = MimeMessage::fromBytes(composed.bytes);
    QVERIFY(parsed);
    QCOMPARE(parsed->bodyText(), QStringLiteral("Hi Bob,\nsee you.\n"));
    QCOMPARE(parsed->headers().date, basicDraft().date);
    QCOMPARE(parsed->headers().messageId, composed.result.messageId);
    QCOMPARE(composed.result.envelopeSender, QStringLiteral("alice@example.test"));
}

void TestMimeComposer::leavesBccOut()
{
    MimeDraft draft = basicDraft();
    draft.cc = {{QStringLiteral("Carol"), QStringLiteral("carol@example.test")},
                {QString(), QStringLiteral("BOB@example.test")}};
    draft.bcc = {{QStringLiteral("Secret Sam"), QStringLiteral("sam@hidden.example")}};

    const Composed composed = compose(draft);
    QVERIFY2(composed.result.ok, qPrintable(composed.result.error));
    QVERIFY(!composed.bytes.contains("sam@hidden.example"));
    QVERIFY(!composed.bytes.contains("Secret Sam"));
    QVERIFY(!composed.bytes.toLower().contains("bcc"));
    QCOMPARE(composed.result.envelopeRecipients,
             (QStringList{QStringLiteral("bob@example.test"), QStringLiteral("carol@example.test"),
                          QStringLiteral("sam@hidden.example")}));

    // GMime itself sees no Bcc either.
    const auto parsed = MimeMessage::fromBytes(composed.bytes);
    QVERIFY(parsed->headers().bcc.isEmpty());
    QCOMPARE(parsed->headers().cc.size(), 2);
}

void TestMimeComposer::choosesTransferEncoding_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QByteArray>("encoding");

    QTest::newRow("short-ascii-lines") << QStringLiteral("Hello\nWorld\n") << QByteArray("7bit");
    QTest::newRow("mostly-ascii")
        << QStringLiteral("Grüße aus Köln! This line is otherwise plain English text.\n")
        << QByteArray("quoted-printable");
    QTest::newRow("short-with-many-umlauts")
        << QStringLiteral("Grüße aus Köln.\n") << QByteArray("base64");
    QTest::newRow("ascii-with-overlong-line")
        << QString(1200, QLatin1Char('x')) << QByteArray("quoted-printable");
    QTest::newRow("mostly-non-ascii")
        << QStringLiteral("Γεια σου κόσμε, τι κάνεις σήμερα;\n") << QByteArray("base64");
    QTest::newRow("cjk") << QStringLiteral("你好，世界。今天天气很好。\n") << QByteArray("base64");
    QTest::newRow("from-at-line-start-protected")
        << QStringLiteral("Hi\nFrom the start\n") << QByteArray("quoted-printable");
    QTest::newRow("lone-dot-line") << QStringLiteral("a\n.\nb\n") << QByteArray("7bit");
}

void TestMimeComposer::choosesTransferEncoding()
{
    QFETCH(QString, body);
    QFETCH(QByteArray, encoding);

    MimeDraft draft = basicDraft();
    draft.body = body;
    const Composed composed = compose(draft);
    QVERIFY2(composed.result.ok, qPrintable(composed.result.error));
    QVERIFY(composed.bytes.contains(QByteArray("Content-Transfer-Encoding: " + encoding + "\r\n")));
    QVERIFY(isSevenBit(composed.bytes));
    QVERIFY(longestLine(composed.bytes) <= 998);
    QVERIFY(!composed.result.needs8BitMime);

    const auto parsed = MimeMessage::fromBytes(composed.bytes);
    QVERIFY(parsed);
    QString expected = body;
    if (!expected.endsWith(QLatin1Char('\n'))) {
        expected += QLatin1Char('\n');
    }
    QCOMPARE(parsed->bodyText(), expected);
}

void TestMimeComposer::encodesHeaderText()
{
    MimeDraft draft = basicDraft();
    draft.from.name = QStringLiteral("Jörg Müller");
    draft.to = {{QStringLiteral("Zoë \"Z\" O'Brien, Jr."), QStringLiteral("zoe@bücher.example")}};
    draft.subject = QStringLiteral("Grüße – ünïcödé subject that is long enough to need folding "
                                   "across more than one line of header text");

    const Composed composed = compose(draft);
    QVERIFY2(composed.result.ok, qPrintable(composed.result.error));
    QVERIFY(isSevenBit(composed.bytes));
    QVERIFY(headerBlock(composed.bytes).contains("=?"));
    QVERIFY(composed.bytes.contains("zoe@xn--bcher-kva.example"));
    QVERIFY(longestLine(headerBlock(composed.bytes)) <= 78 + 2);

    const auto parsed = MimeMessage::fromBytes(composed.bytes);
    QCOMPARE(parsed->headers().subject, draft.subject);
    QCOMPARE(parsed->headers().from.first().name, QStringLiteral("Jörg Müller"));
    QCOMPARE(parsed->headers().to.first().name, draft.to.first().name);
    // GMime shows the domain in its Unicode form again.
    QCOMPARE(parsed->headers().to.first().address, QStringLiteral("zoe@bücher.example"));
}

void TestMimeComposer::attachesFilesByteIdentical()
{
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = directory.filePath(QStringLiteral("large.bin"));
    const QByteArray large = randomBytes(3 * 1024 * 1024 + 17);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(large), large.size());
    file.close();

    QByteArray everyByte;
    for (int i = 0; i < 256; ++i) {
        everyByte.append(char(i));
    }
    everyByte += "\r\n\n\r.\r\n";

    MimeDraft draft = basicDraft();
    draft.attachments = {{path, {}, QStringLiteral("Prüfbericht Q4 – 2026.bin"), {}},
                         {{}, everyByte, QStringLiteral("bytes.dat"), {}}};

    // Written to a file, as the outbox does.
    const QString outPath = directory.filePath(QStringLiteral("out.eml"));
    QFile out(outPath);
    QVERIFY(out.open(QIODevice::WriteOnly));
    const MimeComposeResult result = composeMessage(draft, &out);
    out.close();
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.size, QFileInfo(outPath).size());

    QVERIFY(out.open(QIODevice::ReadOnly));
    const QByteArray bytes = out.readAll();
    QVERIFY(allLineEndsAreCrlf(bytes));
    QVERIFY(isSevenBit(bytes));
    QVERIFY(bytes.contains("filename*="));
    QVERIFY(bytes.contains("multipart/mixed"));

    // Read back through Latchmail's reader…
    const auto parsed = MimeMessage::fromBytes(bytes);
    QVERIFY(parsed);
    QCOMPARE(parsed->bodyText(), QStringLiteral("Hi Bob,\nsee you.\n"));
    QCOMPARE(parsed->attachments().size(), 2);
    QCOMPARE(parsed->attachments().at(0).fileName, QStringLiteral("Prüfbericht Q4 – 2026.bin"));
    QCOMPARE(parsed->attachments().at(0).decodedSize, large.size());
    QByteArray content;
    QVERIFY(parsed->attachmentContent(0, &content));
    QVERIFY(content == large);
    QVERIFY(parsed->attachmentContent(1, &content));
    QCOMPARE(content, everyByte);

    // …and directly through GMime.
    GMimeStream* stream = g_mime_stream_mem_new_with_buffer(bytes.constData(), bytes.size());
    GMimeParser* parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
    QVERIFY(message);
    GMimeMultipart* mixed = GMIME_MULTIPART(g_mime_message_get_mime_part(message));
    QCOMPARE(g_mime_multipart_get_count(mixed), 3);
    GMimePart* second = GMIME_PART(g_mime_multipart_get_part(mixed, 2));
    QCOMPARE(g_mime_part_get_content_encoding(second), GMIME_CONTENT_ENCODING_BASE64);
    QCOMPARE(QString::fromUtf8(g_mime_part_get_filename(second)), QStringLiteral("bytes.dat"));
    GMimeStream* decoded = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(second), decoded);
    GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(decoded));
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(array->data), array->len), everyByte);
    g_object_unref(decoded);
    g_object_unref(message);
    g_object_unref(parser);
    g_object_unref(stream);
}

void TestMimeComposer::detectsAttachmentTypes_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("contentType");

    QTest::newRow("pdf-by-content")
        << QStringLiteral("document") << QByteArray("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
        << QByteArray("application/pdf");
    QTest::newRow("png-by-content")
        << QStringLiteral("picture") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)
        << QByteArray("image/png");
    QTest::newRow("text-by-name") << QStringLiteral("notes.txt") << QByteArray("some notes\n")
                                  << QByteArray("text/plain");
    QTest::newRow("unknown-binary")
        << QStringLiteral("blob") << QByteArray("\x00\x01\x02\x03\xff\xfe", 6)
        << QByteArray("application/octet-stream");
}

void TestMimeComposer::detectsAttachmentTypes()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, contentType);

    MimeDraft draft = basicDraft();
    draft.attachments = {{{}, data, fileName, {}}};
    const Composed composed = compose(draft);
    QVERIFY2(composed.result.ok, qPrintable(composed.result.error));

    const auto parsed = MimeMessage::fromBytes(composed.bytes);
    QCOMPARE(parsed->attachments().first().contentType, QString::fromLatin1(contentType));
    QCOMPARE(parsed->attachments().first().fileName, fileName);
}

void TestMimeComposer::threadsReplies()
{
    MimeHeaders original;
    original.subject = QStringLiteral("Plans");
    original.messageId = QStringLiteral("m3@example.test");
    original.references = {QStringLiteral("m1@example.test"), QStringLiteral("m2@example.test")};

    MimeDraft draft = basicDraft();
    prepareReply(&draft, original);
    QCOMPARE(draft.subject, QStringLiteral("Re: Plans"));
    MimeHeaders alreadyReply;
    alreadyReply.subject = QStringLiteral("RE: Plans");
    prepareReply(&draft, alreadyReply);
    QCOMPARE(draft.subject, QStringLiteral("RE: Plans"));

    prepareReply(&draft, original);
    const Composed composed = compose(draft);
    QVERIFY(composed.result.ok);
    QVERIFY(composed.bytes.contains("In-Reply-To: <m3@example.test>\r\n"));
    QVERIFY(composed.bytes.contains("References: <m1@example.test> <m2@example.test>"));

    const auto parsed = MimeMessage::fromBytes(composed.bytes);
    QCOMPARE(parsed->headers().inReplyTo, QStringLiteral("m3@example.test"));
    QCOMPARE(parsed->headers().references,
             (QStringList{QStringLiteral("m1@example.test"), QStringLiteral("m2@example.test"),
                          QStringLiteral("m3@example.test")}));

    // A hostile original cannot inject header fields through its Message-ID.
    MimeHeaders hostile;
    hostile.messageId = QStringLiteral("x@y>\r\nBcc: eve@evil.test");
    prepareReply(&draft, hostile);
    const Composed safe = compose(draft);
    QVERIFY(safe.result.ok);
    QVERIFY(!safe.bytes.contains("eve@evil.test"));
}

void TestMimeComposer::forwardsAsAttachment()
{
    const QByteArray original = "From: Carol <carol@example.test>\r\nTo: alice@example.test\r\n"
                                "Subject: Grüße\r\nMessage-ID: <orig@example.test>\r\n"
                                "Content-Type: text/plain; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: 8bit\r\n\r\nHallo Alice, schön!\r\n";
    MimeDraft draft = basicDraft();
    draft.forwardedMessages = {original};

    const Composed composed = compose(draft);
    QVERIFY2(composed.result.ok, qPrintable(composed.result.error));
    QVERIFY(composed.result.needs8BitMime);
    QVERIFY(composed.bytes.contains("Content-Type: message/rfc822"));

    const auto parsed = MimeMessage::fromBytes(composed.bytes);
    QCOMPARE(parsed->attachments().size(), 1);
    QCOMPARE(parsed->attachments().first().contentType, QStringLiteral("message/rfc822"));
    QCOMPARE(parsed->attachments().first().fileName, QStringLiteral("Grüße.eml"));

    QByteArray inner;
    QVERIFY(parsed->attachmentContent(0, &inner));
    const auto innerParsed = MimeMessage::fromBytes(inner);
    QVERIFY(innerParsed);
    QCOMPARE(innerParsed->headers().messageId, QStringLiteral("orig@example.test"));
    QCOMPARE(innerParsed->bodyText().trimmed(), QStringLiteral("Hallo Alice, schön!"));

    MimeDraft asciiForward = basicDraft();
    asciiForward.forwardedMessages = {"From: a@example.test\r\nSubject: hi\r\n\r\nplain\r\n"};
    QVERIFY(!compose(asciiForward).result.needs8BitMime);
}

void TestMimeComposer::reportsSmtpUtf8()
{
    MimeDraft draft = basicDraft();
    draft.to = {{QString(), QStringLiteral("用户@example.test")}};
    const Composed composed = compose(draft);
    QVERIFY2(composed.result.ok, qPrintable(composed.result.error));
    QVERIFY(composed.result.needsSmtpUtf8);
    QVERIFY(composed.result.needs8BitMime);
    QCOMPARE(composed.result.envelopeRecipients, QStringList{QStringLiteral("用户@example.test")});
}

void TestMimeComposer::generatesUniqueMessageIds()
{
    const Composed first = compose(basicDraft());
    const Composed second = compose(basicDraft());
    QVERIFY(first.result.messageId != second.result.messageId);
    QVERIFY(first.result.messageId.endsWith(QStringLiteral("@example.test")));

    MimeDraft given = basicDraft();
    given.messageId = QStringLiteral("chosen@example.test");
    QCOMPARE(compose(given).result.messageId, QStringLiteral("chosen@example.test"));
}

void TestMimeComposer::refusesBadDrafts_data()
{
    QTest::addColumn<int>("defect");
    QTest::addColumn<QString>("errorPart");

    QTest::newRow("no-recipient") << 0 << QStringLiteral("no recipient");
    QTest::newRow("crlf-in-recipient") << 1 << QStringLiteral("line break");
    QTest::newRow("crlf-in-subject") << 2 << QStringLiteral("subject");
    QTest::newRow("newline-in-name") << 3 << QStringLiteral("name");
    QTest::newRow("missing-attachment-file") << 4 << QStringLiteral("not a readable file");
    QTest::newRow("bad-sender") << 5 << QStringLiteral("no @");
    QTest::newRow("unreadable-forward") << 6 << QStringLiteral("forward");
}

void TestMimeComposer::refusesBadDrafts()
{
    QFETCH(int, defect);
    QFETCH(QString, errorPart);

    MimeDraft draft = basicDraft();
    switch (defect) {
    case 0:
        draft.to.clear();
        break;
    case 1:
        draft.to = {{QString(), QStringLiteral("bob@example.test\r\nBcc: eve@evil.test")}};
        break;
    case 2:
        draft.subject = QStringLiteral("Hi\r\nBcc: eve@evil.test");
        break;
    case 3:
        draft.from.name = QStringLiteral("Alice\nBcc: eve@evil.test");
        break;
    case 4:
        draft.attachments = {{QStringLiteral("/nonexistent/latchmail/file.pdf"), {}, {}, {}}};
        break;
    case 5:
        draft.from.address = QStringLiteral("alice");
        break;
    case 6:
        draft.forwardedMessages = {QByteArray()};
        break;
    }

    const Composed composed = compose(draft);
    QVERIFY(!composed.result.ok);
    QVERIFY2(composed.result.error.contains(errorPart, Qt::CaseInsensitive),
             qPrintable(composed.result.error));
    QVERIFY(composed.bytes.isEmpty());
}

QTEST_GUILESS_MAIN(TestMimeComposer)
#include "tst_mimecomposer.moc"
