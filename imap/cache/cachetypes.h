// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace Latchmail {

/// One mailbox as the cache knows it: what LIST said (RFC 3501 7.2.2, RFC 6154 special use) and
/// the synchronisation state of the last completed sync (RFC 3501 2.3.1.1, RFC 7162 3.1.1).
struct CachedMailbox
{
    QString name;           // decoded from modified UTF-7 (RFC 3501 5.1.3)
    QString delimiter;      // hierarchy delimiter; empty when the server has none
    QStringList attributes; // name attributes, e.g. "\\HasNoChildren"
    QString specialUse;     // "\\Sent", "\\Drafts", … (RFC 6154); empty when none
    quint32 uidValidity = 0;
    quint32 uidNext = 0;
    quint64 highestModSeq = 0; // 0: the server has no CONDSTORE for this mailbox
    QDateTime lastSync;        // when the last complete sync finished; invalid when never

    friend bool operator==(const CachedMailbox&, const CachedMailbox&) = default;
};

/// One message's metadata: what a header sync fetched (RFC 3501 7.4.2), with the envelope both
/// decoded for display and kept raw, so it can be decoded again by a later version.
struct CachedMessage
{
    quint32 uid = 0;
    QStringList flags;
    QString subject; // RFC 2047 decoded
    QString from;    // display form, "Name <addr>", comma separated
    QString to;
    QString cc;
    QDateTime date; // the envelope date; invalid when missing or unparseable
    QString messageId;
    QString inReplyTo;
    QByteArray envelopeRaw; // the ENVELOPE as it arrived
    QDateTime internalDate;
    qint64 size = 0;          // RFC822.SIZE
    QByteArray bodyStructure; // serialised BODYSTRUCTURE
    quint64 modSeq = 0;       // RFC 7162; 0 when unknown

    friend bool operator==(const CachedMessage&, const CachedMessage&) = default;
};

/// What a message list shows of one message: CachedMessage without the stored ENVELOPE and
/// BODYSTRUCTURE, which only opening the message needs.
struct MessageSummary
{
    quint32 uid = 0;
    QStringList flags;
    QString subject;
    QString from;
    QString to;
    QString cc;
    QDateTime date;
    QString messageId;
    QDateTime internalDate;
    qint64 size = 0;
};

/// A flag change learnt from FETCH FLAGS (RFC 3501 7.4.2) or a CONDSTORE resync (RFC 7162 3.1.4).
struct FlagUpdate
{
    quint32 uid = 0;
    QStringList flags;
    quint64 modSeq = 0;
};

/// Where a fetched body part lives: small parts in the database, large ones in a file beside it.
struct CachedPart
{
    QString section; // IMAP section spec (RFC 3501 6.4.5); empty for the whole message
    qint64 size = 0;
    QByteArray bytes; // empty when stored in a file
    QString filePath; // absolute path when stored in a file

    [[nodiscard]] bool isFile() const { return !filePath.isEmpty(); }
};

} // namespace Latchmail
