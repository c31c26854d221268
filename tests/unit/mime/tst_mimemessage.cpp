// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mimeheaders.h"
#include "core/mimemessage.h"

#include <QBuffer>
#include <QTest>

using namespace Latchmail;

Q_DECLARE_METATYPE(Latchmail::MimeBodySource)

namespace {

QByteArray crlf(QByteArray text)
{
    return text.replace("\n", "\r\n");
}

const QByteArray kHeaders =
    crlf("From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.test>\n"
         "To: Bob <bob@example.test>, \"Smith, Carol\" <carol@example.test>,\n"
         " Team: dave@example.test, =?UTF-8?B?w4lsb2RpZQ==?= <elodie@example.test>;\n"
         "Cc: frank@example.test\n"
         "Subject: =?UTF-8?B?R3LDvMOfZQ==?= aus =?ISO-8859-1?Q?K=F6ln?=\n"
         "Date: Tue, 1 Dec 2026 10:00:00 +0100\n"
         "Message-ID: <msg-3@example.test>\n"
         "In-Reply-To: <msg-2@example.test>\n"
         "References: <msg-1@example.test>\n"
         " <msg-2@example.test>\n"
         "MIME-Version: 1.0\n");

QByteArray message(const QByteArray& contentHeadersAndBody)
{
    return kHeaders + crlf(contentHeadersAndBody);
}

// `levels` nested multiparts around one text part.
QByteArray nested(int levels)
{
    QByteArray text = "From: a@example.test\nMIME-Version: 1.0\n";
    for (int i = 0; i < levels; ++i) {
        text += "Content-Type: multipart/mixed; boundary=b" + QByteArray::number(i) + "\n\n--b" +
                QByteArray::number(i) + "\n";
    }
    return crlf(text + "Content-Type: text/plain\n\ndeep\n");
}

} // namespace

class TestMimeMessage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodesHeaders();
    void readsHeaderBlockAlone();
    void choosesBody_data();
    void choosesBody();
    void listsAttachments();
    void extractsAttachmentBytes();
    void writesAttachmentToDevice();
    void rejectsUnreadable_data();
    void rejectsUnreadable();
    void acceptsNestingAtTheLimit();
    void makesFileNamesSafe_data();
    void makesFileNamesSafe();
    void readsDates_data();
    void readsDates();
    void buildsReplyReferences();
};

void TestMimeMessage::decodesHeaders()
{
    QString error;
    const auto parsed = MimeMessage::fromBytes(message("Content-Type: text/plain\n\nHi\n"), &error);
    QVERIFY2(parsed, qPrintable(error));
    const MimeHeaders& headers = parsed->headers();

    QCOMPARE(headers.subject, QStringLiteral("Grüße aus Köln"));
    QCOMPARE(headers.from, (QList<MimeAddress>{{QStringLiteral("Jörg Müller"),
                                                QStringLiteral("joerg@example.test")}}));
    QCOMPARE(headers.to.size(), 4);
    QCOMPARE(headers.to.at(1).name, QStringLiteral("Smith, Carol"));
    QCOMPARE(headers.to.at(2).address, QStringLiteral("dave@example.test"));
    QCOMPARE(headers.to.at(3).name, QStringLiteral("Élodie"));
    QCOMPARE(headers.cc.first().address, QStringLiteral("frank@example.test"));
    QCOMPARE(headers.cc.first().toDisplayString(), QStringLiteral("frank@example.test"));
    QCOMPARE(headers.to.first().toDisplayString(), QStringLiteral("Bob <bob@example.test>"));
    QCOMPARE(headers.date.toUTC(), QDateTime(QDate(2026, 12, 1), QTime(9, 0), Qt::UTC));
    QCOMPARE(headers.date.offsetFromUtc(), 3600);
    QCOMPARE(headers.messageId, QStringLiteral("msg-3@example.test"));
    QCOMPARE(headers.inReplyTo, QStringLiteral("msg-2@example.test"));
    QCOMPARE(headers.references, (QStringList{QStringLiteral("msg-1@example.test"),
                                              QStringLiteral("msg-2@example.test")}));
}

void TestMimeMessage::readsHeaderBlockAlone()
{
    // An IMAP BODY[HEADER.FIELDS (...)] answer: no body, maybe no final empty line.
    const MimeHeaders headers = parseMimeHeaderBlock(kHeaders);
    QCOMPARE(headers.subject, QStringLiteral("Grüße aus Köln"));
    QCOMPARE(headers.to.size(), 4);
    QCOMPARE(headers.messageId, QStringLiteral("msg-3@example.test"));

    const QList<MimeHeaderField> fields = splitHeaderFields(kHeaders);
    QCOMPARE(fields.first().name, QByteArray("From"));
    QCOMPARE(fields.at(1).value,
             QByteArray("Bob <bob@example.test>, \"Smith, Carol\" <carol@example.test>, Team: "
                        "dave@example.test, =?UTF-8?B?w4lsb2RpZQ==?= <elodie@example.test>;"));
    QCOMPARE(parseMimeHeaderBlock(QByteArray()).subject, QString());
}

void TestMimeMessage::choosesBody_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<MimeBodySource>("source");
    QTest::addColumn<QString>("body");

    QTest::newRow("plain-utf8") << QByteArray("Content-Type: text/plain; charset=utf-8\n\nGrüße\n")
                                << MimeBodySource::PlainText << QStringLiteral("Grüße\n");
    QTest::newRow("plain-latin1-quoted-printable")
        << QByteArray("Content-Type: text/plain; charset=iso-8859-1\n"
                      "Content-Transfer-Encoding: quoted-printable\n\nK=F6ln =\nist sch=F6n\n")
        << MimeBodySource::PlainText << QStringLiteral("Köln ist schön\n");
    QTest::newRow("plain-windows-1252-euro")
        << QByteArray("Content-Type: text/plain; charset=windows-1252\n"
                      "Content-Transfer-Encoding: quoted-printable\n\n=80 5\n")
        << MimeBodySource::PlainText << QStringLiteral("€ 5\n");
    QTest::newRow("plain-base64")
        << QByteArray("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n"
                      "\nzrPOtc65zrEgz4POv8+F\n")
        << MimeBodySource::PlainText << QStringLiteral("γεια σου");
    QTest::newRow("no-content-type-is-plain")
        << QByteArray("\nJust text\n") << MimeBodySource::PlainText
        << QStringLiteral("Just text\n");
    QTest::newRow("alternative-prefers-plain")
        << QByteArray("Content-Type: multipart/alternative; boundary=alt\n\n--alt\n"
                      "Content-Type: text/html\n\n<p>HTML version</p>\n--alt\n"
                      "Content-Type: text/plain\n\nPlain version\n--alt--\n")
        << MimeBodySource::PlainText << QStringLiteral("Plain version");
    QTest::newRow("html-only-converted")
        << QByteArray("Content-Type: text/html; charset=utf-8\n\n<html><head><style>p{}</style>"
                      "</head><body><p>Hello &amp; welcome</p><script>x()</script>"
                      "<img src=\"https://tracker.example/p.gif\"></body></html>\n")
        << MimeBodySource::Html << QStringLiteral("Hello & welcome");
    QTest::newRow("mixed-with-alternative-and-attachment")
        << QByteArray("Content-Type: multipart/mixed; boundary=mix\n\n--mix\n"
                      "Content-Type: multipart/alternative; boundary=alt\n\n--alt\n"
                      "Content-Type: text/plain\n\nBody text\n--alt\n"
                      "Content-Type: text/html\n\n<b>Body</b>\n--alt--\n--mix\n"
                      "Content-Type: text/plain; name=notes.txt\n"
                      "Content-Disposition: attachment; filename=notes.txt\n\nnotes\n--mix--\n")
        << MimeBodySource::PlainText << QStringLiteral("Body text");
    QTest::newRow("attachment-only")
        << QByteArray("Content-Type: application/pdf; name=a.pdf\n"
                      "Content-Transfer-Encoding: base64\n\nJVBERg==\n")
        << MimeBodySource::None << QString();
    QTest::newRow("text-attachment-not-body")
        << QByteArray("Content-Type: text/plain\nContent-Disposition: attachment; filename=x.txt\n"
                      "\nnot the body\n")
        << MimeBodySource::None << QString();
}

void TestMimeMessage::choosesBody()
{
    QFETCH(QByteArray, content);
    QFETCH(MimeBodySource, source);
    QFETCH(QString, body);

    QString error;
    const auto parsed = MimeMessage::fromBytes(message(content), &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->bodySource(), source);
    QCOMPARE(parsed->bodyText(), body);
}

void TestMimeMessage::listsAttachments()
{
    const QByteArray content =
        "Content-Type: multipart/mixed; boundary=mix\n\n--mix\n"
        "Content-Type: multipart/related; boundary=rel\n\n--rel\n"
        "Content-Type: text/html\n\n<p>see <img src=\"cid:logo@x\"></p>\n--rel\n"
        "Content-Type: image/png\nContent-ID: <logo@x>\nContent-Disposition: inline\n"
        "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--rel--\n--mix\n"
        "Content-Type: application/pdf\n"
        "Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rates.pdf\n"
        "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--mix\n"
        "Content-Type: application/octet-stream\n"
        "Content-Disposition: attachment;\n filename*0*=utf-8''Pr%C3%BCf;\n "
        "filename*1=bericht.bin\n"
        "Content-Transfer-Encoding: base64\n\nAAEC/w==\n--mix\n"
        "Content-Type: text/plain; name=\"=?UTF-8?B?w7xiZXIudHh0?=\"\n"
        "Content-Disposition: attachment\n\nabc\n--mix\n"
        "Content-Type: message/rfc822\n\nFrom: x@example.test\nSubject: Inner\n\ninner body\n"
        "--mix--\n";
    QString error;
    const auto parsed = MimeMessage::fromBytes(message(content), &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->bodySource(), MimeBodySource::Html);
    QCOMPARE(parsed->bodyText(), QStringLiteral("see"));

    const QList<MimeAttachment>& attachments = parsed->attachments();
    QCOMPARE(attachments.size(), 5);

    QCOMPARE(attachments.at(0).contentType, QStringLiteral("image/png"));
    QVERIFY(attachments.at(0).isInline);
    QCOMPARE(attachments.at(0).contentId, QStringLiteral("logo@x"));
    QCOMPARE(attachments.at(0).decodedSize, qint64(8));

    QCOMPARE(attachments.at(1).fileName, QStringLiteral("€ rates.pdf"));
    QCOMPARE(attachments.at(1).contentType, QStringLiteral("application/pdf"));
    QCOMPARE(attachments.at(1).decodedSize, qint64(9));
    QVERIFY(!attachments.at(1).isInline);

    QCOMPARE(attachments.at(2).fileName, QStringLiteral("Prüfbericht.bin"));
    QCOMPARE(attachments.at(2).decodedSize, qint64(4));
    QCOMPARE(attachments.at(3).fileName, QStringLiteral("über.txt"));
    QCOMPARE(attachments.at(4).contentType, QStringLiteral("message/rfc822"));
    QVERIFY(attachments.at(4).decodedSize > 0);
}

void TestMimeMessage::extractsAttachmentBytes()
{
    QByteArray binary;
    for (int i = 0; i < 256 * 40; ++i) {
        binary.append(char(i % 256));
    }
    const QByteArray content = "Content-Type: multipart/mixed; boundary=mix\n\n--mix\n"
                               "Content-Type: text/plain\n\nbody\n--mix\n"
                               "Content-Type: application/octet-stream; name=all.bin\n"
                               "Content-Transfer-Encoding: base64\n\n" +
                               binary.toBase64() + "\n--mix--\n";
    const auto parsed = MimeMessage::fromBytes(message(content));
    QVERIFY(parsed);
    QCOMPARE(parsed->attachments().size(), 1);
    QCOMPARE(parsed->attachments().first().decodedSize, binary.size());

    QByteArray extracted;
    QVERIFY(parsed->attachmentContent(0, &extracted));
    QCOMPARE(extracted, binary);

    QString error;
    QVERIFY(!parsed->attachmentContent(1, &extracted, &error));
    QVERIFY(error.contains(QStringLiteral("no attachment number 2")));
    QVERIFY(!parsed->attachmentContent(-1, &extracted, &error));
}

void TestMimeMessage::writesAttachmentToDevice()
{
    const QByteArray content = "Content-Type: multipart/mixed; boundary=mix\n\n--mix\n"
                               "Content-Type: text/plain\n\nbody\n--mix\n"
                               "Content-Type: message/rfc822\n\nFrom: x@example.test\n"
                               "Subject: Inner\n\ninner body\n--mix--\n";
    const auto parsed = MimeMessage::fromBytes(message(content));
    QVERIFY(parsed);

    QByteArray written;
    QBuffer buffer(&written);
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(parsed->writeAttachment(0, &buffer));
    QVERIFY(written.contains("Subject: Inner"));
    QVERIFY(written.contains("inner body"));

    QBuffer readOnly;
    QVERIFY(readOnly.open(QIODevice::ReadOnly));
    QString error;
    QTest::ignoreMessage(QtWarningMsg, "QIODevice::write (QBuffer): ReadOnly device");
    QVERIFY(!parsed->writeAttachment(0, &readOnly, &error));
    QVERIFY(error.startsWith(QStringLiteral("Could not write the attachment")));
}

void TestMimeMessage::rejectsUnreadable_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("errorPart");

    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty");
    QTest::newRow("only-whitespace") << QByteArray(" \r\n\r\n") << QStringLiteral("empty");
    QTest::newRow("nesting-too-deep")
        << nested(MimeMessage::kMaxDepth + 1) << QStringLiteral("levels deep");
    QTest::newRow("nesting-absurd") << nested(5000) << QStringLiteral("levels deep");

    QByteArray many = "Content-Type: multipart/mixed; boundary=m\n\n";
    for (int i = 0; i <= MimeMessage::kMaxParts; ++i) {
        many += "--m\nContent-Type: text/plain\n\nx\n";
    }
    QTest::newRow("too-many-parts") << crlf(many + "--m--\n") << QStringLiteral("MIME parts");
}

void TestMimeMessage::rejectsUnreadable()
{
    QFETCH(QByteArray, raw);
    QFETCH(QString, errorPart);

    QString error;
    QVERIFY(!MimeMessage::fromBytes(raw, &error));
    QVERIFY2(error.contains(errorPart), qPrintable(error));
}

void TestMimeMessage::acceptsNestingAtTheLimit()
{
    QString error;
    const auto parsed = MimeMessage::fromBytes(nested(MimeMessage::kMaxDepth), &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->bodyText(), QStringLiteral("deep\n"));
}

void TestMimeMessage::makesFileNamesSafe_data()
{
    QTest::addColumn<QString>("declared");
    QTest::addColumn<QString>("contentType");
    QTest::addColumn<QString>("safe");

    QTest::newRow("ordinary") << QStringLiteral("report.pdf") << QStringLiteral("application/pdf")
                              << QStringLiteral("report.pdf");
    QTest::newRow("unix-traversal")
        << QStringLiteral("../../etc/passwd") << QString() << QStringLiteral("passwd");
    QTest::newRow("windows-traversal")
        << QStringLiteral("..\\..\\Windows\\evil.exe") << QString() << QStringLiteral("evil.exe");
    QTest::newRow("bidi-override")
        << QStringLiteral("invoice\u202Efdp.exe") << QString() << QStringLiteral("invoicefdp.exe");
    QTest::newRow("control-characters")
        << QStringLiteral("a\u0001b\nc.txt") << QString() << QStringLiteral("abc.txt");
    QTest::newRow("hidden-file") << QStringLiteral(".bashrc") << QString()
                                 << QStringLiteral("bashrc");
    QTest::newRow("only-dots") << QStringLiteral("..") << QString() << QStringLiteral("attachment");
    QTest::newRow("empty") << QString() << QString() << QStringLiteral("attachment");
    QTest::newRow("empty-message")
        << QString() << QStringLiteral("message/rfc822") << QStringLiteral("message.eml");
    QTest::newRow("very-long") << QString(300, QLatin1Char('a')) << QString()
                               << QString(200, QLatin1Char('a'));
}

void TestMimeMessage::makesFileNamesSafe()
{
    QFETCH(QString, declared);
    QFETCH(QString, contentType);
    QFETCH(QString, safe);

    MimeAttachment attachment;
    attachment.fileName = declared;
    attachment.contentType = contentType;
    QCOMPARE(attachment.safeFileName(), safe);
}

void TestMimeMessage::readsDates_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QDateTime>("utc");

    QTest::newRow("rfc5322") << QByteArray("Tue, 1 Dec 2026 10:00:00 +0000")
                             << QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC);
    QTest::newRow("with-comment") << QByteArray("Tue,  1 Dec 2026 10:00:00 +0000 (UTC)")
                                  << QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC);
    QTest::newRow("negative-offset") << QByteArray("1 Dec 2026 05:00:00 -0500")
                                     << QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC);
    QTest::newRow("obsolete-zone") << QByteArray("Tue, 1 Dec 2026 10:00:00 GMT")
                                   << QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC);
    QTest::newRow("garbage") << QByteArray("not a date") << QDateTime();
    QTest::newRow("empty") << QByteArray() << QDateTime();
}

void TestMimeMessage::readsDates()
{
    QFETCH(QByteArray, text);
    QFETCH(QDateTime, utc);

    const QDateTime parsed = parseMimeDate(text);
    QCOMPARE(parsed.isValid(), utc.isValid());
    if (utc.isValid()) {
        QCOMPARE(parsed.toUTC(), utc);
    }
}

void TestMimeMessage::buildsReplyReferences()
{
    MimeHeaders original;
    original.messageId = QStringLiteral("c@x");
    original.references = {QStringLiteral("a@x"), QStringLiteral("b@x")};
    QCOMPARE(replyReferences(original),
             (QStringList{QStringLiteral("a@x"), QStringLiteral("b@x"), QStringLiteral("c@x")}));

    original.references.clear();
    original.inReplyTo = QStringLiteral("b@x");
    QCOMPARE(replyReferences(original),
             (QStringList{QStringLiteral("b@x"), QStringLiteral("c@x")}));
}

QTEST_GUILESS_MAIN(TestMimeMessage)
#include "tst_mimemessage.moc"
