// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/mimeheaders.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

class QIODevice;

namespace Latchmail {

/// A file to attach. The content is read while the message is written, never held whole.
struct MimeDraftAttachment
{
    QString filePath; // read from disk; when empty, `data` is attached instead
    QByteArray data;
    QString fileName;    // the name the recipient sees; defaults to the file's own name
    QString contentType; // "type/subtype"; detected from the name and content when empty
};

/// What the user wrote. Bcc recipients receive the message but never appear in it.
struct MimeDraft
{
    MimeAddress from;
    QList<MimeAddress> to;
    QList<MimeAddress> cc;
    QList<MimeAddress> bcc;
    QString subject;
    QString body;           // plain text; any line-break convention
    QString inReplyTo;      // Message-ID of the message answered, without angle brackets
    QStringList references; // RFC 5322 3.6.4, oldest first, without angle brackets
    QList<MimeDraftAttachment> attachments;
    QList<QByteArray> forwardedMessages; // attached whole as message/rfc822 (RFC 2046 5.2.1)
    QDateTime date;                      // the current time when invalid
    QString messageId;                   // generated (unique, with the sender's domain) when empty
};

/// The written message and what its submission needs to know.
struct MimeComposeResult
{
    bool ok = false;
    QString error; // why the message could not be written; empty on success

    QString messageId;              // without angle brackets
    QString envelopeSender;         // the From address, domain in A-labels (RFC 5321 MAIL FROM)
    QStringList envelopeRecipients; // To, Cc and Bcc, each once (RFC 5321 RCPT TO)
    bool needs8BitMime = false;     // content has 8-bit octets (only a forwarded message can)
    bool needsSmtpUtf8 = false;     // an address has a non-ASCII local part (RFC 6531)
    qint64 size = 0;                // octets written
};

/// Writes an RFC 5322 / MIME message for `draft` into `out` in one pass, CRLF line ends: a
/// text/plain; charset=utf-8 body in the lightest transfer encoding that keeps it 7-bit
/// (7bit, quoted-printable or base64), and — with attachments or forwarded messages — a
/// multipart/mixed whose attachments are base64 with RFC 2231 file names. Header text is
/// RFC 2047 encoded where it is not ASCII. Bcc is left out of the header.
[[nodiscard]] MimeComposeResult composeMessage(const MimeDraft& draft, QIODevice* out);

/// Fills the threading fields of a reply (RFC 5322 3.6.4) and prefixes the subject with "Re: "
/// unless it already has one.
void prepareReply(MimeDraft* draft, const MimeHeaders& original);

} // namespace Latchmail
