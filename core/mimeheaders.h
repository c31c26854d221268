// SPDX-License-Identifier: GPL-3.0-or-later
// Reads RFC 5322 header blocks that come from the network (untrusted input) through GMime.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace Latchmail {

/// One mailbox of an address list (RFC 5322 3.4): the decoded display name and the addr-spec.
struct MimeAddress
{
    QString name;    // decoded from RFC 2047 encoded-words; may be empty
    QString address; // local-part@domain

    /// "Name <address>" or just the address.
    [[nodiscard]] QString toDisplayString() const;

    friend bool operator==(const MimeAddress&, const MimeAddress&) = default;
};

/// The header fields a mail client shows or threads by (RFC 5322 3.6), decoded.
struct MimeHeaders
{
    QString subject; // RFC 2047 decoded
    QList<MimeAddress> from;
    QList<MimeAddress> sender;
    QList<MimeAddress> replyTo;
    QList<MimeAddress> to;
    QList<MimeAddress> cc;
    QList<MimeAddress> bcc;
    QDateTime date;         // invalid when absent or unreadable
    QString messageId;      // without angle brackets
    QString inReplyTo;      // the first msg-id of In-Reply-To, without angle brackets
    QStringList references; // msg-ids of References, oldest first, without angle brackets
};

/// One header field as it appeared, unfolded (RFC 5322 2.2.3) with runs of whitespace collapsed
/// to one space.
struct MimeHeaderField
{
    QByteArray name;
    QByteArray value;
};

/// Reads the fields of a bare header block (e.g. an IMAP BODY[HEADER] fetch or the returned
/// headers of a delivery report); a body after the first empty line is ignored.
[[nodiscard]] MimeHeaders parseMimeHeaderBlock(QByteArrayView headerBlock);

/// Every field of a header block in order, unfolded; GMime does the field splitting.
/// At most `maxFields` fields are returned.
[[nodiscard]] QList<MimeHeaderField> splitHeaderFields(QByteArrayView headerBlock,
                                                       qsizetype maxFields = 1000);

/// Parses an RFC 5322 3.3 date-time (tolerating the obsolete forms GMime accepts). Returns an
/// invalid QDateTime when the text is not a date.
[[nodiscard]] QDateTime parseMimeDate(QByteArrayView text);

/// Builds the References of a reply (RFC 5322 3.6.4): the original's References (or, lacking
/// those, its In-Reply-To) followed by the original's Message-ID.
[[nodiscard]] QStringList replyReferences(const MimeHeaders& original);

} // namespace Latchmail
