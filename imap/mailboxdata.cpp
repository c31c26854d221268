// SPDX-License-Identifier: GPL-3.0-or-later
// Parses untrusted input: untagged server data other than FETCH and status responses
// (RFC 9051 section 7.2–7.4, RFC 4731 ESEARCH, RFC 7162 VANISHED, RFC 2971 ID, RFC 2342).
#include "imap/mailboxname.h"
#include "imap/responsegrammar.h"

namespace Latchmail::Imap::Detail {

namespace {

constexpr quint64 maxModSeq = 0x7fffffffffffffffULL;

using Result = std::optional<Response>;

// Fails with "expected what" unless a more precise error was already recorded.
bool fails(ResponseReader& r, const char* what)
{
    if (!r.failed()) {
        r.fail(what);
    }
    return false;
}

Result failure(ResponseReader& r, const char* what)
{
    fails(r, what);
    return std::nullopt;
}

std::optional<QList<QByteArray>> atomList(ResponseReader& r, const char* what)
{
    QList<QByteArray> atoms;
    while (r.skipSpaces(), !r.atEnd()) {
        const auto atom = r.atom(what);
        if (!atom) {
            return std::nullopt;
        }
        atoms.append(atom->toUpper());
    }
    return atoms;
}

// A mailbox name: "INBOX" in any case means INBOX (RFC 9051 section 5.1).
struct DecodedName
{
    QString name;
    bool valid = true;
};

DecodedName decodeName(const QByteArray& raw, bool utf8Names)
{
    if (raw.compare("INBOX", Qt::CaseInsensitive) == 0) {
        return {QStringLiteral("INBOX"), true};
    }
    if (auto decoded = mailboxNameFromWire(raw, utf8Names)) {
        return {*decoded, true};
    }
    return {QString::fromUtf8(raw), false};
}

std::optional<char> delimiter(ResponseReader& r, const char* what)
{
    if (r.consumeKeyword("NIL")) {
        return std::optional<char>();
    }
    const auto text = r.string(what);
    if (text && text->size() == 1) {
        return text->front();
    }
    if (text) {
        r.failWith(ParseError::Kind::Syntax, QStringLiteral("hierarchy delimiter must be one "
                                                            "character"));
    }
    return std::nullopt;
}

bool stringList(ResponseReader& r, QList<QByteArray>& out, const char* what)
{
    if (!r.enterList(what)) {
        return false;
    }
    while (!r.atEnd() && r.peek() != ')') {
        const auto item = r.astring(what);
        if (!item) {
            return false;
        }
        out.append(*item);
        r.skipSpaces();
    }
    return r.leaveList(what);
}

// mbox-list-extended (RFC 9051 section 9): ("CHILDINFO" ("SUBSCRIBED") "OLDNAME" ("old"))
bool listExtended(ResponseReader& r, ListData& data)
{
    if (!r.enterList("'(' of LIST extended data")) {
        return false;
    }
    while (!r.atEnd() && r.peek() != ')') {
        const auto tag = r.astring("LIST extended item tag");
        if (!tag || !r.expectSpace("space after LIST extended item tag")) {
            return false;
        }
        QList<QByteArray> values;
        const QByteArray upper = tag->toUpper();
        const bool known = upper == "CHILDINFO" || upper == "OLDNAME";
        if (known ? !stringList(r, values, "LIST extended item values")
                  : !r.skipValue("LIST extended item value")) {
            return false;
        }
        for (const QByteArray& v : values) {
            if (upper == "CHILDINFO") {
                data.childInfo.append(v.toUpper());
            } else {
                data.rawOldName = v;
            }
        }
        r.skipSpaces();
    }
    return r.leaveList("')' closing LIST extended data");
}

Result list(ResponseReader& r, bool lsub, bool utf8Names)
{
    ListData data;
    data.isLsub = lsub;
    r.skipSpaces();
    auto flags = r.flagList("mailbox flag list");
    if (!flags || !r.expectSpace("space after mailbox flags")) {
        return std::nullopt;
    }
    data.flags = *flags;
    const auto delim = delimiter(r, "hierarchy delimiter or NIL");
    if (r.failed() || !r.expectSpace("space after hierarchy delimiter")) {
        return std::nullopt;
    }
    data.delimiter = delim;
    const auto name = r.astring("mailbox name");
    if (!name) {
        return std::nullopt;
    }
    data.rawName = *name;
    const DecodedName decoded = decodeName(*name, utf8Names);
    data.name = decoded.name;
    data.nameValid = decoded.valid;
    if (r.skipSpaces() && r.peek() == '(' && !listExtended(r, data)) {
        return std::nullopt;
    }
    return r.expectEnd("end of LIST response") ? Result(std::move(data)) : std::nullopt;
}

std::optional<quint64>* statusField(StatusData& data, const QByteArray& name)
{
    if (name == "MESSAGES") {
        return &data.messages;
    }
    if (name == "RECENT") {
        return &data.recent;
    }
    if (name == "UIDNEXT") {
        return &data.uidNext;
    }
    if (name == "UIDVALIDITY") {
        return &data.uidValidity;
    }
    if (name == "UNSEEN") {
        return &data.unseen;
    }
    if (name == "DELETED") {
        return &data.deleted;
    }
    if (name == "SIZE") {
        return &data.size;
    }
    return name == "HIGHESTMODSEQ" ? &data.highestModSeq : nullptr;
}

bool statusItems(ResponseReader& r, StatusData& data)
{
    if (!r.enterList("'(' of STATUS attributes")) {
        return false;
    }
    while (!r.atEnd() && r.peek() != ')') {
        const auto name = r.atom("STATUS attribute name");
        if (!name || !r.expectSpace("space after STATUS attribute")) {
            return false;
        }
        std::optional<quint64>* field = statusField(data, name->toUpper());
        if (field) {
            *field = r.number("STATUS attribute value", maxModSeq);
            if (!field->has_value()) {
                return false;
            }
        } else if (!r.skipValue("STATUS attribute value")) {
            return false;
        }
        r.skipSpaces();
    }
    return r.leaveList("')' closing STATUS attributes");
}

Result status(ResponseReader& r, bool utf8Names)
{
    StatusData data;
    r.skipSpaces();
    const auto name = r.astring("mailbox name in STATUS");
    if (!name || !r.expectSpace("space after mailbox name in STATUS")) {
        return std::nullopt;
    }
    data.rawName = *name;
    const DecodedName decoded = decodeName(*name, utf8Names);
    data.name = decoded.name;
    data.nameValid = decoded.valid;
    if (!statusItems(r, data)) {
        return std::nullopt;
    }
    return r.expectEnd("end of STATUS response") ? Result(std::move(data)) : std::nullopt;
}

Result flags(ResponseReader& r)
{
    r.skipSpaces();
    auto list = r.flagList("flag list of FLAGS");
    if (!list || !r.expectEnd("end of FLAGS response")) {
        return std::nullopt;
    }
    return FlagsData{*list};
}

// SEARCH numbers, optionally ending in "(MODSEQ n)" (RFC 7162 section 3.1.5).
Result search(ResponseReader& r)
{
    SearchData data;
    while (r.skipSpaces(), !r.atEnd()) {
        if (r.peek() == '(') {
            if (!r.enterList("'(' of MODSEQ") || !r.consumeKeyword("MODSEQ") ||
                !r.expectSpace("space after MODSEQ")) {
                return failure(r, "MODSEQ in SEARCH");
            }
            data.modSeq = r.number("MODSEQ value", maxModSeq);
            if (!data.modSeq || !r.leaveList("')' after MODSEQ value")) {
                return std::nullopt;
            }
            continue;
        }
        const auto n = r.nzNumber("message number in SEARCH");
        if (!n) {
            return std::nullopt;
        }
        data.numbers.append(*n);
    }
    return data;
}

bool esearchCorrelator(ResponseReader& r, ESearchData& data)
{
    if (!r.enterList("'(' of search correlator") || !r.consumeKeyword("TAG")) {
        return fails(r, "TAG in search correlator");
    }
    if (!r.expectSpace("space after TAG")) {
        return false;
    }
    const auto tag = r.string("tag string in search correlator");
    data.tag = tag.value_or(QByteArray());
    return tag && r.leaveList("')' closing search correlator");
}

bool esearchItem(ResponseReader& r, ESearchData& data, const QByteArray& name)
{
    if (name == "MIN" || name == "MAX") {
        auto n = r.nzNumber("MIN/MAX value");
        (name == "MIN" ? data.min : data.max) = n;
        return n.has_value();
    }
    if (name == "COUNT" || name == "MODSEQ") {
        auto n = r.number("COUNT/MODSEQ value", maxModSeq);
        (name == "COUNT" ? data.count : data.modSeq) = n;
        return n.has_value();
    }
    if (name == "ALL") {
        data.all = r.sequenceSet("sequence-set of ALL");
        return data.all.has_value();
    }
    return r.skipValue("ESEARCH return data value");
}

Result esearch(ResponseReader& r)
{
    ESearchData data;
    r.skipSpaces();
    if (r.peek() == '(' && !esearchCorrelator(r, data)) {
        return std::nullopt;
    }
    while (r.skipSpaces(), !r.atEnd()) {
        const auto name = r.atom("ESEARCH return data name");
        if (!name) {
            return std::nullopt;
        }
        const QByteArray upper = name->toUpper();
        if (upper == "UID") {
            data.uid = true;
            continue;
        }
        if (!r.expectSpace("space after ESEARCH return data name") ||
            !esearchItem(r, data, upper)) {
            return std::nullopt;
        }
    }
    return data;
}

Result vanished(ResponseReader& r)
{
    VanishedData data;
    r.skipSpaces();
    if (r.peek() == '(') {
        if (!r.enterList("'(' of (EARLIER)") || !r.consumeKeyword("EARLIER") ||
            !r.leaveList("')' after EARLIER")) {
            return failure(r, "EARLIER");
        }
        data.earlier = true;
        if (!r.expectSpace("space after (EARLIER)")) {
            return std::nullopt;
        }
    }
    const auto set = r.sequenceSet("uid-set of VANISHED");
    if (!set) {
        return std::nullopt;
    }
    data.uids = *set;
    return r.expectEnd("end of VANISHED response") ? Result(std::move(data)) : std::nullopt;
}

Result id(ResponseReader& r)
{
    IdData data;
    r.skipSpaces();
    if (r.consumeKeyword("NIL")) {
        return r.expectEnd("end of ID response") ? Result(std::move(data)) : std::nullopt;
    }
    if (!r.enterList("'(' or NIL in ID response")) {
        return std::nullopt;
    }
    while (!r.atEnd() && r.peek() != ')') {
        const auto field = r.string("ID field name");
        const auto value = field && r.expectSpace("space after ID field name")
                               ? r.nstring("ID field value")
                               : std::nullopt;
        if (!value) {
            return std::nullopt;
        }
        data.fields.append({*field, *value});
        r.skipSpaces();
    }
    return r.leaveList("')' closing ID list") && r.expectEnd("end of ID response")
               ? Result(std::move(data))
               : std::nullopt;
}

bool namespaceList(ResponseReader& r, QList<NamespaceDescription>& out)
{
    if (r.consumeKeyword("NIL")) {
        return true;
    }
    if (!r.enterList("'(' or NIL of namespace list")) {
        return false;
    }
    while (!r.atEnd() && r.peek() != ')') {
        NamespaceDescription description;
        const auto prefix = r.enterList("'(' of namespace description")
                                ? r.string("namespace prefix")
                                : std::nullopt;
        if (!prefix || !r.expectSpace("space after namespace prefix")) {
            return false;
        }
        description.prefix = *prefix;
        const auto delim = delimiter(r, "namespace delimiter or NIL");
        if (r.failed()) {
            return false;
        }
        description.delimiter = delim;
        while (r.skipSpaces(), !r.atEnd() && r.peek() != ')') {
            if (!r.skipValue("namespace extension")) {
                return false;
            }
        }
        if (!r.leaveList("')' closing namespace description")) {
            return false;
        }
        out.append(description);
        r.skipSpaces();
    }
    return r.leaveList("')' closing namespace list");
}

Result namespaces(ResponseReader& r)
{
    NamespaceData data;
    for (auto* list : {&data.personal, &data.otherUsers, &data.shared}) {
        if (!r.expectSpace("space before namespace list") || !namespaceList(r, *list)) {
            return std::nullopt;
        }
    }
    return r.expectEnd("end of NAMESPACE response") ? Result(std::move(data)) : std::nullopt;
}

} // namespace

std::optional<Response> parseMailboxData(ResponseReader& r, const QByteArray& name,
                                         bool utf8MailboxNames)
{
    if (name == "CAPABILITY" || name == "ENABLED") {
        auto atoms = atomList(r, "capability name");
        if (!atoms) {
            return std::nullopt;
        }
        return name == "ENABLED" ? Result(EnabledData{*atoms}) : Result(CapabilityData{*atoms});
    }
    if (name == "LIST" || name == "LSUB") {
        return list(r, name == "LSUB", utf8MailboxNames);
    }
    if (name == "STATUS") {
        return status(r, utf8MailboxNames);
    }
    if (name == "FLAGS") {
        return flags(r);
    }
    if (name == "SEARCH") {
        return search(r);
    }
    if (name == "ESEARCH") {
        return esearch(r);
    }
    if (name == "VANISHED") {
        return vanished(r);
    }
    if (name == "ID") {
        return id(r);
    }
    if (name == "NAMESPACE") {
        return namespaces(r);
    }
    r.skipSpaces();
    return UnknownData{name, std::nullopt, r.restOfLine()};
}

} // namespace Latchmail::Imap::Detail
