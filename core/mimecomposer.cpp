// SPDX-License-Identifier: GPL-3.0-or-later
// Writes outgoing messages with GMime. Forwarded messages are untrusted input: they are parsed
// by GMime and re-emitted, never spliced in as text.
#include "core/mimecomposer.h"

#include "core/gmimeinit.h"
#include "core/mimeaddress.h"
#include "core/mimegobject.h"
#include "core/mimestream.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QIODevice>
#include <QMimeDatabase>
#include <QSet>

#include <fcntl.h>

namespace Latchmail {

using namespace GMimeSupport;

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("Latchmail::MimeComposer", text);
}

struct Envelope
{
    QString sender;
    QString senderDomain;
    QStringList recipients;
    bool smtpUtf8 = false;
};

// Header text typed by the user must stay on one header line: a line break would let it add
// header fields of its own.
bool hasControlCharacter(const QString& text)
{
    return std::any_of(text.begin(), text.end(), [](QChar c) {
        return (c.unicode() < 0x20 && c != QLatin1Char('\t')) || c.unicode() == 0x7f;
    });
}

// A msg-id from another message is used only if it cannot break out of its angle brackets.
bool isUsableMessageId(const QString& id)
{
    return !id.isEmpty() && id.size() <= 250 && !hasControlCharacter(id) &&
           !id.contains(QLatin1Char(' ')) && !id.contains(QLatin1Char('<')) &&
           !id.contains(QLatin1Char('>'));
}

bool checkAddress(const MimeAddress& address, QString* normalized, bool* utf8, QString* error)
{
    if (hasControlCharacter(address.name)) {
        *error = tr("The name \"%1\" contains a line break or control character.")
                     .arg(address.name.left(100));
        return false;
    }
    const MailboxCheck check = checkMailboxAddress(address.address);
    if (!check.valid) {
        *error = check.error;
        return false;
    }
    *normalized = check.normalized;
    *utf8 = *utf8 || check.nonAsciiLocalPart;
    return true;
}

bool collectEnvelope(const MimeDraft& draft, Envelope* envelope, QString* error)
{
    if (!checkAddress(draft.from, &envelope->sender, &envelope->smtpUtf8, error)) {
        return false;
    }
    envelope->senderDomain = envelope->sender.section(QLatin1Char('@'), -1);

    QSet<QString> seen;
    for (const QList<MimeAddress>* list : {&draft.to, &draft.cc, &draft.bcc}) {
        for (const MimeAddress& address : *list) {
            QString normalized;
            if (!checkAddress(address, &normalized, &envelope->smtpUtf8, error)) {
                return false;
            }
            if (!seen.contains(normalized.toLower())) {
                seen.insert(normalized.toLower());
                envelope->recipients.append(normalized);
            }
        }
    }
    if (envelope->recipients.isEmpty()) {
        *error = tr("The message has no recipient.");
        return false;
    }
    return true;
}

void addMailboxes(GMimeMessage* message, GMimeAddressType type, const QList<MimeAddress>& list)
{
    InternetAddressList* header = g_mime_message_get_addresses(message, type);
    for (const MimeAddress& address : list) {
        const QByteArray name = address.name.trimmed().toUtf8();
        const QByteArray addr = checkMailboxAddress(address.address).normalized.toUtf8();
        InternetAddress* mailbox =
            internet_address_mailbox_new(name.isEmpty() ? nullptr : name.constData(), addr);
        internet_address_set_charset(mailbox, "utf-8");
        internet_address_list_add(header, mailbox);
        g_object_unref(mailbox);
    }
}

GDateTime* toGDateTime(const QDateTime& when)
{
    const QDateTime date = when.isValid() ? when : QDateTime::currentDateTime();
    GTimeZone* zone = g_time_zone_new_offset(date.offsetFromUtc());
    GDateTime* utc = g_date_time_new_from_unix_utc(date.toSecsSinceEpoch());
    GDateTime* local = g_date_time_to_timezone(utc, zone);
    g_date_time_unref(utc);
    g_time_zone_unref(zone);
    return local;
}

void setThreading(GMimeMessage* message, const MimeDraft& draft)
{
    GMimeObject* object = GMIME_OBJECT(message);
    if (isUsableMessageId(draft.inReplyTo)) {
        const QByteArray value = '<' + draft.inReplyTo.toUtf8() + '>';
        g_mime_object_set_header(object, "In-Reply-To", value.constData(), nullptr);
    }

    QByteArrayList references;
    for (const QString& id : draft.references) {
        if (isUsableMessageId(id)) {
            references.append('<' + id.toUtf8() + '>');
        }
    }
    if (!references.isEmpty()) {
        const QByteArray value = references.join(' ');
        g_mime_object_set_header(object, "References", value.constData(), nullptr);
    }
}

GObjectPtr<GMimeDataWrapper> wrapStream(GMimeStream* stream)
{
    return GObjectPtr<GMimeDataWrapper>(
        g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT));
}

// RFC 2045 6: 7bit for short ASCII lines, quoted-printable for mostly ASCII, base64 otherwise;
// GMime's best-encoding filter measures the text.
GObjectPtr<GMimeObject> makeBodyPart(const QString& body)
{
    QString text = body;
    text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"))
        .replace(QLatin1Char('\r'), QLatin1Char('\n'));
    if (!text.endsWith(QLatin1Char('\n'))) {
        text.append(QLatin1Char('\n'));
    }
    const QByteArray utf8 = text.toUtf8();

    GMimeTextPart* part = g_mime_text_part_new_with_subtype("plain");
    GObjectPtr<GMimeStream> content(
        g_mime_stream_mem_new_with_buffer(utf8.constData(), static_cast<size_t>(utf8.size())));
    g_mime_part_set_content(GMIME_PART(part), wrapStream(content.get()).get());
    g_mime_text_part_set_charset(part, "utf-8");
    GMimeContentEncoding encoding =
        g_mime_part_get_best_content_encoding(GMIME_PART(part), GMIME_ENCODING_CONSTRAINT_7BIT);
    // Stated even when it is the default, so every reader sees the choice.
    if (encoding == GMIME_CONTENT_ENCODING_DEFAULT) {
        encoding = GMIME_CONTENT_ENCODING_7BIT;
    }
    g_mime_part_set_content_encoding(GMIME_PART(part), encoding);
    return GObjectPtr<GMimeObject>(GMIME_OBJECT(part));
}

GObjectPtr<GMimeStream> openAttachmentStream(const MimeDraftAttachment& attachment, QString* error)
{
    if (attachment.filePath.isEmpty()) {
        const QByteArray& data = attachment.data;
        return GObjectPtr<GMimeStream>(
            g_mime_stream_mem_new_with_buffer(data.constData(), static_cast<size_t>(data.size())));
    }

    const QFileInfo info(attachment.filePath);
    if (!info.isFile() || !info.isReadable()) {
        *error = tr("Cannot attach \"%1\": it is not a readable file.").arg(attachment.filePath);
        return nullptr;
    }
    GError* gerror = nullptr;
    GMimeStream* stream = g_mime_stream_fs_open(QFile::encodeName(attachment.filePath).constData(),
                                                O_RDONLY, 0, &gerror);
    if (stream == nullptr) {
        *error = tr("Cannot attach \"%1\": %2")
                     .arg(attachment.filePath, fromUtf8(gerror != nullptr ? gerror->message : ""));
        g_clear_error(&gerror);
    }
    return GObjectPtr<GMimeStream>(stream);
}

QString attachmentContentType(const MimeDraftAttachment& attachment, const QString& fileName)
{
    if (!attachment.contentType.isEmpty()) {
        return attachment.contentType;
    }
    const QMimeDatabase database;
    const QMimeType type = attachment.filePath.isEmpty()
                               ? database.mimeTypeForFileNameAndData(fileName, attachment.data)
                               : database.mimeTypeForFile(attachment.filePath);
    return type.isValid() ? type.name() : QStringLiteral("application/octet-stream");
}

GObjectPtr<GMimeObject> makeAttachmentPart(const MimeDraftAttachment& attachment, QString* error)
{
    const QString fileName = attachment.fileName.isEmpty()
                                 ? QFileInfo(attachment.filePath).fileName()
                                 : attachment.fileName;
    if (hasControlCharacter(fileName)) {
        *error = tr("The attachment name \"%1\" contains a control character.").arg(fileName);
        return nullptr;
    }
    GObjectPtr<GMimeStream> stream = openAttachmentStream(attachment, error);
    if (!stream) {
        return nullptr;
    }

    const QByteArray type = attachmentContentType(attachment, fileName).toUtf8();
    GMimeContentType* contentType = g_mime_content_type_parse(nullptr, type.constData());
    GMimePart* part = g_mime_part_new_with_type(g_mime_content_type_get_media_type(contentType),
                                                g_mime_content_type_get_media_subtype(contentType));
    g_object_unref(contentType);

    g_mime_part_set_content(part, wrapStream(stream.get()).get());
    g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
    g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
    if (!fileName.isEmpty()) {
        g_mime_part_set_filename(part, fileName.toUtf8().constData());
    }
    return GObjectPtr<GMimeObject>(GMIME_OBJECT(part));
}

GObjectPtr<GMimeObject> makeForwardPart(const QByteArray& original, bool* eightBit, QString* error)
{
    const GObjectPtr<GMimeMessage> message = parseMessage(original);
    if (original.trimmed().isEmpty() || !message) {
        *error = tr("The message to forward is empty or unreadable.");
        return nullptr;
    }
    const bool hasEightBit =
        std::any_of(original.begin(), original.end(), [](char c) { return (c & 0x80) != 0; });
    *eightBit = *eightBit || hasEightBit;

    GMimeMessagePart* part = g_mime_message_part_new_with_message("rfc822", message.get());
    GMimeObject* object = GMIME_OBJECT(part);
    g_mime_object_set_disposition(object, GMIME_DISPOSITION_ATTACHMENT);

    QString name = fromUtf8(g_mime_message_get_subject(message.get())).simplified();
    name.replace(QLatin1Char('/'), QLatin1Char('-')).replace(QLatin1Char('\\'), QLatin1Char('-'));
    name = (name.isEmpty() ? QStringLiteral("forwarded-message") : name.left(100)) +
           QStringLiteral(".eml");
    g_mime_object_set_content_disposition_parameter(object, "filename", name.toUtf8().constData());
    if (hasEightBit) {
        // RFC 2046 5.2.1: message/rfc822 is never encoded; 8-bit content is declared as such.
        g_mime_object_set_header(object, "Content-Transfer-Encoding", "8bit", nullptr);
    }
    return GObjectPtr<GMimeObject>(object);
}

// The body, alone or followed by the attachments in a multipart/mixed (RFC 2046 5.1.3).
GObjectPtr<GMimeObject> makeContent(const MimeDraft& draft, bool* eightBit, QString* error)
{
    GObjectPtr<GMimeObject> body = makeBodyPart(draft.body);
    if (draft.attachments.isEmpty() && draft.forwardedMessages.isEmpty()) {
        return body;
    }

    GObjectPtr<GMimeObject> mixed(GMIME_OBJECT(g_mime_multipart_new_with_subtype("mixed")));
    g_mime_multipart_add(GMIME_MULTIPART(mixed.get()), body.get());
    for (const MimeDraftAttachment& attachment : draft.attachments) {
        const GObjectPtr<GMimeObject> part = makeAttachmentPart(attachment, error);
        if (!part) {
            return nullptr;
        }
        g_mime_multipart_add(GMIME_MULTIPART(mixed.get()), part.get());
    }
    for (const QByteArray& original : draft.forwardedMessages) {
        const GObjectPtr<GMimeObject> part = makeForwardPart(original, eightBit, error);
        if (!part) {
            return nullptr;
        }
        g_mime_multipart_add(GMIME_MULTIPART(mixed.get()), part.get());
    }
    return mixed;
}

QString makeMessageId(const MimeDraft& draft, const Envelope& envelope)
{
    if (isUsableMessageId(draft.messageId)) {
        return draft.messageId;
    }
    const QByteArray domain = envelope.senderDomain.toUtf8();
    GCharPtr id(g_mime_utils_generate_message_id(domain.constData()));
    return fromUtf8(id.get());
}

GObjectPtr<GMimeMessage> makeMessage(const MimeDraft& draft, const QString& messageId)
{
    GObjectPtr<GMimeMessage> message(g_mime_message_new(FALSE));
    addMailboxes(message.get(), GMIME_ADDRESS_TYPE_FROM, {draft.from});
    addMailboxes(message.get(), GMIME_ADDRESS_TYPE_TO, draft.to);
    addMailboxes(message.get(), GMIME_ADDRESS_TYPE_CC, draft.cc);
    g_mime_message_set_subject(message.get(), draft.subject.toUtf8().constData(), "utf-8");

    GDateTime* date = toGDateTime(draft.date);
    g_mime_message_set_date(message.get(), date);
    g_date_time_unref(date);

    g_mime_message_set_message_id(message.get(), messageId.toUtf8().constData());
    setThreading(message.get(), draft);
    g_mime_object_set_header(GMIME_OBJECT(message.get()), "MIME-Version", "1.0", nullptr);
    return message;
}

bool writeMessage(GMimeMessage* message, QIODevice* out, qint64* size, QString* error)
{
    GMimeFormatOptions* options = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
    g_mime_format_options_set_param_encoding_method(options, GMIME_PARAM_ENCODING_METHOD_RFC2231);

    GObjectPtr<GMimeStream> stream(newDeviceStream(out));
    const ssize_t written =
        g_mime_object_write_to_stream(GMIME_OBJECT(message), options, stream.get());
    g_mime_format_options_free(options);

    *size = deviceStreamWritten(stream.get());
    if (written < 0 || deviceStreamFailed(stream.get())) {
        *error = tr("Could not write the message: %1").arg(out->errorString());
        return false;
    }
    return true;
}

} // namespace

MimeComposeResult composeMessage(const MimeDraft& draft, QIODevice* out)
{
    ensureGMimeInitialized();

    MimeComposeResult result;
    Envelope envelope;
    if (!collectEnvelope(draft, &envelope, &result.error)) {
        return result;
    }
    if (hasControlCharacter(draft.subject)) {
        result.error = tr("The subject contains a line break or control character.");
        return result;
    }

    GObjectPtr<GMimeObject> content = makeContent(draft, &result.needs8BitMime, &result.error);
    if (!content) {
        return result;
    }
    result.messageId = makeMessageId(draft, envelope);
    const GObjectPtr<GMimeMessage> message = makeMessage(draft, result.messageId);
    g_mime_message_set_mime_part(message.get(), content.get());

    if (!writeMessage(message.get(), out, &result.size, &result.error)) {
        return result;
    }
    result.ok = true;
    result.envelopeSender = envelope.sender;
    result.envelopeRecipients = envelope.recipients;
    result.needsSmtpUtf8 = envelope.smtpUtf8;
    // RFC 6531 3.1: a message with UTF-8 header fields is 8-bit content as well.
    result.needs8BitMime = result.needs8BitMime || envelope.smtpUtf8;
    return result;
}

void prepareReply(MimeDraft* draft, const MimeHeaders& original)
{
    draft->inReplyTo = original.messageId;
    draft->references = replyReferences(original);

    const QString subject = original.subject.trimmed();
    draft->subject = subject.startsWith(QLatin1String("re:"), Qt::CaseInsensitive)
                         ? subject
                         : QStringLiteral("Re: ") + subject;
}

} // namespace Latchmail
