// SPDX-License-Identifier: GPL-3.0-or-later
// Internal to the IMAP response parser: the tokenizer over one assembled response.
// Parses untrusted input; every method checks bounds and nesting.
#pragma once

#include "imap/responseparser.h"

#include <QByteArray>
#include <QList>

#include <optional>
#include <utility>

namespace Latchmail::Imap::Detail {

/// Literal data of one response, in order of appearance.
struct LiteralData
{
    qsizetype textPosition = 0; // index in AssembledResponse::text right after the '}'
    QByteArray data;
    qint64 size = 0;
    bool streamed = false;
    bool binary = false; // literal8, "~{n}"
};

/// A complete response as framed off the wire: the line parts joined (literal announcements
/// stay in the text), the literal data beside them.
struct AssembledResponse
{
    QByteArray text;
    QList<LiteralData> literals;
    QList<std::pair<qsizetype, qint64>> segments; // (text position, stream offset) per line part

    [[nodiscard]] qint64 streamOffset(qsizetype textPosition) const;
};

/// Recursive-descent helpers for RFC 9051 section 9 tokens. Every reader method reports
/// failure through the reader's error (first error wins) and returns false or nothing.
class ResponseReader
{
public:
    ResponseReader(const AssembledResponse& response, const Limits& limits);

    [[nodiscard]] bool failed() const { return m_error.has_value(); }
    [[nodiscard]] const std::optional<ParseError>& error() const { return m_error; }
    /// Records "expected <what>" at the current position; returns false.
    bool fail(const QString& what);
    bool fail(const char* what) { return fail(QString::fromLatin1(what)); }
    /// Records a complete message (no "expected") at the current position.
    bool failWith(ParseError::Kind kind, const QString& message);

    [[nodiscard]] qsizetype position() const { return m_pos; }
    [[nodiscard]] bool atEnd() const { return m_pos >= m_text.size(); }
    [[nodiscard]] char peek(qsizetype ahead = 0) const;
    bool consume(char c);
    /// Consumes word case-insensitively if it is followed by a non-atom character.
    bool consumeKeyword(QByteArrayView word);
    /// Skips any run of spaces; true if there was at least one.
    bool skipSpaces();
    bool expectSpace(const char* what);
    bool expect(char c, const char* what);
    /// End of response, tolerating trailing spaces.
    bool expectEnd(const char* what);

    std::optional<QByteArray> atom(const char* what);
    /// atom that may also contain ']' (ASTRING-CHAR).
    std::optional<QByteArray> astringAtom(const char* what);
    /// A sequence-set or uid-set without "*" (what servers send); a bad one is reported with
    /// its text at its start.
    std::optional<SequenceSet> sequenceSet(const char* what);
    /// A flag: "\Seen", "\*", "$Forwarded", keyword.
    std::optional<QByteArray> flag(const char* what);
    std::optional<quint64> number(const char* what, quint64 max = 0xffffffffu);
    std::optional<quint32> nzNumber(const char* what);
    std::optional<QByteArray> string(const char* what);
    /// NIL → null byte array.
    std::optional<QByteArray> nstring(const char* what);
    std::optional<QByteArray> astring(const char* what);
    /// nstring holding body section data; a literal may have been streamed to the sink.
    bool bodyData(BodySectionData& out, const char* what);
    /// The rest of the line (resp-text), trailing CR already removed by framing.
    QByteArray restOfLine();
    /// Advances to the next c (or the end) and returns the bytes passed over.
    QByteArray takeUntil(char c);
    /// The text from position from up to the current position.
    [[nodiscard]] QByteArray textFrom(qsizetype from) const;

    /// "(" with the nesting limit; leaveList() after the matching ")".
    bool enterList(const char* what);
    bool leaveList(const char* what);
    /// Parenthesised list of flags.
    std::optional<QList<QByteArray>> flagList(const char* what);
    /// Skips any one value: NIL, number, atom, string, or a nested list.
    bool skipValue(const char* what);

private:
    std::optional<LiteralData> literal(const char* what);
    std::optional<QByteArray> quoted(const char* what);
    QByteArray snippet() const;

    const AssembledResponse& m_response;
    const QByteArray& m_text;
    Limits m_limits;
    qsizetype m_pos = 0;
    qsizetype m_nextLiteral = 0;
    int m_depth = 0;
    std::optional<ParseError> m_error;
};

/// True for RFC 9051 ATOM-CHAR (8-bit bytes tolerated).
bool isAtomChar(char c);

} // namespace Latchmail::Imap::Detail
