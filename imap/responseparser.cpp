// SPDX-License-Identifier: GPL-3.0-or-later
// Parses untrusted input: frames the server's byte stream into responses (lines and literals,
// RFC 9051 section 4.3 and 7) under the configured Limits, then hands each complete response
// to the grammar.
#include "imap/responseparser.h"

#include "imap/responsegrammar.h"

#include <algorithm>
#include <limits>

namespace Latchmail::Imap {

namespace {

constexpr qsizetype compactThreshold = 64 * 1024;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

struct Announcement
{
    qsizetype at = 0; // index of '{' (or of '~' for literal8)
    QByteArrayView digits;
    bool binary = false;
    bool nonSynchronising = false;
};

// A literal announcement "{n}", "~{n}" (or a server's invalid "{n+}") ending the line.
std::optional<Announcement> announcementAtEnd(QByteArrayView line)
{
    if (!line.endsWith('}')) {
        return std::nullopt;
    }
    Announcement a;
    qsizetype i = line.size() - 2;
    if (i >= 0 && line.at(i) == '+') {
        a.nonSynchronising = true;
        --i;
    }
    const qsizetype digitsEnd = i + 1;
    while (i >= 0 && isDigit(line.at(i))) {
        --i;
    }
    if (i < 0 || line.at(i) != '{' || i + 1 == digitsEnd) {
        return std::nullopt;
    }
    a.digits = line.sliced(i + 1, digitsEnd - i - 1);
    a.binary = i > 0 && line.at(i - 1) == '~';
    a.at = a.binary ? i - 1 : i;
    return a;
}

// "* 12 FETCH " at the start of the response: the message sequence number.
std::optional<quint32> fetchSequence(QByteArrayView text)
{
    if (!text.startsWith("* ")) {
        return std::nullopt;
    }
    qsizetype i = 2;
    quint64 n = 0;
    while (i < text.size() && isDigit(text.at(i)) && n <= 0xffffffffu) {
        n = n * 10 + quint64(text.at(i++) - '0');
    }
    const QByteArrayView rest = text.sliced(i);
    if (i == 2 || n == 0 || n > 0xffffffffu || rest.size() < 7 ||
        rest.first(7).compare(" FETCH ", Qt::CaseInsensitive) != 0) {
        return std::nullopt;
    }
    return quint32(n);
}

qsizetype tokenStart(QByteArrayView text, qsizetype end)
{
    qsizetype i = end;
    while (i > 0 && text.at(i - 1) != ' ' && text.at(i - 1) != '(') {
        --i;
    }
    return i;
}

} // namespace

ResponseParser::ResponseParser(Limits limits)
    : m_limits(limits)
    , m_current(std::make_unique<Detail::AssembledResponse>())
{
}

ResponseParser::~ResponseParser() = default;

void ResponseParser::feed(QByteArrayView bytes)
{
    if (!m_error) {
        m_input.append(bytes);
    }
}

std::optional<Response> ResponseParser::next()
{
    while (!m_error) {
        const Step step = m_state == State::Line ? readLinePart() : readLiteral();
        if (step == Step::NeedMore) {
            compactInput();
            return std::nullopt;
        }
        if (step == Step::Complete) {
            return finishResponse();
        }
    }
    return std::nullopt;
}

qint64 ResponseParser::bufferedBytes() const
{
    return qint64(m_input.size() - m_pos) + m_currentConsumed;
}

ResponseParser::Step ResponseParser::readLinePart()
{
    const qsizetype lf = m_input.indexOf('\n', m_scanFrom);
    const qint64 lineOffset = m_inputOffset + m_pos;
    if (lf < 0) {
        m_scanFrom = m_input.size();
        if (m_input.size() - m_pos > m_limits.maxLineLength + 1) {
            fail(ParseError::Kind::LineTooLong,
                 QStringLiteral("line longer than %1 bytes").arg(m_limits.maxLineLength),
                 lineOffset);
        }
        return Step::NeedMore;
    }

    qsizetype end = lf;
    if (end > m_pos && m_input.at(end - 1) == '\r') {
        --end;
    }
    const QByteArrayView line(m_input.constData() + m_pos, end - m_pos);
    if (line.size() > m_limits.maxLineLength) {
        fail(ParseError::Kind::LineTooLong,
             QStringLiteral("line longer than %1 bytes").arg(m_limits.maxLineLength), lineOffset);
        return Step::NeedMore;
    }
    m_currentBytes += line.size();
    if (m_currentBytes > m_limits.maxResponseSize) {
        fail(ParseError::Kind::ResponseTooLarge,
             QStringLiteral("response larger than %1 bytes").arg(m_limits.maxResponseSize),
             lineOffset);
        return Step::NeedMore;
    }

    m_current->segments.append({m_current->text.size(), lineOffset});
    m_current->text.append(line);
    m_currentConsumed += lf + 1 - m_pos;
    m_pos = lf + 1;
    m_scanFrom = m_pos;
    return startLiteral(line, lineOffset);
}

ResponseParser::Step ResponseParser::startLiteral(QByteArrayView line, qint64 lineOffset)
{
    const auto announcement = literalAllowedHere() ? announcementAtEnd(line) : std::nullopt;
    if (!announcement) {
        return Step::Complete;
    }
    const qint64 offset = lineOffset + announcement->at;
    if (announcement->nonSynchronising) {
        fail(ParseError::Kind::BadLiteral,
             QStringLiteral("server sent a non-synchronising literal announcement"), offset);
        return Step::NeedMore;
    }
    const qint64 size = announcement->digits.size() > 18 ? std::numeric_limits<qint64>::max()
                                                         : announcement->digits.toLongLong();
    if (size > m_limits.maxLiteral) {
        fail(ParseError::Kind::LiteralTooLarge,
             QStringLiteral("literal of %1 bytes exceeds the limit of %2 bytes")
                 .arg(QString::fromLatin1(announcement->digits))
                 .arg(m_limits.maxLiteral),
             offset);
        return Step::NeedMore;
    }

    Detail::LiteralData literal;
    literal.textPosition = m_current->text.size();
    literal.size = size;
    literal.binary = announcement->binary;
    literal.streamed =
        m_sink && size > m_limits.streamingThreshold && findStreamTarget(line, announcement->at);
    if (!literal.streamed) {
        m_currentBytes += size;
        if (m_currentBytes > m_limits.maxResponseSize) {
            fail(ParseError::Kind::ResponseTooLarge,
                 QStringLiteral("literal of %1 bytes would make the response larger than %2 "
                                "bytes")
                     .arg(size)
                     .arg(m_limits.maxResponseSize),
                 offset);
            return Step::NeedMore;
        }
    }
    m_current->literals.append(literal);
    m_literalRemaining = size;
    m_literalStreamed = literal.streamed;
    m_state = size > 0 ? State::Literal : State::Line;
    return Step::Continue;
}

// Status responses (tagged, continuation, `* OK|NO|BAD|BYE|PREAUTH`) end at their line end,
// even when their human-readable text happens to end in "{5}".
bool ResponseParser::literalAllowedHere() const
{
    const QByteArrayView text(m_current->text);
    if (!text.startsWith("* ")) {
        return false;
    }
    const QByteArrayView rest = text.sliced(2);
    qsizetype end = 0;
    while (end < rest.size() && rest.at(end) != ' ' && rest.at(end) != '[') {
        ++end;
    }
    return !statusFromToken(rest.first(end)).has_value();
}

// Is this literal the data of BODY[…], BINARY[…] or RFC822[.HEADER|.TEXT] in a FETCH response?
// Decided from the text before the announcement; the grammar later checks the same item.
bool ResponseParser::findStreamTarget(QByteArrayView line, qsizetype announcementAt)
{
    const auto sequence = fetchSequence(m_current->text);
    qsizetype end = announcementAt;
    while (end > 0 && line.at(end - 1) == ' ') {
        --end;
    }
    if (!sequence || end == announcementAt) {
        return false;
    }
    if (line.at(end - 1) == '>') { // <origin>
        end = line.lastIndexOf('<', end - 1);
        if (end < 0) {
            return false;
        }
    }

    QByteArray name;
    QByteArray section;
    if (line.at(end - 1) == ']') {
        const qsizetype open = line.lastIndexOf('[', end - 1);
        if (open < 0) {
            return false;
        }
        section = line.sliced(open + 1, end - 2 - open).toByteArray().toUpper();
        name = line.sliced(tokenStart(line, open), open - tokenStart(line, open))
                   .toByteArray()
                   .toUpper();
        if (name != "BODY" && name != "BINARY") {
            return false;
        }
    } else {
        name =
            line.sliced(tokenStart(line, end), end - tokenStart(line, end)).toByteArray().toUpper();
        if (name != "RFC822" && name != "RFC822.HEADER" && name != "RFC822.TEXT") {
            return false;
        }
        section = name == "RFC822" ? QByteArray("") : name.mid(7);
    }

    m_streamTarget = LiteralChunk{*sequence, section, name == "BINARY", 0, 0, {}};
    return true;
}

ResponseParser::Step ResponseParser::readLiteral()
{
    const qint64 available = std::min<qint64>(m_literalRemaining, m_input.size() - m_pos);
    if (available == 0) {
        return Step::NeedMore;
    }
    const QByteArrayView chunk(m_input.constData() + m_pos, qsizetype(available));
    if (m_literalStreamed) {
        m_streamTarget.totalSize = m_current->literals.back().size;
        m_streamTarget.data = chunk;
        m_sink->literalChunk(m_streamTarget);
        m_streamTarget.offset += available;
        m_streamTarget.data = {};
    } else {
        m_current->literals.back().data.append(chunk);
    }

    m_pos += qsizetype(available);
    m_scanFrom = m_pos;
    m_currentConsumed += available;
    m_literalRemaining -= available;
    if (m_literalRemaining == 0) {
        m_state = State::Line;
    }
    return Step::Continue;
}

std::optional<Response> ResponseParser::finishResponse()
{
    ParseError error;
    std::optional<Response> response =
        Detail::parseResponse(*m_current, m_limits, m_utf8Names, &error);
    m_current = std::make_unique<Detail::AssembledResponse>();
    m_currentBytes = 0;
    m_currentConsumed = 0;
    if (!response) {
        fail(error.kind, error.message, error.offset);
    }
    return response;
}

void ResponseParser::compactInput()
{
    if (m_pos == m_input.size() || (m_pos > compactThreshold && m_pos > m_input.size() / 2)) {
        m_input.remove(0, m_pos);
        m_inputOffset += m_pos;
        m_scanFrom -= m_pos;
        m_pos = 0;
    }
}

void ResponseParser::fail(ParseError::Kind kind, const QString& message, qint64 offset)
{
    m_error = ParseError{kind, message, offset};
    m_inputOffset += m_input.size();
    m_input.clear();
    m_input.squeeze();
    m_pos = 0;
    m_scanFrom = 0;
    m_current = std::make_unique<Detail::AssembledResponse>();
    m_currentBytes = 0;
    m_currentConsumed = 0;
    m_state = State::Line;
}

} // namespace Latchmail::Imap
