// SPDX-License-Identifier: GPL-3.0-or-later
// The default behaviour of the scripted IMAP server: a small, well-behaved IMAP4rev1 server
// over in-memory mailboxes. Tests intercept single commands to misbehave.
#include "fakeimapserver.h"

#include "imap/sequenceset.h"

#include <QDateTime>
#include <QRegularExpression>

namespace Latchmail::Test {

namespace {

// Splits IMAP arguments into atoms (brackets kept whole), unescaped quoted strings and
// parenthesised groups (returned with their parentheses).
QList<QByteArray> tokens(const QByteArray& text)
{
    QList<QByteArray> result;
    qsizetype i = 0;
    while (i < text.size()) {
        if (text[i] == ' ') {
            ++i;
            continue;
        }
        QByteArray token;
        if (text[i] == '"') {
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\' && i + 1 < text.size()) {
                    ++i;
                }
                token += text[i];
            }
            ++i;
        } else if (text[i] == '(') {
            int depth = 0;
            do {
                depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
                token += text[i++];
            } while (i < text.size() && depth > 0);
        } else {
            int brackets = 0;
            while (i < text.size() && (brackets > 0 || (text[i] != ' ' && text[i] != ')'))) {
                brackets += text[i] == '[' ? 1 : text[i] == ']' ? -1 : 0;
                token += text[i++];
            }
        }
        result.append(token);
    }
    return result;
}

QByteArray inner(const QByteArray& group)
{
    return group.startsWith('(') && group.endsWith(')') ? group.mid(1, group.size() - 2) : group;
}

QByteArray quoted(const QByteArray& value)
{
    if (value.isNull()) {
        return "NIL";
    }
    if (value.contains('\r') || value.contains('\n') || value.contains('"')) {
        return '{' + QByteArray::number(value.size()) + "}\r\n" + value;
    }
    return '"' + value + '"';
}

QByteArray headerValue(const QByteArray& raw, const QByteArray& name)
{
    const qsizetype end = raw.indexOf("\r\n\r\n");
    for (const QByteArray& line : raw.left(end).split('\n')) {
        if (line.toLower().startsWith(QByteArray(name.toLower() + ':'))) {
            return line.mid(name.size() + 1).trimmed();
        }
    }
    return {};
}

QByteArray addressList(const QByteArray& value)
{
    if (value.isEmpty()) {
        return "NIL";
    }
    static const QRegularExpression form(QStringLiteral("^(.*?)\\s*<([^@>]+)@([^>]+)>$"));
    const QRegularExpressionMatch match = form.match(QString::fromUtf8(value));
    if (match.hasMatch()) {
        const QByteArray name = match.captured(1).trimmed().remove(QLatin1Char('"')).toUtf8();
        return "((" + (name.isEmpty() ? QByteArray("NIL") : quoted(name)) + " NIL " +
               quoted(match.captured(2).toUtf8()) + ' ' + quoted(match.captured(3).toUtf8()) + "))";
    }
    const QList<QByteArray> parts = value.split('@');
    return "((NIL NIL " + quoted(parts.value(0)) + ' ' + quoted(parts.value(1)) + "))";
}

QByteArray envelope(const QByteArray& raw)
{
    const QByteArray from = addressList(headerValue(raw, "From"));
    return '(' + quoted(headerValue(raw, "Date")) + ' ' + quoted(headerValue(raw, "Subject")) +
           ' ' + from + ' ' + from + ' ' + from + ' ' + addressList(headerValue(raw, "To")) +
           " NIL NIL NIL " + quoted(headerValue(raw, "Message-ID")) + ')';
}

QByteArray body(const QByteArray& raw)
{
    const qsizetype end = raw.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : raw.mid(end + 4);
}

QByteArray bodyStructure(const QByteArray& raw)
{
    const QByteArray text = body(raw);
    return "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" " +
           QByteArray::number(text.size()) + ' ' + QByteArray::number(text.count('\n')) +
           " NIL NIL NIL NIL)";
}

QByteArray section(const QByteArray& raw, const QByteArray& name)
{
    if (name.isEmpty()) {
        return raw;
    }
    if (name == "HEADER") {
        const qsizetype end = raw.indexOf("\r\n\r\n");
        return end < 0 ? raw : raw.left(end + 4);
    }
    return body(raw);
}

QByteArray fetchItems(const FakeMessage& message, const QList<QByteArray>& items)
{
    QByteArray out = "UID " + QByteArray::number(message.uid);
    for (const QByteArray& item : items) {
        const QByteArray upper = item.toUpper();
        if (upper == "FLAGS") {
            out += " FLAGS (" + message.flags.join(' ') + ')';
        } else if (upper == "RFC822.SIZE") {
            out += " RFC822.SIZE " + QByteArray::number(message.raw.size());
        } else if (upper == "INTERNALDATE") {
            out += " INTERNALDATE \"01-Mar-2024 12:00:00 +0000\"";
        } else if (upper == "ENVELOPE") {
            out += " ENVELOPE " + envelope(message.raw);
        } else if (upper == "BODYSTRUCTURE") {
            out += " BODYSTRUCTURE " + bodyStructure(message.raw);
        } else if (upper == "MODSEQ") {
            out += " MODSEQ (" + QByteArray::number(message.modSeq) + ')';
        } else if (upper.startsWith("BODY")) {
            const QByteArray name = upper.mid(upper.indexOf('[') + 1).chopped(1);
            const QByteArray data = section(message.raw, name);
            out += " BODY[" + name + "] {" + QByteArray::number(data.size()) + "}\r\n" + data;
        }
    }
    return out;
}

QList<const FakeMessage*> inSet(const FakeMailbox& mailbox, const QByteArray& setText)
{
    QList<const FakeMessage*> result;
    const std::optional<Imap::SequenceSet> set = Imap::SequenceSet::parse(setText);
    const quint32 largest = mailbox.messages.isEmpty() ? 0 : mailbox.messages.last().uid;
    for (const FakeMessage& message : mailbox.messages) {
        if (set && set->contains(message.uid, largest)) {
            result.append(&message);
        }
    }
    return result;
}

quint64 nextModSeq(FakeMailbox& mailbox)
{
    quint64 highest = 1;
    for (const FakeMessage& message : mailbox.messages) {
        highest = qMax(highest, message.modSeq);
    }
    return highest + 1;
}

} // namespace

void FakeImapServer::respond(FakeImapConnection& connection, const ImapRequest& request)
{
    const QByteArray& tag = request.tag;
    const QList<QByteArray> args = tokens(request.arguments);
    const bool secure = connection.isEncrypted();
    FakeMailbox* box =
        mailboxes.contains(connection.selected) ? &mailboxes[connection.selected] : nullptr;

    if (request.name == "CAPABILITY") {
        connection.sendLine("* CAPABILITY " +
                            (secure ? script.postTlsCapabilities : script.preTlsCapabilities));
        connection.sendLine(tag + " OK CAPABILITY completed");
    } else if (request.name == "STARTTLS") {
        connection.sendLine(tag + (secure ? " BAD TLS already active" : " OK Begin TLS"));
        if (!secure) {
            connection.startTls();
        }
    } else if (request.name == "LOGIN") {
        const bool ok = args.value(0) == script.userName && args.value(1) == script.password;
        connection.authenticated = ok;
        connection.sendLine(
            tag + (ok ? " OK Logged in" : " NO [AUTHENTICATIONFAILED] Authentication failed."));
    } else if (request.name == "AUTHENTICATE") {
        connection.authenticateTag = tag;
        if (args.size() > 1) {
            handleSaslResponse(connection, args.value(1));
        } else {
            connection.sendLine("+ ");
        }
    } else if (request.name == "ENABLE") {
        if (script.postTlsCapabilities.contains("QRESYNC")) {
            connection.sendLine("* ENABLED QRESYNC");
        }
        connection.sendLine(tag + " OK Enabled");
    } else if (request.name == "LIST") {
        for (auto it = mailboxes.cbegin(); it != mailboxes.cend(); ++it) {
            connection.sendLine("* LIST (\\HasNoChildren" +
                                (it->specialUse.isEmpty() ? QByteArray() : ' ' + it->specialUse) +
                                ") \"/\" " + quoted(it.key()));
        }
        connection.sendLine(tag + " OK List completed");
    } else if (request.name == "SELECT" || request.name == "EXAMINE") {
        const QByteArray name = args.value(0).toUpper() == "INBOX" ? "INBOX" : args.value(0);
        if (!mailboxes.contains(name)) {
            connection.selected.clear();
            connection.sendLine(tag + " NO [NONEXISTENT] Mailbox doesn't exist");
            return;
        }
        connection.selected = name;
        const FakeMailbox& mailbox = mailboxes[name];
        connection.sendLine("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
        connection.sendLine("* " + QByteArray::number(mailbox.messages.size()) + " EXISTS");
        connection.sendLine("* OK [UIDVALIDITY " + QByteArray::number(mailbox.uidValidity) +
                            "] UIDs valid");
        connection.sendLine("* OK [UIDNEXT " + QByteArray::number(mailbox.uidNext) +
                            "] Predicted next UID");
        connection.sendLine(tag + " OK [READ-WRITE] Select completed");
    } else if (request.name == "UID SEARCH" && box) {
        QList<quint32> uids;
        for (const FakeMessage& message : box->messages) {
            uids.append(message.uid);
        }
        if (args.value(0).toUpper() == "RETURN") {
            const QByteArray set = Imap::SequenceSet::fromNumbers(uids).toWire();
            connection.sendLine("* ESEARCH (TAG \"" + tag + "\") UID" +
                                (set.isEmpty() ? QByteArray() : " ALL " + set));
        } else {
            QByteArray line = "* SEARCH";
            for (quint32 uid : uids) {
                line += ' ' + QByteArray::number(uid);
            }
            connection.sendLine(line);
        }
        connection.sendLine(tag + " OK Search completed");
    } else if (request.name == "UID FETCH" && box) {
        const QList<QByteArray> items = tokens(inner(args.value(1)));
        for (const FakeMessage* message : inSet(*box, args.value(0))) {
            const qsizetype sequence = message - box->messages.constData() + 1;
            connection.sendLine("* " + QByteArray::number(sequence) + " FETCH (" +
                                fetchItems(*message, items) + ')');
        }
        connection.sendLine(tag + " OK Fetch completed");
    } else if (request.name == "UID STORE" && box) {
        const QByteArray mode = args.value(1).toUpper();
        const QList<QByteArray> flags = inner(args.value(2)).split(' ');
        const quint64 modSeq = nextModSeq(*box);
        for (FakeMessage& message : box->messages) {
            if (!inSet(*box, args.value(0)).contains(&message)) {
                continue;
            }
            if (mode.startsWith("+")) {
                for (const QByteArray& flag : flags) {
                    if (!message.flags.contains(flag)) {
                        message.flags.append(flag);
                    }
                }
            } else if (mode.startsWith("-")) {
                for (const QByteArray& flag : flags) {
                    message.flags.removeAll(flag);
                }
            } else {
                message.flags = flags;
            }
            message.flags.removeAll(QByteArray());
            message.modSeq = modSeq;
        }
        connection.sendLine(tag + " OK Store completed");
    } else if ((request.name == "UID COPY" || request.name == "UID MOVE") && box) {
        const QByteArray target = args.value(1);
        if (!mailboxes.contains(target)) {
            connection.sendLine(tag + " NO [TRYCREATE] Mailbox doesn't exist");
            return;
        }
        QList<quint32> source;
        QList<quint32> destination;
        const QList<const FakeMessage*> moving = inSet(*box, args.value(0));
        for (const FakeMessage* message : moving) {
            FakeMailbox& to = mailboxes[target];
            source.append(message->uid);
            destination.append(to.uidNext);
            to.add(message->raw, message->flags);
        }
        const QByteArray copyUid = "[COPYUID " + QByteArray::number(mailboxes[target].uidValidity) +
                                   ' ' + Imap::SequenceSet::fromNumbers(source).toWire() + ' ' +
                                   Imap::SequenceSet::fromNumbers(destination).toWire() + "] ";
        if (request.name == "UID MOVE") {
            connection.sendLine("* OK " + copyUid + "Moved");
            for (qsizetype i = box->messages.size() - 1; i >= 0; --i) {
                if (source.contains(box->messages[i].uid)) {
                    box->messages.removeAt(i);
                    connection.sendLine("* " + QByteArray::number(i + 1) + " EXPUNGE");
                }
            }
            connection.sendLine(tag + " OK Move completed");
        } else {
            connection.sendLine(tag + " OK " + copyUid + "Copy completed");
        }
    } else if ((request.name == "UID EXPUNGE" || request.name == "EXPUNGE") && box) {
        const std::optional<Imap::SequenceSet> set = Imap::SequenceSet::parse(args.value(0));
        for (qsizetype i = box->messages.size() - 1; i >= 0; --i) {
            const FakeMessage& message = box->messages[i];
            const bool selectedUid =
                request.name == "EXPUNGE" || (set && set->contains(message.uid, box->uidNext));
            if (selectedUid && message.flags.contains("\\Deleted")) {
                box->messages.removeAt(i);
                connection.sendLine("* " + QByteArray::number(i + 1) + " EXPUNGE");
            }
        }
        connection.sendLine(tag + " OK Expunge completed");
    } else if (request.name == "APPEND") {
        const QByteArray name = args.value(0).toUpper() == "INBOX" ? "INBOX" : args.value(0);
        if (!mailboxes.contains(name)) {
            connection.sendLine(tag + " NO [TRYCREATE] Mailbox doesn't exist");
            return;
        }
        QList<QByteArray> flags;
        qsizetype index = 1;
        if (args.value(index).startsWith('(')) {
            flags = inner(args.value(index++)).split(' ');
            flags.removeAll(QByteArray());
        }
        QByteArray afterMailbox = request.arguments.mid(request.arguments.indexOf(' ') + 1);
        if (afterMailbox.startsWith('(')) {
            afterMailbox = afterMailbox.mid(afterMailbox.indexOf(')') + 2);
        }
        if (afterMailbox.startsWith('"')) {
            afterMailbox = afterMailbox.mid(afterMailbox.indexOf('"', 1) + 2);
        }
        FakeMailbox& mailbox = mailboxes[name];
        const quint32 uid = mailbox.uidNext;
        mailbox.add(afterMailbox, flags);
        connection.sendLine(tag + " OK [APPENDUID " + QByteArray::number(mailbox.uidValidity) +
                            ' ' + QByteArray::number(uid) + "] Append completed");
    } else if (request.name == "IDLE") {
        connection.idleTag = tag;
        connection.sendLine("+ idling");
    } else if (request.name == "NOOP" || request.name == "CHECK") {
        connection.sendLine(tag + " OK NOOP completed");
    } else if (request.name == "CLOSE" || request.name == "UNSELECT") {
        connection.selected.clear();
        connection.sendLine(tag + " OK Closed");
    } else if (request.name == "LOGOUT") {
        connection.sendLine("* BYE Logging out");
        connection.sendLine(tag + " OK Logout completed");
        connection.close();
    } else {
        connection.sendLine(tag + " BAD Unknown command or wrong state");
    }
}

void FakeImapServer::handleSaslResponse(FakeImapConnection& connection, const QByteArray& line)
{
    const QByteArray tag = std::exchange(connection.authenticateTag, QByteArray());
    if (line == "*") {
        connection.sendLine(tag + " BAD Authentication cancelled");
        return;
    }
    const QList<QByteArray> fields = QByteArray::fromBase64(line).split('\0');
    const bool ok =
        fields.size() == 3 && fields[1] == script.userName && fields[2] == script.password;
    connection.authenticated = ok;
    connection.sendLine(tag +
                        (ok ? " OK [CAPABILITY " + script.postTlsCapabilities + "] Logged in"
                            : QByteArray(" NO [AUTHENTICATIONFAILED] Authentication failed.")));
}

void FakeImapServer::handleIdleLine(FakeImapConnection& connection, const QByteArray& line)
{
    const QByteArray tag = std::exchange(connection.idleTag, QByteArray());
    connection.sendLine(tag +
                        (line.toUpper() == "DONE" ? " OK Idle completed" : " BAD Expected DONE"));
}

} // namespace Latchmail::Test
