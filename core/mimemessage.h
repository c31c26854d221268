// SPDX-License-Identifier: GPL-3.0-or-later
// Reads messages received from servers (untrusted input) for display, through GMime.
#pragma once

#include "core/mimeheaders.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

class QIODevice;

namespace Latchmail {

/// A part of a message offered to the user as a file (RFC 2183 Content-Disposition, or any
/// part that is neither the displayed text nor an alternative rendering of it).
struct MimeAttachment
{
    QString fileName;    // as declared (RFC 2231 / RFC 2047 decoded); may be empty
    QString contentType; // lower-case "type/subtype"
    qint64 decodedSize = 0;
    bool isInline = false; // Content-Disposition: inline (e.g. an image of an HTML body)
    QString contentId;     // without angle brackets

    /// A name safe to create in a directory the user picked: no directory parts, no control
    /// characters, no leading dots; a generic name when nothing usable remains.
    [[nodiscard]] QString safeFileName() const;
};

/// Where the displayed text of a message came from.
enum class MimeBodySource { None, PlainText, Html };

/// A parsed message: decoded headers, the text to show, and its attachments.
class MimeMessage
{
public:
    /// Deepest MIME nesting accepted (multiparts and embedded messages); deeper is refused.
    static constexpr int kMaxDepth = 32;
    /// Most MIME parts accepted in one message.
    static constexpr int kMaxParts = 2000;

    MimeMessage(MimeMessage&&) noexcept;
    MimeMessage& operator=(MimeMessage&&) noexcept;
    ~MimeMessage();

    /// Parses an RFC 5322 / MIME (RFC 2045-2049) message. On failure returns nothing and sets
    /// `error` to a sentence saying why (empty input, absurd nesting, too many parts).
    [[nodiscard]] static std::optional<MimeMessage> fromBytes(QByteArrayView raw,
                                                              QString* error = nullptr);

    [[nodiscard]] const MimeHeaders& headers() const;

    /// The text to show: the text/plain body converted to UTF-8 from its declared charset, or
    /// else the text/html body reduced to plain text (no external content is ever loaded).
    [[nodiscard]] QString bodyText() const;
    [[nodiscard]] MimeBodySource bodySource() const;

    [[nodiscard]] const QList<MimeAttachment>& attachments() const;

    /// The decoded bytes of attachment `index` (an embedded message is returned as it appears,
    /// RFC 2046 5.2.1). Returns false and sets `error` for an index out of range.
    [[nodiscard]] bool attachmentContent(int index, QByteArray* content,
                                         QString* error = nullptr) const;

    /// Streams attachment `index`, decoded, into `device` without holding it in memory.
    [[nodiscard]] bool writeAttachment(int index, QIODevice* device,
                                       QString* error = nullptr) const;

private:
    struct Private;
    explicit MimeMessage(std::unique_ptr<Private> d);

    std::unique_ptr<Private> d;
};

} // namespace Latchmail
