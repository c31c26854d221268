// SPDX-License-Identifier: GPL-3.0-or-later
// Reads messages received from servers (untrusted input). GMime does all MIME decoding; this
// file bounds the structure it is willing to walk and decides what to show.
#include "core/mimemessage.h"

#include "core/mimegobject.h"
#include "core/mimeheadersgmime.h"
#include "core/mimehtml.h"
#include "core/mimestream.h"

#include <QBuffer>
#include <QCoreApplication>

namespace Latchmail {

using namespace GMimeSupport;

struct MimeMessage::Private
{
    GObjectPtr<GMimeMessage> message;
    MimeHeaders headers;
    QString body;
    MimeBodySource source = MimeBodySource::None;
    QList<MimeAttachment> attachments;
    QList<GMimeObject*> attachmentParts; // owned by `message`
};

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("Latchmail::MimeMessage", text);
}

struct BodyChoice
{
    GMimeTextPart* part = nullptr;
    MimeBodySource source = MimeBodySource::None;
};

GMimeObject* embeddedBody(GMimeObject* object)
{
    GMimeMessage* embedded = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    return embedded != nullptr ? g_mime_message_get_mime_part(embedded) : nullptr;
}

// Refuses structures deeper than kMaxDepth or larger than kMaxParts (RFC 2046 sets no limit;
// real mail stays far below both). Recursion is bounded by the depth check itself.
QString checkStructure(GMimeObject* object, int depth, int* parts)
{
    if (object == nullptr) {
        return {};
    }
    if (depth > MimeMessage::kMaxDepth) {
        return tr("The message nests MIME parts more than %1 levels deep; it was not read.")
            .arg(MimeMessage::kMaxDepth);
    }
    if (++*parts > MimeMessage::kMaxParts) {
        return tr("The message has more than %1 MIME parts; it was not read.")
            .arg(MimeMessage::kMaxParts);
    }

    if (GMIME_IS_MULTIPART(object)) {
        GMimeMultipart* multipart = GMIME_MULTIPART(object);
        const int count = g_mime_multipart_get_count(multipart);
        for (int i = 0; i < count; ++i) {
            const QString error =
                checkStructure(g_mime_multipart_get_part(multipart, i), depth + 1, parts);
            if (!error.isEmpty()) {
                return error;
            }
        }
    } else if (GMIME_IS_MESSAGE_PART(object)) {
        return checkStructure(embeddedBody(object), depth + 1, parts);
    }
    return {};
}

bool isAttachmentLike(GMimeObject* object)
{
    GMimeContentDisposition* disposition = g_mime_object_get_content_disposition(object);
    if (disposition != nullptr && g_mime_content_disposition_is_attachment(disposition)) {
        return true;
    }
    return GMIME_IS_PART(object) && g_mime_part_get_filename(GMIME_PART(object)) != nullptr;
}

bool isMultipartSubtype(GMimeObject* object, const char* subtype)
{
    GMimeContentType* type = g_mime_object_get_content_type(object);
    return type != nullptr && g_mime_content_type_is_type(type, "multipart", subtype);
}

// RFC 2046 5.1.4: of the alternatives, text/plain is preferred (it needs no conversion);
// in other multiparts the first part that has a body wins.
BodyChoice findBody(GMimeObject* object)
{
    if (GMIME_IS_MULTIPART(object)) {
        GMimeMultipart* multipart = GMIME_MULTIPART(object);
        const bool alternative = isMultipartSubtype(object, "alternative");
        BodyChoice html;
        for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
            const BodyChoice choice = findBody(g_mime_multipart_get_part(multipart, i));
            if (choice.source == MimeBodySource::PlainText || (choice.part && !alternative)) {
                return choice;
            }
            if (choice.part != nullptr && html.part == nullptr) {
                html = choice;
            }
        }
        return html;
    }
    if (!GMIME_IS_TEXT_PART(object) || isAttachmentLike(object)) {
        return {};
    }
    GMimeContentType* type = g_mime_object_get_content_type(object);
    if (g_mime_content_type_is_type(type, "text", "plain")) {
        return {GMIME_TEXT_PART(object), MimeBodySource::PlainText};
    }
    if (g_mime_content_type_is_type(type, "text", "html")) {
        return {GMIME_TEXT_PART(object), MimeBodySource::Html};
    }
    return {};
}

QString declaredFileName(GMimeObject* object)
{
    if (GMIME_IS_PART(object)) {
        return fromUtf8(g_mime_part_get_filename(GMIME_PART(object)));
    }
    const char* name = g_mime_object_get_content_disposition_parameter(object, "filename");
    if (name == nullptr) {
        name = g_mime_object_get_content_type_parameter(object, "name");
    }
    return fromUtf8(name);
}

qint64 embeddedMessageSize(GMimeObject* object)
{
    GMimeMessage* embedded = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    if (embedded == nullptr) {
        return 0;
    }
    GObjectPtr<GMimeStream> sink(g_mime_stream_null_new());
    g_mime_object_write_to_stream(GMIME_OBJECT(embedded), nullptr, sink.get());
    return static_cast<qint64>(GMIME_STREAM_NULL(sink.get())->written);
}

MimeAttachment describeAttachment(GMimeObject* object)
{
    MimeAttachment attachment;
    attachment.fileName = declaredFileName(object);
    attachment.contentType = mimeTypeOf(object);
    attachment.contentId = fromUtf8(g_mime_object_get_content_id(object));

    GMimeContentDisposition* disposition = g_mime_object_get_content_disposition(object);
    attachment.isInline =
        disposition != nullptr && !g_mime_content_disposition_is_attachment(disposition);
    attachment.decodedSize =
        GMIME_IS_PART(object) ? decodedSize(GMIME_PART(object)) : embeddedMessageSize(object);
    return attachment;
}

struct AttachmentWalk
{
    GMimeObject* body = nullptr;
    QList<MimeAttachment>* attachments = nullptr;
    QList<GMimeObject*>* parts = nullptr;
};

// Every leaf except the displayed body and the other renderings of it inside a
// multipart/alternative is offered as an attachment. Embedded messages are not opened.
void collectAttachments(GMimeObject* object, bool insideAlternative, const AttachmentWalk& walk)
{
    if (object == nullptr || object == walk.body) {
        return;
    }
    if (GMIME_IS_MULTIPART(object)) {
        GMimeMultipart* multipart = GMIME_MULTIPART(object);
        const bool alternative = insideAlternative || isMultipartSubtype(object, "alternative");
        for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
            collectAttachments(g_mime_multipart_get_part(multipart, i), alternative, walk);
        }
        return;
    }

    const bool text = GMIME_IS_TEXT_PART(object) && !isAttachmentLike(object);
    if (text && insideAlternative) {
        return;
    }
    walk.attachments->append(describeAttachment(object));
    walk.parts->append(object);
}

QString bodyTextOf(const BodyChoice& choice)
{
    if (choice.part == nullptr) {
        return {};
    }
    GCharPtr text(g_mime_text_part_get_text(choice.part));
    QString decoded = fromUtf8(text.get());
    decoded.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    return choice.source == MimeBodySource::Html ? htmlToPlainText(decoded) : decoded;
}

} // namespace

QString MimeAttachment::safeFileName() const
{
    QString name = fileName.section(QLatin1Char('/'), -1).section(QLatin1Char('\\'), -1);

    QString cleaned;
    for (const QChar c : std::as_const(name)) {
        const QChar::Category category = c.category();
        // Control and format characters include the bidirectional overrides that can disguise
        // an extension ("invoice\u202Efdp.exe").
        if (category != QChar::Other_Control && category != QChar::Other_Format) {
            cleaned.append(c);
        }
    }
    while (cleaned.startsWith(QLatin1Char('.')) || cleaned.startsWith(QLatin1Char(' '))) {
        cleaned.remove(0, 1);
    }
    cleaned = cleaned.trimmed().left(200);

    if (cleaned.isEmpty()) {
        return contentType == QLatin1String("message/rfc822") ? QStringLiteral("message.eml")
                                                              : QStringLiteral("attachment");
    }
    return cleaned;
}

MimeMessage::MimeMessage(std::unique_ptr<Private> data)
    : d(std::move(data))
{
}

MimeMessage::MimeMessage(MimeMessage&&) noexcept = default;
MimeMessage& MimeMessage::operator=(MimeMessage&&) noexcept = default;
MimeMessage::~MimeMessage() = default;

std::optional<MimeMessage> MimeMessage::fromBytes(QByteArrayView raw, QString* error)
{
    QString ignored;
    QString& why = error != nullptr ? *error : ignored;

    if (raw.trimmed().isEmpty()) {
        why = tr("The message is empty.");
        return std::nullopt;
    }
    auto d = std::make_unique<Private>();
    d->message = parseMessage(raw);
    if (!d->message) {
        why = tr("The data is not a mail message.");
        return std::nullopt;
    }

    GMimeObject* root = g_mime_message_get_mime_part(d->message.get());
    int parts = 0;
    why = checkStructure(root, 0, &parts);
    if (!why.isEmpty()) {
        return std::nullopt;
    }

    d->headers = readMimeHeaders(d->message.get());
    const BodyChoice body = root != nullptr ? findBody(root) : BodyChoice();
    d->body = bodyTextOf(body);
    d->source = body.source;
    GMimeObject* bodyObject = body.part != nullptr ? GMIME_OBJECT(body.part) : nullptr;
    collectAttachments(root, false, {bodyObject, &d->attachments, &d->attachmentParts});
    return MimeMessage(std::move(d));
}

const MimeHeaders& MimeMessage::headers() const
{
    return d->headers;
}

QString MimeMessage::bodyText() const
{
    return d->body;
}

MimeBodySource MimeMessage::bodySource() const
{
    return d->source;
}

const QList<MimeAttachment>& MimeMessage::attachments() const
{
    return d->attachments;
}

bool MimeMessage::attachmentContent(int index, QByteArray* content, QString* error) const
{
    content->clear();
    QBuffer buffer(content);
    buffer.open(QIODevice::WriteOnly);
    return writeAttachment(index, &buffer, error);
}

bool MimeMessage::writeAttachment(int index, QIODevice* device, QString* error) const
{
    if (index < 0 || index >= d->attachmentParts.size()) {
        if (error != nullptr) {
            *error = tr("There is no attachment number %1.").arg(index + 1);
        }
        return false;
    }

    GMimeObject* object = d->attachmentParts.at(index);
    GObjectPtr<GMimeStream> stream(newDeviceStream(device));
    if (GMIME_IS_PART(object)) {
        GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(object));
        if (wrapper != nullptr) {
            g_mime_data_wrapper_write_to_stream(wrapper, stream.get());
        }
    } else {
        GMimeMessage* embedded = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
        if (embedded != nullptr) {
            g_mime_object_write_to_stream(GMIME_OBJECT(embedded), nullptr, stream.get());
        }
    }

    if (deviceStreamFailed(stream.get())) {
        if (error != nullptr) {
            *error = tr("Could not write the attachment: %1").arg(device->errorString());
        }
        return false;
    }
    return true;
}

} // namespace Latchmail
