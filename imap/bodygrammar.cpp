// SPDX-License-Identifier: GPL-3.0-or-later
// Parses untrusted input: BODYSTRUCTURE and BODY (RFC 9051 section 7.5.2 and section 9,
// `body`). Nesting is bounded by the reader's depth limit, which also bounds the recursion.
#include "imap/responsegrammar.h"

namespace Latchmail::Imap::Detail {

namespace {

// A string field where some servers send NIL although the grammar wants a string.
bool tolerantString(ResponseReader& r, QByteArray& out, const char* what)
{
    r.skipSpaces();
    auto value = r.nstring(what);
    out = value.value_or(QByteArray());
    return value.has_value();
}

bool tolerantNumber(ResponseReader& r, quint64& out, const char* what)
{
    r.skipSpaces();
    if (r.consumeKeyword("NIL")) {
        return true;
    }
    const auto n = r.number(what, 0x7fffffffffffffffULL);
    out = n.value_or(0);
    return n.has_value();
}

// body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
bool parameters(ResponseReader& r, BodyParameters& out)
{
    r.skipSpaces();
    if (r.consumeKeyword("NIL")) {
        return true;
    }
    if (!r.enterList("'(' or NIL for body parameters")) {
        return false;
    }
    while (!r.atEnd() && r.peek() != ')') {
        const auto name = r.string("body parameter name");
        if (!name || !r.expectSpace("space after body parameter name")) {
            return false;
        }
        const auto value = r.nstring("body parameter value");
        if (!value) {
            return false;
        }
        out.append({name->toLower(), *value});
        r.skipSpaces();
    }
    return r.leaveList("')' closing body parameters");
}

// body-fld-dsp = "(" string SP body-fld-param ")" / nil; a bare string is tolerated.
bool disposition(ResponseReader& r, BodyPart& part)
{
    r.skipSpaces();
    if (r.consumeKeyword("NIL")) {
        return true;
    }
    if (r.peek() != '(') {
        const auto bare = r.string("body disposition");
        part.disposition = bare.value_or(QByteArray()).toLower();
        return bare.has_value();
    }
    if (!r.enterList("'(' of body disposition")) {
        return false;
    }
    const auto type = r.string("body disposition type");
    if (!type) {
        return false;
    }
    part.disposition = type->toLower();
    return parameters(r, part.dispositionParameters) && r.leaveList("')' closing body disposition");
}

// body-fld-lang = nstring / "(" string *(SP string) ")"
bool language(ResponseReader& r, BodyPart& part)
{
    r.skipSpaces();
    if (r.peek() != '(') {
        const auto lang = r.nstring("body language");
        if (lang && !lang->isNull()) {
            part.language.append(*lang);
        }
        return lang.has_value();
    }
    if (!r.enterList("'(' of body languages")) {
        return false;
    }
    while (!r.atEnd() && r.peek() != ')') {
        const auto lang = r.string("body language");
        if (!lang) {
            return false;
        }
        part.language.append(*lang);
        r.skipSpaces();
    }
    return r.leaveList("')' closing body languages");
}

// The optional tail shared by both extension kinds: [dsp [lang [loc *extension]]].
bool extensionTail(ResponseReader& r, BodyPart& part)
{
    int step = 0;
    while (r.skipSpaces(), !r.atEnd() && r.peek() != ')') {
        bool ok = false;
        switch (step++) {
        case 0:
            ok = disposition(r, part);
            break;
        case 1:
            ok = language(r, part);
            break;
        case 2:
            ok = tolerantString(r, part.location, "body location");
            break;
        default:
            ok = r.skipValue("body extension");
            break;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool multipart(ResponseReader& r, BodyPart& part)
{
    part.type = "multipart";
    while (r.peek() == '(') {
        auto child = parseBody(r);
        if (!child) {
            return false;
        }
        part.children.push_back(std::move(*child));
        r.skipSpaces();
    }
    if (!tolerantString(r, part.subtype, "multipart subtype")) {
        return false;
    }
    part.subtype = part.subtype.toLower();
    r.skipSpaces();
    if (r.atEnd() || r.peek() == ')') {
        return true;
    }
    return parameters(r, part.parameters) && extensionTail(r, part);
}

// body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP octets
bool bodyFields(ResponseReader& r, BodyPart& part)
{
    if (!parameters(r, part.parameters) || !tolerantString(r, part.id, "body id") ||
        !tolerantString(r, part.description, "body description") ||
        !tolerantString(r, part.encoding, "body encoding") ||
        !tolerantNumber(r, part.size, "body size")) {
        return false;
    }
    part.encoding = part.encoding.toLower();
    return true;
}

bool encapsulatedMessage(ResponseReader& r, BodyPart& part)
{
    auto envelope = parseEnvelope(r);
    if (!envelope || !r.expectSpace("space after encapsulated envelope")) {
        return false;
    }
    part.envelope = std::make_shared<const Envelope>(std::move(*envelope));
    auto body = parseBody(r);
    if (!body) {
        return false;
    }
    part.children.push_back(std::move(*body));
    return tolerantNumber(r, part.lines, "body lines");
}

bool singlePart(ResponseReader& r, BodyPart& part)
{
    if (!tolerantString(r, part.type, "body type") ||
        !tolerantString(r, part.subtype, "body subtype") || !bodyFields(r, part)) {
        return false;
    }
    part.type = part.type.toLower();
    part.subtype = part.subtype.toLower();
    r.skipSpaces();
    // Servers that do not parse an attached message send it as a basic part: no envelope.
    if (part.isMessage() && r.peek() == '(') {
        if (!encapsulatedMessage(r, part)) {
            return false;
        }
    } else if (part.type == "text" && !r.atEnd() && r.peek() != ')') {
        if (!tolerantNumber(r, part.lines, "body lines")) {
            return false;
        }
    }
    r.skipSpaces();
    if (r.atEnd() || r.peek() == ')') {
        return true;
    }
    return tolerantString(r, part.md5, "body MD5") && extensionTail(r, part);
}

} // namespace

std::optional<BodyPart> parseBody(ResponseReader& r)
{
    if (!r.enterList("'(' of body structure")) {
        return std::nullopt;
    }
    BodyPart part;
    const bool ok = r.peek() == '(' ? multipart(r, part) : singlePart(r, part);
    if (!ok || !r.leaveList("')' closing body structure")) {
        return std::nullopt;
    }
    return part;
}

} // namespace Latchmail::Imap::Detail
