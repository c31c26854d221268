// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>

namespace Latchmail::Imap {

/// One `address` of an ENVELOPE (RFC 9051 section 7.5.2). Fields are the server's raw bytes:
/// RFC 2047 encoded words are NOT decoded here. NIL is a null QByteArray, "" an empty but
/// non-null one; the distinction carries the RFC 5322 group syntax.
struct Address
{
    QByteArray name;
    QByteArray adl;
    QByteArray mailbox;
    QByteArray host;

    /// Start of a group: host NIL, mailbox holds the group name.
    [[nodiscard]] bool isGroupStart() const { return host.isNull() && !mailbox.isNull(); }
    /// End of a group: host and mailbox both NIL.
    [[nodiscard]] bool isGroupEnd() const { return host.isNull() && mailbox.isNull(); }
    /// "mailbox@host", or just mailbox when the host is empty.
    [[nodiscard]] QByteArray addrSpec() const;
};

/// The ENVELOPE structure (RFC 9051 section 7.5.2), raw bytes, nothing decoded.
struct Envelope
{
    QByteArray date;
    QByteArray subject;
    QList<Address> from;
    QList<Address> sender;
    QList<Address> replyTo;
    QList<Address> to;
    QList<Address> cc;
    QList<Address> bcc;
    QByteArray inReplyTo;
    QByteArray messageId;
};

} // namespace Latchmail::Imap
