// SPDX-License-Identifier: GPL-3.0-or-later
// Reads header blocks received from the network (untrusted input). GMime splits and decodes;
// this file only maps its results to Qt types and bounds how much is kept.
#include "core/mimeheaders.h"

#include "core/gmimeinit.h"
#include "core/mimegobject.h"
#include "core/mimeheadersgmime.h"

namespace Latchmail {

using namespace GMimeSupport;

namespace {

// A header block longer than this is cut before parsing; no real header block comes near it.
constexpr qsizetype kMaxHeaderBlock = 1024 * 1024;

// Address lists longer than this are cut (a bounded display, not an error).
constexpr int kMaxAddresses = 1000;

void appendAddresses(InternetAddressList* list, QList<MimeAddress>* out, int depth)
{
    if (list == nullptr || depth > 2) {
        return;
    }
    const int count = internet_address_list_length(list);
    for (int i = 0; i < count && out->size() < kMaxAddresses; ++i) {
        InternetAddress* address = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(address)) {
            appendAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)),
                            out, depth + 1);
            continue;
        }
        MimeAddress mailbox;
        mailbox.name = fromUtf8(internet_address_get_name(address)).trimmed();
        mailbox.address =
            fromUtf8(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)));
        out->append(mailbox);
    }
}

QList<MimeAddress> addressesOf(GMimeMessage* message, GMimeAddressType type)
{
    QList<MimeAddress> result;
    appendAddresses(g_mime_message_get_addresses(message, type), &result, 0);
    return result;
}

QStringList parseReferences(const char* text)
{
    QStringList ids;
    if (text == nullptr) {
        return ids;
    }
    GMimeReferences* references = g_mime_references_parse(nullptr, text);
    if (references == nullptr) {
        return ids;
    }
    const int count = g_mime_references_length(references);
    for (int i = 0; i < count && ids.size() < kMaxAddresses; ++i) {
        ids.append(fromUtf8(g_mime_references_get_message_id(references, i)));
    }
    g_mime_references_free(references);
    return ids;
}

QDateTime fromGDateTime(GDateTime* date)
{
    if (date == nullptr) {
        return {};
    }
    const qint64 seconds = g_date_time_to_unix(date);
    const int offsetSeconds = static_cast<int>(g_date_time_get_utc_offset(date) / G_USEC_PER_SEC);
    return QDateTime::fromSecsSinceEpoch(seconds, Qt::OffsetFromUTC, offsetSeconds);
}

} // namespace

QString MimeAddress::toDisplayString() const
{
    if (name.isEmpty()) {
        return address;
    }
    return name + QStringLiteral(" <") + address + QLatin1Char('>');
}

MimeHeaders readMimeHeaders(GMimeMessage* message)
{
    MimeHeaders headers;
    GMimeObject* object = GMIME_OBJECT(message);

    headers.subject = fromUtf8(g_mime_message_get_subject(message));
    headers.from = addressesOf(message, GMIME_ADDRESS_TYPE_FROM);
    headers.sender = addressesOf(message, GMIME_ADDRESS_TYPE_SENDER);
    headers.replyTo = addressesOf(message, GMIME_ADDRESS_TYPE_REPLY_TO);
    headers.to = addressesOf(message, GMIME_ADDRESS_TYPE_TO);
    headers.cc = addressesOf(message, GMIME_ADDRESS_TYPE_CC);
    headers.bcc = addressesOf(message, GMIME_ADDRESS_TYPE_BCC);
    headers.date = fromGDateTime(g_mime_message_get_date(message));
    headers.messageId = fromUtf8(g_mime_message_get_message_id(message));

    const QStringList inReplyTo = parseReferences(g_mime_object_get_header(object, "In-Reply-To"));
    headers.inReplyTo = inReplyTo.value(0);
    headers.references = parseReferences(g_mime_object_get_header(object, "References"));
    return headers;
}

MimeHeaders parseMimeHeaderBlock(QByteArrayView headerBlock)
{
    QByteArray block = headerBlock.first(qMin(headerBlock.size(), kMaxHeaderBlock)).toByteArray();
    // The empty line makes GMime stop at the end of the block even when the caller passed a
    // block without its terminating empty line.
    block.append("\r\n\r\n");

    const GObjectPtr<GMimeMessage> message = parseMessage(block);
    if (!message) {
        return {};
    }
    return readMimeHeaders(message.get());
}

QList<MimeHeaderField> splitHeaderFields(QByteArrayView headerBlock, qsizetype maxFields)
{
    QByteArray block = headerBlock.first(qMin(headerBlock.size(), kMaxHeaderBlock)).toByteArray();
    block.append("\r\n\r\n");

    QList<MimeHeaderField> fields;
    const GObjectPtr<GMimeMessage> message = parseMessage(block);
    if (!message) {
        return fields;
    }

    appendHeaderFields(g_mime_object_get_header_list(GMIME_OBJECT(message.get())), &fields,
                       maxFields);
    GMimeObject* body = g_mime_message_get_mime_part(message.get());
    if (body != nullptr) {
        // GMime moves Content-* fields of a message to its body part.
        appendHeaderFields(g_mime_object_get_header_list(body), &fields, maxFields);
    }
    return fields;
}

void appendHeaderFields(GMimeHeaderList* list, QList<MimeHeaderField>* out, qsizetype maxFields)
{
    if (list == nullptr) {
        return;
    }
    const int count = g_mime_header_list_get_count(list);
    for (int i = 0; i < count && out->size() < maxFields; ++i) {
        GMimeHeader* header = g_mime_header_list_get_header_at(list, i);
        QByteArray value(g_mime_header_get_raw_value(header));
        value.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
        out->append({QByteArray(g_mime_header_get_name(header)), value.simplified()});
    }
}

QDateTime parseMimeDate(QByteArrayView text)
{
    ensureGMimeInitialized();

    const QByteArray copy = text.first(qMin<qsizetype>(text.size(), 1024)).toByteArray();
    GDateTime* date = g_mime_utils_header_decode_date(copy.constData());
    const QDateTime result = fromGDateTime(date);
    if (date != nullptr) {
        g_date_time_unref(date);
    }
    return result;
}

QStringList replyReferences(const MimeHeaders& original)
{
    QStringList references = original.references;
    if (references.isEmpty() && !original.inReplyTo.isEmpty()) {
        references.append(original.inReplyTo);
    }
    if (!original.messageId.isEmpty()) {
        references.append(original.messageId);
    }
    return references;
}

} // namespace Latchmail
