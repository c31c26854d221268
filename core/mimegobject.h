// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Ownership helpers for the GLib/GMime objects used inside core/mime*. Not part of the public
// API: only the implementation files include this header (it pulls in GMime).

#include <gmime/gmime.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <memory>

namespace Latchmail::GMimeSupport {

struct GObjectUnref
{
    void operator()(gpointer object) const
    {
        if (object != nullptr) {
            g_object_unref(object);
        }
    }
};

struct GFree
{
    void operator()(gpointer memory) const { g_free(memory); }
};

/// A GObject reference released with g_object_unref.
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

/// A string allocated by GLib, released with g_free.
using GCharPtr = std::unique_ptr<char, GFree>;

/// Parses `bytes` as an RFC 5322 message (GMime's default, tolerant parser options). GMime limits
/// MIME nesting itself; callers still bound what they walk. Returns null when GMime finds no
/// message at all.
[[nodiscard]] GObjectPtr<GMimeMessage> parseMessage(QByteArrayView bytes);

/// UTF-8 C string (may be null) to QString.
[[nodiscard]] inline QString fromUtf8(const char* text)
{
    return text != nullptr ? QString::fromUtf8(text) : QString();
}

/// The decoded (transfer-encoding removed) content of a leaf part, at most `limit` bytes.
/// `truncated` is set when the content was longer.
[[nodiscard]] QByteArray decodedContent(GMimePart* part, qint64 limit, bool* truncated);

/// The decoded size of a leaf part's content, counted without keeping it.
[[nodiscard]] qint64 decodedSize(GMimePart* part);

/// "type/subtype" in lower case, or empty when the object has no content type.
[[nodiscard]] QString mimeTypeOf(GMimeObject* object);

} // namespace Latchmail::GMimeSupport
