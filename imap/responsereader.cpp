// SPDX-License-Identifier: GPL-3.0-or-later
// Parses untrusted input: tokens of IMAP server responses (RFC 9051 section 9).
#include "imap/responsereader.h"

#include <algorithm>

namespace Latchmail::Imap::Detail {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

QByteArray printable(QByteArrayView bytes)
{
    QByteArray out;
    for (char c : bytes) {
        if (uchar(c) >= 0x20 && uchar(c) < 0x7f) {
            out += c;
        } else {
            out += "\\x" + QByteArray::number(uchar(c), 16).rightJustified(2, '0');
        }
    }
    return out;
}

} // namespace

bool isAtomChar(char c)
{
    const auto u = uchar(c);
    if (u <= 0x20 || u == 0x7f) {
        return false;
    }
    switch (c) {
    case '(':
    case ')':
    case '{':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']':
        return false;
    default:
        return true;
    }
}

qint64 AssembledResponse::streamOffset(qsizetype textPosition) const
{
    qint64 offset = 0;
    for (const auto& [position, streamOffset] : segments) {
        if (position > textPosition) {
            break;
        }
        offset = streamOffset + (textPosition - position);
    }
    return offset;
}

ResponseReader::ResponseReader(const AssembledResponse& response, const Limits& limits)
    : m_response(response)
    , m_text(response.text)
    , m_limits(limits)
{
}

bool ResponseReader::fail(const QString& what)
{
    const QByteArray found = atEnd() ? QByteArray("end of line") : '"' + snippet() + '"';
    return failWith(ParseError::Kind::Syntax,
                    QStringLiteral("expected %1, found %2").arg(what, QString::fromLatin1(found)));
}

bool ResponseReader::failWith(ParseError::Kind kind, const QString& message)
{
    if (!m_error) {
        m_error = ParseError{kind, message, m_response.streamOffset(m_pos)};
    }
    return false;
}

char ResponseReader::peek(qsizetype ahead) const
{
    const qsizetype at = m_pos + ahead;
    return at < m_text.size() ? m_text.at(at) : '\0';
}

bool ResponseReader::consume(char c)
{
    if (!atEnd() && m_text.at(m_pos) == c) {
        ++m_pos;
        return true;
    }
    return false;
}

bool ResponseReader::consumeKeyword(QByteArrayView word)
{
    const qsizetype end = m_pos + word.size();
    if (end > m_text.size()) {
        return false;
    }
    if (QByteArrayView(m_text).sliced(m_pos, word.size()).compare(word, Qt::CaseInsensitive) != 0) {
        return false;
    }
    if (end < m_text.size() && (isAtomChar(m_text.at(end)) || m_text.at(end) == ']')) {
        return false;
    }
    m_pos = end;
    return true;
}

bool ResponseReader::skipSpaces()
{
    const qsizetype start = m_pos;
    while (consume(' ')) {
    }
    return m_pos > start;
}

bool ResponseReader::expectSpace(const char* what)
{
    return skipSpaces() || fail(what);
}

bool ResponseReader::expect(char c, const char* what)
{
    return consume(c) || fail(what);
}

bool ResponseReader::expectEnd(const char* what)
{
    skipSpaces();
    return atEnd() || fail(what);
}

std::optional<QByteArray> ResponseReader::atom(const char* what)
{
    const qsizetype start = m_pos;
    while (!atEnd() && isAtomChar(m_text.at(m_pos))) {
        ++m_pos;
    }
    if (m_pos == start) {
        fail(what);
        return std::nullopt;
    }
    return m_text.mid(start, m_pos - start);
}

std::optional<QByteArray> ResponseReader::astringAtom(const char* what)
{
    const qsizetype start = m_pos;
    while (!atEnd() && (isAtomChar(m_text.at(m_pos)) || m_text.at(m_pos) == ']')) {
        ++m_pos;
    }
    if (m_pos == start) {
        fail(what);
        return std::nullopt;
    }
    return m_text.mid(start, m_pos - start);
}

std::optional<SequenceSet> ResponseReader::sequenceSet(const char* what)
{
    const qsizetype start = m_pos;
    while (!atEnd() && (isAtomChar(m_text.at(m_pos)) || m_text.at(m_pos) == '*')) {
        ++m_pos;
    }
    const QByteArray text = m_text.mid(start, m_pos - start);
    auto set = SequenceSet::parse(text, false);
    if (!set) {
        m_pos = start;
        failWith(ParseError::Kind::Syntax, QStringLiteral("invalid %1 \"%2\"")
                                               .arg(QString::fromLatin1(what),
                                                    QString::fromLatin1(printable(text.left(32)))));
    }
    return set;
}

std::optional<QByteArray> ResponseReader::flag(const char* what)
{
    const qsizetype start = m_pos;
    if (consume('\\') && consume('*')) {
        return QByteArray("\\*");
    }
    // Tolerated: ']' inside keywords, as some servers let users create such keywords.
    while (!atEnd() && (isAtomChar(m_text.at(m_pos)) || m_text.at(m_pos) == ']')) {
        ++m_pos;
    }
    if (m_pos == start || (m_pos == start + 1 && m_text.at(start) == '\\')) {
        m_pos = start;
        fail(what);
        return std::nullopt;
    }
    return m_text.mid(start, m_pos - start);
}

std::optional<quint64> ResponseReader::number(const char* what, quint64 max)
{
    const qsizetype start = m_pos;
    quint64 value = 0;
    while (!atEnd() && isDigit(m_text.at(m_pos))) {
        const auto digit = quint64(m_text.at(m_pos) - '0');
        if (value > (max - digit) / 10) {
            failWith(ParseError::Kind::Syntax,
                     QStringLiteral("%1 is out of range").arg(QString::fromLatin1(what)));
            return std::nullopt;
        }
        value = value * 10 + digit;
        ++m_pos;
    }
    if (m_pos == start) {
        fail(what);
        return std::nullopt;
    }
    return value;
}

std::optional<quint32> ResponseReader::nzNumber(const char* what)
{
    const qsizetype start = m_pos;
    const auto value = number(what);
    if (value && *value == 0) {
        m_pos = start;
        fail(what);
        return std::nullopt;
    }
    return value ? std::optional<quint32>(quint32(*value)) : std::nullopt;
}

std::optional<QByteArray> ResponseReader::quoted(const char* what)
{
    QByteArray out(""); // an empty quoted string is "", not NIL
    const char* const text = m_text.constData();
    const qsizetype size = m_text.size();
    while (m_pos < size) {
        // The run up to the next quote, backslash or NUL goes over in one piece.
        qsizetype end = m_pos;
        while (end < size && text[end] != '"' && text[end] != '\\' && text[end] != '\0') {
            ++end;
        }
        out.append(text + m_pos, end - m_pos);
        m_pos = end;
        if (m_pos == size) {
            break;
        }

        const char c = text[m_pos++];
        if (c == '"') {
            return out;
        }
        if (c == '\0') {
            --m_pos;
            break;
        }
        if (m_pos == size) {
            break; // a backslash with nothing after it
        }
        // A backslash: only \\ and \" are defined; anything else is kept as sent.
        const char escaped = text[m_pos++];
        if (escaped != '\\' && escaped != '"') {
            out += '\\';
        }
        out += escaped;
    }
    fail(what);
    return std::nullopt;
}

std::optional<LiteralData> ResponseReader::literal(const char* what)
{
    const qsizetype start = m_pos;
    const bool binary = consume('~');
    if (!consume('{')) {
        m_pos = start;
        fail(what);
        return std::nullopt;
    }
    while (!atEnd() && isDigit(m_text.at(m_pos))) {
        ++m_pos;
    }
    if (!consume('}') || m_nextLiteral >= m_response.literals.size() ||
        m_response.literals.at(m_nextLiteral).textPosition != m_pos) {
        m_pos = start;
        fail(what);
        return std::nullopt;
    }
    LiteralData data = m_response.literals.at(m_nextLiteral++);
    data.binary = binary;
    return data;
}

std::optional<QByteArray> ResponseReader::string(const char* what)
{
    if (consume('"')) {
        return quoted(what);
    }
    if (peek() != '{' && peek() != '~') {
        fail(what);
        return std::nullopt;
    }
    const qsizetype start = m_pos;
    auto data = literal(what);
    if (!data) {
        return std::nullopt;
    }
    if (data->streamed) {
        m_pos = start;
        failWith(ParseError::Kind::Syntax,
                 QStringLiteral("%1 arrived as a body literal").arg(QString::fromLatin1(what)));
        return std::nullopt;
    }
    return data->data.isNull() ? QByteArray("") : data->data;
}

std::optional<QByteArray> ResponseReader::nstring(const char* what)
{
    if (consumeKeyword("NIL")) {
        return QByteArray();
    }
    return string(what);
}

std::optional<QByteArray> ResponseReader::astring(const char* what)
{
    if (peek() == '"' || peek() == '{' || peek() == '~') {
        return string(what);
    }
    return astringAtom(what);
}

bool ResponseReader::bodyData(BodySectionData& out, const char* what)
{
    if (consumeKeyword("NIL")) {
        out.isNil = true;
        return true;
    }
    if (consume('"')) {
        auto text = quoted(what);
        out.data = text.value_or(QByteArray());
        out.size = out.data.size();
        return text.has_value();
    }
    auto data = literal(what);
    if (!data) {
        return false;
    }
    out.data = data->data;
    out.size = data->size;
    out.streamed = data->streamed;
    return true;
}

QByteArray ResponseReader::restOfLine()
{
    QByteArray rest = m_text.mid(m_pos);
    m_pos = m_text.size();
    return rest;
}

QByteArray ResponseReader::takeUntil(char c)
{
    const qsizetype start = m_pos;
    qsizetype end = m_text.indexOf(c, m_pos);
    m_pos = end < 0 ? m_text.size() : end;
    return m_text.mid(start, m_pos - start);
}

QByteArray ResponseReader::textFrom(qsizetype from) const
{
    return m_text.mid(from, m_pos - from);
}

bool ResponseReader::enterList(const char* what)
{
    if (!consume('(')) {
        return fail(what);
    }
    if (++m_depth > m_limits.maxNestingDepth) {
        --m_pos;
        return failWith(
            ParseError::Kind::NestingTooDeep,
            QStringLiteral("parentheses nested deeper than %1").arg(m_limits.maxNestingDepth));
    }
    skipSpaces();
    return true;
}

bool ResponseReader::leaveList(const char* what)
{
    skipSpaces();
    if (!consume(')')) {
        return fail(what);
    }
    --m_depth;
    return true;
}

std::optional<QList<QByteArray>> ResponseReader::flagList(const char* what)
{
    if (!enterList(what)) {
        return std::nullopt;
    }
    QList<QByteArray> flags;
    while (!atEnd() && peek() != ')') {
        auto f = flag(what);
        if (!f) {
            return std::nullopt;
        }
        flags.append(*f);
        skipSpaces();
    }
    if (!leaveList(what)) {
        return std::nullopt;
    }
    return flags;
}

bool ResponseReader::skipValue(const char* what)
{
    const char c = peek();
    if (c == '(') {
        if (!enterList(what)) {
            return false;
        }
        while (!atEnd() && peek() != ')') {
            if (!skipValue(what)) {
                return false;
            }
            skipSpaces();
        }
        return leaveList(what);
    }
    if (c == '"') {
        ++m_pos;
        return quoted(what).has_value();
    }
    if (c == '{' || (c == '~' && peek(1) == '{')) {
        return literal(what).has_value();
    }

    // Any other token, including section brackets such as BODY[HEADER.FIELDS (A B)].
    const qsizetype start = m_pos;
    while (!atEnd()) {
        const char t = m_text.at(m_pos);
        if (t == '[') {
            const qsizetype close = m_text.indexOf(']', m_pos);
            m_pos = close < 0 ? m_text.size() : close + 1;
        } else if (t == ' ' || t == '(' || t == ')' || t == '"' || t == '{') {
            break;
        } else {
            ++m_pos;
        }
    }
    return m_pos > start || fail(what);
}

QByteArray ResponseReader::snippet() const
{
    constexpr qsizetype snippetLength = 24;
    const QByteArrayView rest = QByteArrayView(m_text).sliced(m_pos);
    QByteArray out = printable(rest.first(std::min(rest.size(), snippetLength)));
    if (rest.size() > snippetLength) {
        out += "...";
    }
    return out;
}

} // namespace Latchmail::Imap::Detail
