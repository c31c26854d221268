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

// One request being answered, with what the handlers need.
struct Exchange
{
    FakeImapServer& server;
    FakeImapConnection& connection;
    const ImapRequest& request;
    QList<QByteArray> args;
    FakeMailbox* box; // the selected mailbox, if any

    void reply(const QByteArray& text) { connection.sendLine(request.tag + ' ' + text); }
};

QByteArray mailboxName(const QByteArray& argument)
{
    return argument.toUpper() == "INBOX" ? QByteArray("INBOX") : argument;
}

void capability(Exchange& x)
{
    const FakeImapServer::Script& script = x.server.script;
    x.connection.sendLine("* CAPABILITY " + (x.connection.isEncrypted()
                                                 ? script.postTlsCapabilities
                                                 : script.preTlsCapabilities));
    x.reply("OK CAPABILITY completed");
}

void startTls(Exchange& x)
{
    if (x.connection.isEncrypted()) {
        x.reply("BAD TLS already active");
        return;
    }
    x.reply("OK Begin TLS");
    x.connection.startTls();
}

void login(Exchange& x)
{
    const bool ok =
        x.args.value(0) == x.server.script.userName && x.args.value(1) == x.server.script.password;
    x.connection.authenticated = ok;
    x.reply(ok ? "OK Logged in" : "NO [AUTHENTICATIONFAILED] Authentication failed.");
}

void enable(Exchange& x)
{
    if (x.server.script.postTlsCapabilities.contains("QRESYNC")) {
        x.connection.sendLine("* ENABLED QRESYNC");
    }
    x.reply("OK Enabled");
}

void list(Exchange& x)
{
    for (auto it = x.server.mailboxes.cbegin(); it != x.server.mailboxes.cend(); ++it) {
        const QByteArray use = it->specialUse.isEmpty() ? QByteArray() : ' ' + it->specialUse;
        x.connection.sendLine("* LIST (\\HasNoChildren" + use + ") \"/\" " + quoted(it.key()));
    }
    x.reply("OK List completed");
}

void select(Exchange& x)
{
    const QByteArray name = mailboxName(x.args.value(0));
    if (!x.server.mailboxes.contains(name)) {
        x.connection.selected.clear();
        x.reply("NO [NONEXISTENT] Mailbox doesn't exist");
        return;
    }
    x.connection.selected = name;
    const FakeMailbox& mailbox = x.server.mailboxes[name];
    x.connection.sendLine("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
    x.connection.sendLine("* " + QByteArray::number(mailbox.messages.size()) + " EXISTS");
    x.connection.sendLine("* OK [UIDVALIDITY " + QByteArray::number(mailbox.uidValidity) +
                          "] UIDs valid");
    x.connection.sendLine("* OK [UIDNEXT " + QByteArray::number(mailbox.uidNext) +
                          "] Predicted next UID");
    x.reply("OK [READ-WRITE] Select completed");
}

void search(Exchange& x)
{
    QList<quint32> uids;
    for (const FakeMessage& message : x.box->messages) {
        uids.append(message.uid);
    }
    if (x.args.value(0).toUpper() == "RETURN") {
        const QByteArray set = Imap::SequenceSet::fromNumbers(uids).toWire();
        x.connection.sendLine("* ESEARCH (TAG \"" + x.request.tag + "\") UID" +
                              (set.isEmpty() ? QByteArray() : " ALL " + set));
    } else {
        QByteArray line = "* SEARCH";
        for (quint32 uid : uids) {
            line += ' ' + QByteArray::number(uid);
        }
        x.connection.sendLine(line);
    }
    x.reply("OK Search completed");
}

void fetch(Exchange& x)
{
    const QList<QByteArray> items = tokens(inner(x.args.value(1)));
    for (const FakeMessage* message : inSet(*x.box, x.args.value(0))) {
        const qsizetype sequence = message - x.box->messages.constData() + 1;
        x.connection.sendLine("* " + QByteArray::number(sequence) + " FETCH (" +
                              fetchItems(*message, items) + ')');
    }
    x.reply("OK Fetch completed");
}

void applyStore(FakeMessage& message, const QByteArray& mode, const QList<QByteArray>& flags)
{
    if (mode.startsWith('+')) {
        for (const QByteArray& flag : flags) {
            if (!message.flags.contains(flag)) {
                message.flags.append(flag);
            }
        }
    } else if (mode.startsWith('-')) {
        for (const QByteArray& flag : flags) {
            message.flags.removeAll(flag);
        }
    } else {
        message.flags = flags;
    }
    message.flags.removeAll(QByteArray());
}

void store(Exchange& x)
{
    const QByteArray mode = x.args.value(1).toUpper();
    const QList<QByteArray> flags = inner(x.args.value(2)).split(' ');
    const quint64 modSeq = nextModSeq(*x.box);
    const QList<const FakeMessage*> chosen = inSet(*x.box, x.args.value(0));
    for (FakeMessage& message : x.box->messages) {
        if (chosen.contains(&message)) {
            applyStore(message, mode, flags);
            message.modSeq = modSeq;
        }
    }
    x.reply("OK Store completed");
}

void copyOrMove(Exchange& x)
{
    const QByteArray target = mailboxName(x.args.value(1));
    if (!x.server.mailboxes.contains(target)) {
        x.reply("NO [TRYCREATE] Mailbox doesn't exist");
        return;
    }
    FakeMailbox& to = x.server.mailboxes[target];
    QList<quint32> source;
    QList<quint32> destination;
    for (const FakeMessage* message : inSet(*x.box, x.args.value(0))) {
        source.append(message->uid);
        destination.append(to.uidNext);
        to.add(message->raw, message->flags);
    }
    const QByteArray copyUid = "[COPYUID " + QByteArray::number(to.uidValidity) + ' ' +
                               Imap::SequenceSet::fromNumbers(source).toWire() + ' ' +
                               Imap::SequenceSet::fromNumbers(destination).toWire() + "] ";
    if (x.request.name == "UID COPY") {
        x.reply("OK " + copyUid + "Copy completed");
        return;
    }
    x.connection.sendLine("* OK " + copyUid + "Moved");
    for (qsizetype i = x.box->messages.size() - 1; i >= 0; --i) {
        if (source.contains(x.box->messages[i].uid)) {
            x.box->messages.removeAt(i);
            x.connection.sendLine("* " + QByteArray::number(i + 1) + " EXPUNGE");
        }
    }
    x.reply("OK Move completed");
}

void expunge(Exchange& x)
{
    const std::optional<Imap::SequenceSet> set = Imap::SequenceSet::parse(x.args.value(0));
    for (qsizetype i = x.box->messages.size() - 1; i >= 0; --i) {
        const FakeMessage& message = x.box->messages[i];
        const bool chosen =
            x.request.name == "EXPUNGE" || (set && set->contains(message.uid, x.box->uidNext));
        if (chosen && message.flags.contains("\\Deleted")) {
            x.box->messages.removeAt(i);
            x.connection.sendLine("* " + QByteArray::number(i + 1) + " EXPUNGE");
        }
    }
    x.reply("OK Expunge completed");
}

// APPEND mailbox [(flags)] ["date"] literal; the literal data is inlined in the arguments.
void append(Exchange& x)
{
    const QByteArray name = mailboxName(x.args.value(0));
    if (!x.server.mailboxes.contains(name)) {
        x.reply("NO [TRYCREATE] Mailbox doesn't exist");
        return;
    }
    QList<QByteArray> flags;
    QByteArray rest = x.request.arguments.mid(x.request.arguments.indexOf(' ') + 1);
    if (rest.startsWith('(')) {
        flags = inner(rest.left(rest.indexOf(')') + 1)).split(' ');
        flags.removeAll(QByteArray());
        rest = rest.mid(rest.indexOf(')') + 2);
    }
    if (rest.startsWith('"')) {
        rest = rest.mid(rest.indexOf('"', 1) + 2);
    }
    FakeMailbox& mailbox = x.server.mailboxes[name];
    const quint32 uid = mailbox.uidNext;
    mailbox.add(rest, flags);
    x.reply("OK [APPENDUID " + QByteArray::number(mailbox.uidValidity) + ' ' +
            QByteArray::number(uid) + "] Append completed");
}

void authenticate(Exchange& x)
{
    x.connection.authenticateTag = x.request.tag;
    if (x.args.size() > 1) {
        x.server.handleSaslResponse(x.connection, x.args.value(1));
    } else {
        x.connection.sendLine("+ ");
    }
}

void idle(Exchange& x)
{
    x.connection.idleTag = x.request.tag;
    x.connection.sendLine("+ idling");
}

void noop(Exchange& x)
{
    x.reply("OK NOOP completed");
}

void close(Exchange& x)
{
    x.connection.selected.clear();
    x.reply("OK Closed");
}

void logout(Exchange& x)
{
    x.connection.sendLine("* BYE Logging out");
    x.reply("OK Logout completed");
    x.connection.close();
}

struct Handler
{
    void (*run)(Exchange&);
    bool needsMailbox;
};

const QHash<QByteArray, Handler>& handlers()
{
    static const QHash<QByteArray, Handler> table = {
        {"CAPABILITY", {capability, false}},
        {"STARTTLS", {startTls, false}},
        {"LOGIN", {login, false}},
        {"AUTHENTICATE", {authenticate, false}},
        {"ENABLE", {enable, false}},
        {"LIST", {list, false}},
        {"SELECT", {select, false}},
        {"EXAMINE", {select, false}},
        {"UID SEARCH", {search, true}},
        {"UID FETCH", {fetch, true}},
        {"UID STORE", {store, true}},
        {"UID COPY", {copyOrMove, true}},
        {"UID MOVE", {copyOrMove, true}},
        {"UID EXPUNGE", {expunge, true}},
        {"EXPUNGE", {expunge, true}},
        {"APPEND", {append, false}},
        {"IDLE", {idle, false}},
        {"NOOP", {noop, false}},
        {"CHECK", {noop, false}},
        {"CLOSE", {close, false}},
        {"UNSELECT", {close, false}},
        {"LOGOUT", {logout, false}},
    };
    return table;
}

} // namespace

void FakeImapServer::respond(FakeImapConnection& connection, const ImapRequest& request)
{
    FakeMailbox* box =
        mailboxes.contains(connection.selected) ? &mailboxes[connection.selected] : nullptr;
    Exchange exchange{*this, connection, request, tokens(request.arguments), box};
    const auto handler = handlers().constFind(request.name);
    if (handler == handlers().constEnd() || (handler->needsMailbox && !box)) {
        exchange.reply("BAD Unknown command or wrong state");
        return;
    }
    handler->run(exchange);
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
