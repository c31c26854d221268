// SPDX-License-Identifier: GPL-3.0-or-later
// Parses untrusted input: IMAP server responses other than FETCH (RFC 9051 section 7).
#include "imap/responsegrammar.h"

#include "imap/mailboxname.h"

namespace Latchmail::Imap::Detail {

namespace {

constexpr quint64 maxModSeq = 0x7fffffffffffffffULL; // RFC 7162 mod-sequence-value
constexpr quint64 maxNumber = 0xffffffffULL;

// ---- resp-text-code (RFC 9051 section 7.1, RFC 4315, RFC 7162) ----------------------------

bool codeAtoms(ResponseReader& r, QList<QByteArray>& atoms, const char* what)
{
    while (r.skipSpaces(), !r.atEnd() && r.peek() != ']') {
        const auto atom = r.atom(what);
        if (!atom) {
            return false;
        }
        atoms.append(atom->toUpper());
    }
    return true;
}

bool codeBadCharset(ResponseReader& r, ResponseCode& code)
{
    r.skipSpaces();
    if (r.peek() != '(') {
        return true;
    }
    if (!r.enterList("'(' of BADCHARSET list")) {
        return false;
    }
    while (!r.atEnd() && r.peek() != ')') {
        const auto charset = r.astring("charset in BADCHARSET list");
        if (!charset) {
            return false;
        }
        code.atoms.append(*charset);
        r.skipSpaces();
    }
    return r.leaveList("')' closing BADCHARSET list");
}

bool codeNumber(ResponseReader& r, quint64& number, quint64 max)
{
    if (!r.expectSpace("space before the response code's number")) {
        return false;
    }
    const auto n = r.number("number in response code", max);
    number = n.value_or(0);
    return n.has_value();
}

bool codeUidSets(ResponseReader& r, ResponseCode& code, bool copy)
{
    if (!codeNumber(r, code.number, maxNumber) || !r.expectSpace("space before uid-set")) {
        return false;
    }
    auto first = r.sequenceSet("uid-set");
    if (!first) {
        return false;
    }
    if (!copy) {
        code.destinationUids = *first;
        return true;
    }
    code.sourceUids = *first;
    if (!r.expectSpace("space before destination uid-set")) {
        return false;
    }
    auto second = r.sequenceSet("destination uid-set");
    code.destinationUids = second.value_or(SequenceSet());
    return second.has_value();
}

bool codeFlags(ResponseReader& r, ResponseCode& code)
{
    r.skipSpaces();
    auto flags = r.flagList("flag list of PERMANENTFLAGS");
    code.atoms = flags.value_or(QList<QByteArray>());
    return flags.has_value();
}

bool codeModified(ResponseReader& r, ResponseCode& code)
{
    r.skipSpaces();
    auto set = r.sequenceSet("sequence-set of MODIFIED");
    code.sourceUids = set.value_or(SequenceSet());
    return set.has_value();
}

// Codes whose arguments this parser interprets: nothing may follow them but ']'.
bool hasStructuredArguments(ResponseCodeKind kind)
{
    switch (kind) {
    case ResponseCodeKind::Capability:
    case ResponseCodeKind::PermanentFlags:
    case ResponseCodeKind::BadCharset:
    case ResponseCodeKind::UidNext:
    case ResponseCodeKind::UidValidity:
    case ResponseCodeKind::Unseen:
    case ResponseCodeKind::HighestModSeq:
    case ResponseCodeKind::Modified:
    case ResponseCodeKind::AppendUid:
    case ResponseCodeKind::CopyUid:
        return true;
    default:
        return false;
    }
}

bool codeArguments(ResponseReader& r, ResponseCode& code)
{
    switch (code.kind) {
    case ResponseCodeKind::Capability:
        return codeAtoms(r, code.atoms, "capability name in CAPABILITY response code");
    case ResponseCodeKind::PermanentFlags:
        return codeFlags(r, code);
    case ResponseCodeKind::BadCharset:
        return codeBadCharset(r, code);
    case ResponseCodeKind::UidNext:
    case ResponseCodeKind::UidValidity:
    case ResponseCodeKind::Unseen:
        return codeNumber(r, code.number, maxNumber);
    case ResponseCodeKind::HighestModSeq:
        return codeNumber(r, code.number, maxModSeq);
    case ResponseCodeKind::Modified:
        return codeModified(r, code);
    case ResponseCodeKind::AppendUid:
        return codeUidSets(r, code, false);
    case ResponseCodeKind::CopyUid:
        return codeUidSets(r, code, true);
    default:
        return true; // no arguments defined; any present are kept raw
    }
}

std::optional<ResponseCode> responseCode(ResponseReader& r)
{
    const auto name = r.atom("response code name after '['");
    if (!name) {
        return std::nullopt;
    }
    ResponseCode code;
    code.name = name->toUpper();
    code.kind = responseCodeKindFromToken(code.name);

    const qsizetype argumentsStart = r.position();
    if (!codeArguments(r, code)) {
        return std::nullopt;
    }
    if (hasStructuredArguments(code.kind)) {
        r.skipSpaces();
    } else {
        r.takeUntil(']');
    }
    code.rawArguments = r.textFrom(argumentsStart).trimmed();
    if (code.kind == ResponseCodeKind::Referral) {
        code.url = code.rawArguments;
    }
    if (!r.expect(']', "']' closing the response code")) {
        return std::nullopt;
    }
    return code;
}

// resp-text = ["[" resp-text-code "]" SP] text; both parts may be missing in practice.
bool responseText(ResponseReader& r, std::optional<ResponseCode>& code, QByteArray& text)
{
    if (r.atEnd()) {
        return true;
    }
    if (!r.expectSpace("space after status")) {
        return false;
    }
    if (r.consume('[')) {
        code = responseCode(r);
        if (!code) {
            return false;
        }
        r.skipSpaces();
    }
    text = r.restOfLine();
    return true;
}

// ---- top level ------------------------------------------------------------------------------

std::optional<Response> continuation(ResponseReader& r)
{
    r.consume(' ');
    return ContinuationRequest{r.restOfLine()};
}

std::optional<Response> tagged(ResponseReader& r)
{
    const auto tag = r.astringAtom("tag, '*' or '+' at start of response");
    if (!tag) {
        return std::nullopt;
    }
    if (tag->contains('+')) {
        r.failWith(ParseError::Kind::Syntax, QStringLiteral("'+' is not allowed in a tag"));
        return std::nullopt;
    }
    if (!r.expectSpace("space after tag")) {
        return std::nullopt;
    }

    TaggedResponse response;
    response.tag = *tag;
    const qsizetype statusStart = r.position();
    const auto status = statusFromToken(r.atom("status after tag").value_or(QByteArray()));
    if (!status || *status == Status::PreAuth || *status == Status::Bye) {
        if (!r.failed()) {
            r.failWith(ParseError::Kind::Syntax,
                       QStringLiteral("tagged response status must be OK, NO or BAD, found \"%1\"")
                           .arg(QString::fromLatin1(r.textFrom(statusStart).left(32))));
        }
        return std::nullopt;
    }
    response.status = *status;
    if (!responseText(r, response.code, response.text)) {
        return std::nullopt;
    }
    return response;
}

std::optional<Response> untaggedStatus(ResponseReader& r, Status status)
{
    UntaggedStatus response;
    response.status = status;
    if (!responseText(r, response.code, response.text)) {
        return std::nullopt;
    }
    return response;
}

std::optional<Response> unknown(ResponseReader& r, QByteArray name, std::optional<quint32> n)
{
    r.skipSpaces();
    return UnknownData{std::move(name), n, r.restOfLine()};
}

std::optional<Response> numbered(ResponseReader& r, quint32 n)
{
    if (!r.expectSpace("space after message number")) {
        return std::nullopt;
    }
    const auto name = r.atom("response name after message number");
    if (!name) {
        return std::nullopt;
    }
    const QByteArray upper = name->toUpper();
    if (upper == "EXISTS") {
        return r.expectEnd("end of EXISTS") ? std::optional<Response>(ExistsData{n}) : std::nullopt;
    }
    if (upper == "RECENT") {
        return r.expectEnd("end of RECENT") ? std::optional<Response>(RecentData{n}) : std::nullopt;
    }
    if (upper == "EXPUNGE") {
        if (n == 0) {
            r.failWith(ParseError::Kind::Syntax, QStringLiteral("EXPUNGE of message number 0"));
            return std::nullopt;
        }
        return r.expectEnd("end of EXPUNGE") ? std::optional<Response>(ExpungeData{n})
                                             : std::nullopt;
    }
    if (upper == "FETCH") {
        if (n == 0) {
            r.failWith(ParseError::Kind::Syntax, QStringLiteral("FETCH of message number 0"));
            return std::nullopt;
        }
        if (!r.expectSpace("space after FETCH")) {
            return std::nullopt;
        }
        auto fetch = parseFetch(r, n);
        return fetch ? std::optional<Response>(std::move(*fetch)) : std::nullopt;
    }
    return unknown(r, upper, n);
}

std::optional<Response> untagged(ResponseReader& r, bool utf8Names)
{
    if (!r.expectSpace("space after '*'")) {
        return std::nullopt;
    }
    if (r.peek() >= '0' && r.peek() <= '9') {
        const auto n = r.number("message number", maxNumber);
        return n ? numbered(r, quint32(*n)) : std::nullopt;
    }
    const auto name = r.atom("response name after '*'");
    if (!name) {
        return std::nullopt;
    }
    if (const auto status = statusFromToken(*name)) {
        return untaggedStatus(r, *status);
    }
    return parseMailboxData(r, name->toUpper(), utf8Names);
}

} // namespace

std::optional<Response> parseResponse(const AssembledResponse& response, const Limits& limits,
                                      bool utf8MailboxNames, ParseError* error)
{
    ResponseReader r(response, limits);
    std::optional<Response> result;
    if (r.atEnd()) {
        r.failWith(ParseError::Kind::Syntax, QStringLiteral("empty response line"));
    } else if (r.consume('+')) {
        result = continuation(r);
    } else if (r.consume('*')) {
        result = untagged(r, utf8MailboxNames);
    } else {
        result = tagged(r);
    }

    if (r.failed()) {
        *error = *r.error();
        return std::nullopt;
    }
    return result;
}

} // namespace Latchmail::Imap::Detail
