// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/sequenceset.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace Latchmail::Imap {

/// What the server allows in how arguments are sent, from its capabilities.
struct CommandOptions
{
    bool literalPlus = false;  ///< RFC 7888 LITERAL+: every literal may be non-synchronising
    bool literalMinus = false; ///< RFC 7888 LITERAL- (and IMAP4rev2): up to 4096 bytes
    bool binary = false;       ///< RFC 3516 BINARY: APPEND may send literal8 `~{n}`
    bool utf8 = false;         ///< RFC 6855 UTF8=ACCEPT enabled: 8-bit in quoted strings
    bool saslIr = false;       ///< RFC 4959 SASL-IR: initial response on the AUTHENTICATE line
};

/// One piece of a command as sent on the wire.
struct CommandPart
{
    QByteArray bytes;
    /// Send only after the server's continuation request ("+"): the previous part ended with a
    /// synchronising literal announcement, or this is a SASL response.
    bool waitForContinuation = false;
    bool isLiteralData = false; ///< bytes are literal data (logs summarise them as a count)
};

/// A complete command: parts in order, the first carrying the tag, the last ending in CRLF.
/// No I/O happens here; the session sends the parts, waiting where a part asks for it, and
/// gives up on the command if the tagged response arrives instead of "+".
struct Command
{
    QByteArray tag;
    QByteArray name; ///< e.g. "UID FETCH"
    QList<CommandPart> parts;
    QString error; ///< set when an argument cannot be sent (e.g. NUL byte); never send it then

    [[nodiscard]] bool isValid() const { return error.isEmpty(); }
    [[nodiscard]] bool needsContinuation() const;
    /// All parts joined, as they appear on the wire once every continuation arrived.
    [[nodiscard]] QByteArray wireBytes() const;
};

/// Command tags "A0001", "A0002", … (RFC 9051 section 2.2.1), unique per connection.
class TagGenerator
{
public:
    [[nodiscard]] QByteArray next();

private:
    quint32 m_counter = 0;
};

/// Builds a command argument by argument; each argument is preceded by one space.
class CommandBuilder
{
public:
    CommandBuilder(QByteArray tag, QByteArrayView name, CommandOptions options = {});

    /// Appends a token verbatim (keywords, numbers, sequence sets, built lists).
    CommandBuilder& token(QByteArrayView token);
    /// astring (RFC 9051 section 9): atom when possible, else quoted string when safe, else
    /// literal (8-bit data without UTF-8 mode, CR, LF, or very long values).
    CommandBuilder& astring(QByteArrayView value);
    /// string: quoted when safe, else literal.
    CommandBuilder& string(QByteArrayView value);
    /// Message data for APPEND: literal, or literal8 when it holds NUL and BINARY is allowed.
    CommandBuilder& messageLiteral(const QByteArray& data);
    [[nodiscard]] Command build();

private:
    void appendLiteral(const QByteArray& data, bool literal8);

    Command m_command;
    CommandOptions m_options;
    QByteArray m_line;
};

/// Whether value can be sent as an atom (RFC 9051 ASTRING-CHAR, non-empty).
[[nodiscard]] bool isAstringAtom(QByteArrayView value);

/// Mailbox options for SELECT / EXAMINE (RFC 7162).
struct SelectOptions
{
    bool condStore = false;
    struct QResync
    {
        quint32 uidValidity = 0;
        quint64 modSeq = 0;
        SequenceSet knownUids; ///< may be empty
    };
    std::optional<QResync> qresync;
};

/// STORE modes (RFC 9051 section 6.4.6).
enum class StoreMode { Replace, Add, Remove };

/// Builders for the commands the session uses. Mailbox arguments are wire names (see
/// mailboxNameToWire(), or ListData::rawName); they are quoted as astrings here.
namespace Commands {
[[nodiscard]] Command capability(const QByteArray& tag);
[[nodiscard]] Command startTls(const QByteArray& tag);
[[nodiscard]] Command noop(const QByteArray& tag);
[[nodiscard]] Command logout(const QByteArray& tag);
[[nodiscard]] Command namespaces(const QByteArray& tag);
/// LOGIN (RFC 9051 section 6.2.3); only after LOGINDISABLED is absent and TLS is up.
[[nodiscard]] Command login(const QByteArray& tag, QByteArrayView user, QByteArrayView password,
                            const CommandOptions& options);
/// AUTHENTICATE PLAIN (RFC 4616): initial response inline with SASL-IR, else as a second
/// part after the server's "+".
[[nodiscard]] Command authenticatePlain(const QByteArray& tag, QByteArrayView user,
                                        QByteArrayView password, const CommandOptions& options,
                                        QByteArrayView authzid = {});
[[nodiscard]] Command enable(const QByteArray& tag, const QList<QByteArray>& capabilities);
[[nodiscard]] Command select(const QByteArray& tag, QByteArrayView mailbox,
                             const SelectOptions& select, const CommandOptions& options);
[[nodiscard]] Command examine(const QByteArray& tag, QByteArrayView mailbox,
                              const SelectOptions& select, const CommandOptions& options);
/// LIST reference pattern [RETURN (SPECIAL-USE [STATUS (items)])] (RFC 5258, RFC 6154, 5819).
[[nodiscard]] Command list(const QByteArray& tag, QByteArrayView reference, QByteArrayView pattern,
                           bool specialUse, const QList<QByteArray>& statusItems,
                           const CommandOptions& options);
[[nodiscard]] Command status(const QByteArray& tag, QByteArrayView mailbox,
                             const QList<QByteArray>& items, const CommandOptions& options);
/// UID FETCH set (items) [(CHANGEDSINCE n [VANISHED])] (RFC 7162 section 3.1.4, 3.2.6).
[[nodiscard]] Command uidFetch(const QByteArray& tag, const SequenceSet& uids,
                               const QList<QByteArray>& items,
                               std::optional<quint64> changedSince = {}, bool vanished = false);
/// UID STORE set [(UNCHANGEDSINCE n)] [+|-]FLAGS[.SILENT] (flags).
[[nodiscard]] Command uidStore(const QByteArray& tag, const SequenceSet& uids, StoreMode mode,
                               const QList<QByteArray>& flags, bool silent = true,
                               std::optional<quint64> unchangedSince = {});
[[nodiscard]] Command uidCopy(const QByteArray& tag, const SequenceSet& uids,
                              QByteArrayView mailbox, const CommandOptions& options);
/// UID MOVE (RFC 6851).
[[nodiscard]] Command uidMove(const QByteArray& tag, const SequenceSet& uids,
                              QByteArrayView mailbox, const CommandOptions& options);
/// UID EXPUNGE (RFC 4315).
[[nodiscard]] Command uidExpunge(const QByteArray& tag, const SequenceSet& uids);
/// APPEND mailbox [(flags)] [date-time] literal (RFC 9051 section 6.3.12).
[[nodiscard]] Command append(const QByteArray& tag, QByteArrayView mailbox,
                             const QList<QByteArray>& flags,
                             const std::optional<QDateTime>& internalDate,
                             const QByteArray& message, const CommandOptions& options);
/// IDLE (RFC 2177); end it with idleDone().
[[nodiscard]] Command idle(const QByteArray& tag);
/// The untagged "DONE" line that ends IDLE.
[[nodiscard]] QByteArray idleDone();
/// date-time for APPEND: "dd-Mon-yyyy hh:mm:ss +hhmm" (quoted by the caller).
[[nodiscard]] QByteArray formatDateTime(const QDateTime& dateTime);
} // namespace Commands

} // namespace Latchmail::Imap
