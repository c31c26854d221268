// SPDX-License-Identifier: GPL-3.0-or-later
// Assembles a cached message for display. The cached bytes came from a server (untrusted):
// decoding goes through GMime (core/mimemessage), whose limits bound the work.
#include "imap/cache/messagecontent.h"

#include "core/gmimeinit.h"
#include "core/mimemessage.h"
#include "imap/cache/messagecache.h"
#include "imap/cache/messagerecord.h"
#include "imap/cache/structureserialization.h"

#include <gmime/gmime.h>

namespace Latchmail::Imap {

namespace {

// A parameter list in header syntax, values quoted, for GMime to decode.
QByteArray headerParameters(const BodyParameters& parameters)
{
    QByteArray text;
    for (const auto& [name, value] : parameters) {
        QByteArray escaped = value;
        escaped.replace('\\', "\\\\").replace('"', "\\\"").replace('\r', ' ').replace('\n', ' ');
        text += "; " + name + "=\"" + escaped + '"';
    }
    return text;
}

QString fromGmime(const char* text)
{
    return text ? QString::fromUtf8(text) : QString();
}

QString decodedParameter(const BodyPart& part, const char* name, bool disposition)
{
    ensureGMimeInitialized();
    QString value;
    if (disposition) {
        const QByteArray header = "attachment" + headerParameters(part.dispositionParameters);
        GMimeContentDisposition* parsed =
            g_mime_content_disposition_parse(nullptr, header.constData());
        if (parsed) {
            value = fromGmime(g_mime_content_disposition_get_parameter(parsed, name));
            g_object_unref(parsed);
        }
        return value;
    }
    const QByteArray header = part.mimeType() + headerParameters(part.parameters);
    GMimeContentType* parsed = g_mime_content_type_parse(nullptr, header.constData());
    if (parsed) {
        value = fromGmime(g_mime_content_type_get_parameter(parsed, name));
        g_object_unref(parsed);
    }
    return value;
}

// The leaf (or attached message) with that section number, not looking inside attached messages.
const BodyPart* partNumbered(const BodyPart& node, const QByteArray& number)
{
    if (node.partNumber == number && (node.children.empty() || node.isMessage())) {
        return &node;
    }
    if (node.isMessage()) {
        return nullptr;
    }
    for (const BodyPart& child : node.children) {
        if (const BodyPart* found = partNumbered(child, number)) {
            return found;
        }
    }
    return nullptr;
}

void collectAttachments(const BodyPart& root, QList<AttachmentInfo>* out)
{
    for (const Attachment& attachment : attachments(root)) {
        const BodyPart* part = partNumbered(root, attachment.partNumber);
        out->append(AttachmentInfo{QString::fromLatin1(attachment.partNumber),
                                   part ? attachmentFileName(*part) : QString(),
                                   QString::fromLatin1(attachment.mimeType),
                                   qint64(qMin<quint64>(attachment.size, LLONG_MAX))});
    }
}

} // namespace

QString attachmentFileName(const BodyPart& part)
{
    QString name = decodedParameter(part, "filename", true);
    if (name.isEmpty()) {
        name = decodedParameter(part, "name", false);
    }
    if (name.contains(QStringLiteral("=?"))) {
        name = decodeHeaderText(name.toUtf8());
    }
    return name;
}

QStringList textSectionsOf(const BodyPart& root)
{
    const BodyPart* text = preferredTextPart(root);
    if (!text) {
        return {};
    }
    if (!root.isMultipart()) {
        return {QStringLiteral("HEADER"), QStringLiteral("TEXT")};
    }
    const QString number = QString::fromLatin1(text->partNumber);
    return {number + QStringLiteral(".MIME"), number};
}

std::optional<MessageContent> loadMessageContent(const MessageCache& cache, const QString& mailbox,
                                                 quint32 uid, QString* error)
{
    const std::optional<CachedMessage> message = cache.message(mailbox, uid);
    if (!message) {
        *error = QStringLiteral("message %1 of \u201c%2\u201d is not in the cache; synchronise "
                                "the mailbox first")
                     .arg(uid)
                     .arg(mailbox);
        return std::nullopt;
    }
    MessageContent content;
    content.message = *message;
    const std::optional<BodyPart> structure = deserializeBodyStructure(message->bodyStructure);
    if (!structure) {
        content.textAvailable = true; // nothing to show beyond the headers
        return content;
    }
    collectAttachments(*structure, &content.attachments);
    content.textSections = textSectionsOf(*structure);

    QByteArray entity;
    for (const QString& section : std::as_const(content.textSections)) {
        const std::optional<QByteArray> bytes = cache.partBytes(mailbox, uid, section);
        if (!bytes) {
            return content; // text not cached yet
        }
        entity += *bytes;
    }
    content.textAvailable = true;
    if (entity.isEmpty()) {
        return content;
    }
    QString parseError;
    const std::optional<MimeMessage> parsed = MimeMessage::fromBytes(entity, &parseError);
    if (!parsed) {
        *error = parseError;
        return content;
    }
    content.text = parsed->bodyText();
    return content;
}

} // namespace Latchmail::Imap
