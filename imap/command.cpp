// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/command.h"

#include "imap/responsereader.h"

#include <algorithm>

namespace Latchmail::Imap {

namespace {

constexpr qsizetype literalMinusLimit = 4096; // RFC 7888 section 5
constexpr qsizetype maxQuotedLength = 1024;   // longer values go as literals

// A quoted string may carry any CHAR except CR, LF and NUL; 8-bit only in UTF-8 mode.
bool quotable(QByteArrayView value, bool utf8)
{
    if (value.size() > maxQuotedLength) {
        return false;
    }
    return std::none_of(value.begin(), value.end(), [utf8](char c) {
        return c == '\r' || c == '\n' || c == '\0' || (!utf8 && uchar(c) >= 0x80);
    });
}

QByteArray quote(QByteArrayView value)
{
    QByteArray out;
    out.reserve(value.size() + 2);
    out += '"';
    for (char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

QByteArray joinList(const QList<QByteArray>& items)
{
    return '(' + items.join(' ') + ')';
}

bool validFlag(const QByteArray& flag)
{
    const QByteArrayView body = flag.startsWith('\\') ? QByteArrayView(flag).sliced(1) : flag;
    return !body.isEmpty() &&
           std::all_of(body.begin(), body.end(), [](char c) { return Detail::isAtomChar(c); });
}

Command simple(const QByteArray& tag, QByteArrayView name)
{
    return CommandBuilder(tag, name).build();
}

QByteArray storeItem(StoreMode mode, bool silent)
{
    const QByteArray prefix = mode == StoreMode::Add      ? QByteArray("+")
                              : mode == StoreMode::Remove ? QByteArray("-")
                                                          : QByteArray();
    return prefix + (silent ? "FLAGS.SILENT" : "FLAGS");
}

QByteArray selectParameters(const SelectOptions& select)
{
    if (select.qresync) {
        const auto& q = *select.qresync;
        QByteArray inner = QByteArray::number(q.uidValidity) + ' ' + QByteArray::number(q.modSeq);
        if (!q.knownUids.isEmpty()) {
            inner += ' ' + q.knownUids.toWire();
        }
        return "(QRESYNC (" + inner + "))";
    }
    return select.condStore ? QByteArray("(CONDSTORE)") : QByteArray();
}

Command selectLike(const QByteArray& tag, QByteArrayView verb, QByteArrayView mailbox,
                   const SelectOptions& select, const CommandOptions& options)
{
    CommandBuilder b(tag, verb, options);
    b.astring(mailbox);
    const QByteArray parameters = selectParameters(select);
    if (!parameters.isEmpty()) {
        b.token(parameters);
    }
    return b.build();
}

Command uidToMailbox(const QByteArray& tag, QByteArrayView verb, const SequenceSet& uids,
                     QByteArrayView mailbox, const CommandOptions& options)
{
    return CommandBuilder(tag, verb, options).token(uids.toWire()).astring(mailbox).build();
}

} // namespace

bool Command::needsContinuation() const
{
    return std::any_of(parts.begin(), parts.end(),
                       [](const CommandPart& p) { return p.waitForContinuation; });
}

QByteArray Command::wireBytes() const
{
    QByteArray out;
    for (const CommandPart& part : parts) {
        out += part.bytes;
    }
    return out;
}

QByteArray TagGenerator::next()
{
    return 'A' + QByteArray::number(++m_counter).rightJustified(4, '0');
}

bool isAstringAtom(QByteArrayView value)
{
    return !value.isEmpty() && std::all_of(value.begin(), value.end(), [](char c) {
        return uchar(c) < 0x80 && (Detail::isAtomChar(c) || c == ']');
    });
}

CommandBuilder::CommandBuilder(QByteArray tag, QByteArrayView name, CommandOptions options)
    : m_options(options)
{
    m_command.tag = tag;
    m_command.name = name.toByteArray();
    m_line = tag + ' ' + m_command.name;
}

CommandBuilder& CommandBuilder::token(QByteArrayView token)
{
    m_line += ' ';
    m_line += token;
    return *this;
}

CommandBuilder& CommandBuilder::astring(QByteArrayView value)
{
    if (isAstringAtom(value)) {
        return token(value);
    }
    return string(value);
}

CommandBuilder& CommandBuilder::string(QByteArrayView value)
{
    if (quotable(value, m_options.utf8)) {
        return token(quote(value));
    }
    if (value.contains('\0')) {
        m_command.error = QStringLiteral("%1: an argument contains a NUL byte, which IMAP "
                                         "strings cannot carry")
                              .arg(QString::fromLatin1(m_command.name));
        return *this;
    }
    appendLiteral(value.toByteArray(), false);
    return *this;
}

CommandBuilder& CommandBuilder::messageLiteral(const QByteArray& data)
{
    const bool hasNul = data.contains('\0');
    if (hasNul && !m_options.binary) {
        m_command.error = QStringLiteral("%1: the message contains NUL bytes and the server "
                                         "does not support BINARY")
                              .arg(QString::fromLatin1(m_command.name));
        return *this;
    }
    appendLiteral(data, hasNul);
    return *this;
}

// Sends "{n}" (then waits for "+") or "{n+}" when LITERAL+/LITERAL- allow it (RFC 7888).
void CommandBuilder::appendLiteral(const QByteArray& data, bool literal8)
{
    const bool nonSync =
        m_options.literalPlus || (m_options.literalMinus && data.size() <= literalMinusLimit);
    m_line += ' ';
    if (literal8) {
        m_line += '~';
    }
    m_line += '{' + QByteArray::number(data.size()) + (nonSync ? "+}\r\n" : "}\r\n");
    m_command.parts.append(CommandPart{m_line, false, false});
    m_command.parts.append(CommandPart{data, !nonSync, true});
    m_line.clear();
}

Command CommandBuilder::build()
{
    m_line += "\r\n";
    m_command.parts.append(CommandPart{m_line, false, false});
    m_line.clear();

    // Merge adjacent parts that need no wait, so simple commands are a single write.
    QList<CommandPart> merged;
    for (const CommandPart& part : std::as_const(m_command.parts)) {
        if (!merged.isEmpty() && !part.waitForContinuation && !part.isLiteralData &&
            !merged.back().isLiteralData) {
            merged.back().bytes += part.bytes;
        } else {
            merged.append(part);
        }
    }
    m_command.parts = merged;
    return m_command;
}

namespace Commands {

Command capability(const QByteArray& tag)
{
    return simple(tag, "CAPABILITY");
}

Command startTls(const QByteArray& tag)
{
    return simple(tag, "STARTTLS");
}

Command noop(const QByteArray& tag)
{
    return simple(tag, "NOOP");
}

Command logout(const QByteArray& tag)
{
    return simple(tag, "LOGOUT");
}

Command namespaces(const QByteArray& tag)
{
    return simple(tag, "NAMESPACE");
}

Command login(const QByteArray& tag, QByteArrayView user, QByteArrayView password,
              const CommandOptions& options)
{
    return CommandBuilder(tag, "LOGIN", options).astring(user).astring(password).build();
}

Command authenticatePlain(const QByteArray& tag, QByteArrayView user, QByteArrayView password,
                          const CommandOptions& options, QByteArrayView authzid)
{
    const QByteArray message =
        authzid.toByteArray() + '\0' + user.toByteArray() + '\0' + password.toByteArray();
    // RFC 4959: an empty initial response is sent as "=".
    const QByteArray response = message.isEmpty() ? QByteArray("=") : message.toBase64();
    CommandBuilder b(tag, "AUTHENTICATE", options);
    b.token("PLAIN");
    if (options.saslIr) {
        return b.token(response).build();
    }
    Command command = b.build();
    command.parts.append(CommandPart{response + "\r\n", true, false});
    return command;
}

Command enable(const QByteArray& tag, const QList<QByteArray>& capabilities)
{
    CommandBuilder b(tag, "ENABLE");
    for (const QByteArray& capability : capabilities) {
        b.token(capability);
    }
    return b.build();
}

Command select(const QByteArray& tag, QByteArrayView mailbox, const SelectOptions& select,
               const CommandOptions& options)
{
    return selectLike(tag, "SELECT", mailbox, select, options);
}

Command examine(const QByteArray& tag, QByteArrayView mailbox, const SelectOptions& select,
                const CommandOptions& options)
{
    return selectLike(tag, "EXAMINE", mailbox, select, options);
}

Command list(const QByteArray& tag, QByteArrayView reference, QByteArrayView pattern,
             bool specialUse, const QList<QByteArray>& statusItems, const CommandOptions& options)
{
    CommandBuilder b(tag, "LIST", options);
    b.string(reference).string(pattern);
    QList<QByteArray> returns;
    if (specialUse) {
        returns.append("SPECIAL-USE");
    }
    if (!statusItems.isEmpty()) {
        returns.append(QByteArray("STATUS " + joinList(statusItems)));
    }
    if (!returns.isEmpty()) {
        b.token(QByteArray("RETURN " + joinList(returns)));
    }
    return b.build();
}

Command status(const QByteArray& tag, QByteArrayView mailbox, const QList<QByteArray>& items,
               const CommandOptions& options)
{
    return CommandBuilder(tag, "STATUS", options).astring(mailbox).token(joinList(items)).build();
}

Command uidFetch(const QByteArray& tag, const SequenceSet& uids, const QList<QByteArray>& items,
                 std::optional<quint64> changedSince, bool vanished)
{
    CommandBuilder b(tag, "UID FETCH");
    b.token(uids.toWire()).token(joinList(items));
    if (changedSince) {
        b.token(QByteArray("(CHANGEDSINCE " + QByteArray::number(*changedSince) +
                           (vanished ? " VANISHED)" : ")")));
    }
    return b.build();
}

Command uidStore(const QByteArray& tag, const SequenceSet& uids, StoreMode mode,
                 const QList<QByteArray>& flags, bool silent, std::optional<quint64> unchangedSince)
{
    CommandBuilder b(tag, "UID STORE");
    b.token(uids.toWire());
    if (unchangedSince) {
        b.token(QByteArray("(UNCHANGEDSINCE " + QByteArray::number(*unchangedSince) + ')'));
    }
    Command command = b.token(storeItem(mode, silent)).token(joinList(flags)).build();
    if (!std::all_of(flags.begin(), flags.end(), validFlag)) {
        command.error = QStringLiteral("UID STORE: a flag is not a valid IMAP atom");
    }
    return command;
}

Command uidCopy(const QByteArray& tag, const SequenceSet& uids, QByteArrayView mailbox,
                const CommandOptions& options)
{
    return uidToMailbox(tag, "UID COPY", uids, mailbox, options);
}

Command uidMove(const QByteArray& tag, const SequenceSet& uids, QByteArrayView mailbox,
                const CommandOptions& options)
{
    return uidToMailbox(tag, "UID MOVE", uids, mailbox, options);
}

Command uidExpunge(const QByteArray& tag, const SequenceSet& uids)
{
    return CommandBuilder(tag, "UID EXPUNGE").token(uids.toWire()).build();
}

Command append(const QByteArray& tag, QByteArrayView mailbox, const QList<QByteArray>& flags,
               const std::optional<QDateTime>& internalDate, const QByteArray& message,
               const CommandOptions& options)
{
    CommandBuilder b(tag, "APPEND", options);
    b.astring(mailbox);
    if (!flags.isEmpty()) {
        b.token(joinList(flags));
    }
    if (internalDate) {
        b.token(QByteArray('"' + formatDateTime(*internalDate) + '"'));
    }
    Command command = b.messageLiteral(message).build();
    if (command.isValid() && !std::all_of(flags.begin(), flags.end(), validFlag)) {
        command.error = QStringLiteral("APPEND: a flag is not a valid IMAP atom");
    }
    return command;
}

Command idle(const QByteArray& tag)
{
    return simple(tag, "IDLE");
}

QByteArray idleDone()
{
    return "DONE\r\n";
}

QByteArray formatDateTime(const QDateTime& dateTime)
{
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const QDate date = dateTime.date();
    const QTime time = dateTime.time();
    const int offset = dateTime.offsetFromUtc();
    const int absolute = offset < 0 ? -offset : offset;
    const auto two = [](int n) { return QByteArray::number(n).rightJustified(2, '0'); };
    return two(date.day()) + '-' + months[date.month() - 1] + '-' +
           QByteArray::number(date.year()).rightJustified(4, '0') + ' ' + two(time.hour()) + ':' +
           two(time.minute()) + ':' + two(time.second()) + ' ' + (offset < 0 ? '-' : '+') +
           two(absolute / 3600) + two((absolute % 3600) / 60);
}

} // namespace Commands

} // namespace Latchmail::Imap
