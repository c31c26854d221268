// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/envelope.h"

#include <QByteArray>
#include <QList>

#include <memory>
#include <utility>
#include <vector>

namespace Latchmail::Imap {

/// A `body-fld-param` list: attribute/value pairs in server order; attribute names lowercased,
/// values raw (RFC 2231 and RFC 2047 encodings are not decoded here).
using BodyParameters = QList<std::pair<QByteArray, QByteArray>>;

/// One node of a BODYSTRUCTURE / BODY tree (RFC 9051 section 7.5.2).
/// Strings are the server's raw bytes; NIL fields are null byte arrays.
struct BodyPart
{
    QByteArray type;    ///< lowercased, e.g. "text", "multipart", "message"
    QByteArray subtype; ///< lowercased, e.g. "plain", "mixed", "rfc822"
    BodyParameters parameters;
    QByteArray id;
    QByteArray description;
    QByteArray encoding; ///< lowercased Content-Transfer-Encoding
    quint64 size = 0;    ///< body-fld-octets (encoded size)
    quint64 lines = 0;   ///< body-fld-lines for text/* and message/rfc822
    QByteArray md5;
    QByteArray disposition; ///< lowercased, e.g. "attachment"; null when absent
    BodyParameters dispositionParameters;
    QList<QByteArray> language;
    QByteArray location;

    /// Multipart: the parts. message/rfc822 (and message/global): exactly one element, the
    /// encapsulated message's body. Otherwise empty.
    std::vector<BodyPart> children;
    /// message/rfc822 (and message/global): the encapsulated message's envelope.
    std::shared_ptr<const Envelope> envelope;

    /// Section path for BODY[...] (RFC 9051 section 6.4.5): "1", "2.1", … The top-level
    /// multipart has "" (its parts are "1", "2", …); a non-multipart message body is "1".
    /// An encapsulated message's multipart body shares the number of its message/rfc822 part.
    QByteArray partNumber;

    [[nodiscard]] bool isMultipart() const { return type == "multipart"; }
    [[nodiscard]] bool isMessage() const;
    [[nodiscard]] QByteArray mimeType() const { return type + '/' + subtype; }
    /// Value of a Content-Type parameter (name given lowercase), null when absent.
    [[nodiscard]] QByteArray parameter(QByteArrayView name) const;
    /// Raw file name: disposition "filename", else Content-Type "name"; null when none.
    [[nodiscard]] QByteArray rawFileName() const;
};

/// Sets BodyPart::partNumber throughout a tree that is the body of a whole message.
void assignPartNumbers(BodyPart& root);

/// An attachment found in a body structure.
struct Attachment
{
    QByteArray partNumber;
    QByteArray rawFileName; ///< raw bytes, see BodyPart::rawFileName()
    QByteArray mimeType;    ///< "type/subtype", lowercased
    QByteArray encoding;
    quint64 size = 0;
};

/// Leaf parts a reader would call attachments: every leaf that is not the preferred text part
/// and is either marked `attachment`, carries a file name, or is neither text nor inline.
/// An attached message (message/rfc822) is one attachment; its inner parts are not listed.
/// Limitation: file names stay raw (RFC 2231 / RFC 2047 not decoded) — MIME decoding belongs
/// to the MIME layer, which sees the part headers.
[[nodiscard]] QList<Attachment> attachments(const BodyPart& root);

/// The part to show as the message text: text/plain preferred, else text/html, never a part
/// marked as attachment; inside multipart/alternative the plain alternative wins.
/// nullptr when the message has no text part.
[[nodiscard]] const BodyPart* preferredTextPart(const BodyPart& root);

} // namespace Latchmail::Imap
