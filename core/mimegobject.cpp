// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mimegobject.h"

#include "core/gmimeinit.h"

namespace Latchmail::GMimeSupport {

GObjectPtr<GMimeMessage> parseMessage(QByteArrayView bytes)
{
    ensureGMimeInitialized();

    GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(
        bytes.data() != nullptr ? bytes.data() : "", static_cast<size_t>(bytes.size())));
    GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    return GObjectPtr<GMimeMessage>(g_mime_parser_construct_message(parser.get(), nullptr));
}

QByteArray decodedContent(GMimePart* part, qint64 limit, bool* truncated)
{
    if (truncated != nullptr) {
        *truncated = false;
    }
    GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
    if (wrapper == nullptr) {
        return {};
    }

    GObjectPtr<GMimeStream> sink(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(wrapper, sink.get());
    GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink.get()));

    const qint64 size = static_cast<qint64>(array->len);
    if (size > limit && truncated != nullptr) {
        *truncated = true;
    }
    return QByteArray(reinterpret_cast<const char*>(array->data),
                      static_cast<qsizetype>(qMin(size, limit)));
}

qint64 decodedSize(GMimePart* part)
{
    GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
    if (wrapper == nullptr) {
        return 0;
    }

    GObjectPtr<GMimeStream> sink(g_mime_stream_null_new());
    g_mime_data_wrapper_write_to_stream(wrapper, sink.get());
    return static_cast<qint64>(GMIME_STREAM_NULL(sink.get())->written);
}

QString mimeTypeOf(GMimeObject* object)
{
    GMimeContentType* type = g_mime_object_get_content_type(object);
    if (type == nullptr) {
        return {};
    }
    GCharPtr mimeType(g_mime_content_type_get_mime_type(type));
    return fromUtf8(mimeType.get()).toLower();
}

} // namespace Latchmail::GMimeSupport
