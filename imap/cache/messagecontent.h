// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/bodystructure.h"
#include "imap/cache/cachetypes.h"

#include <QStringList>

#include <optional>

namespace Latchmail {
class MessageCache;
}

namespace Latchmail::Imap {

/// An attachment of a cached message, for display.
struct AttachmentInfo
{
    QString part;     ///< section number, e.g. "2"
    QString fileName; ///< RFC 2231 / RFC 2047 decoded; may be empty
    QString mimeType;
    qint64 size = 0; ///< encoded size as the server reported it
};

/// What the cache holds to show one message offline: its metadata, its attachments (from the
/// stored BODYSTRUCTURE), and its text once the sections in textSections() are cached.
struct MessageContent
{
    CachedMessage message;
    QList<AttachmentInfo> attachments;
    QStringList textSections; ///< sections the text needs (RFC 9051 6.4.5)
    bool textAvailable = false;
    QString text; ///< decoded text (text/plain, or text/html reduced to text)
};

/// The sections to fetch to show a message's text: the preferred text part (text/plain over
/// text/html) with its MIME header ("n.MIME"), or HEADER and TEXT for a single-part message.
/// Empty when the message has no text part.
[[nodiscard]] QStringList textSectionsOf(const BodyPart& root);

/// The displayed file name of a part: Content-Disposition filename, else Content-Type name,
/// decoded by GMime (RFC 2231 continuations and charsets, RFC 2047 words).
[[nodiscard]] QString attachmentFileName(const BodyPart& part);

/// Reads one message from the cache; nothing (and `error` set) when it is not cached.
[[nodiscard]] std::optional<MessageContent>
loadMessageContent(const MessageCache& cache, const QString& mailbox, quint32 uid, QString* error);

} // namespace Latchmail::Imap
