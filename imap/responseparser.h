// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/response.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <memory>
#include <optional>

namespace Latchmail::Imap {

namespace Detail {
struct AssembledResponse;
}

/// Bounds on what one server may make the parser hold.
struct Limits
{
    /// Largest literal accepted; a bigger announcement fails the parser (RFC 9051 section 4.3).
    qint64 maxLiteral = 256 * 1024 * 1024;
    /// Deepest nesting of parenthesised lists (BODYSTRUCTURE, envelopes, extension data).
    int maxNestingDepth = 32;
    /// Longest line part (text between CRLFs or literals).
    qsizetype maxLineLength = 1024 * 1024;
    /// Body literals above this size go to the LiteralSink, when one is set.
    qint64 streamingThreshold = 1024 * 1024;
    /// Most bytes one response may hold in memory (line parts plus literals not streamed).
    qint64 maxResponseSize = 64 * 1024 * 1024;
};

/// Why the parser stopped. Every error is final: the connection must be closed.
struct ParseError
{
    enum class Kind {
        Syntax,           ///< a response that breaks the RFC 9051 grammar
        LineTooLong,      ///< a line part over Limits::maxLineLength
        LiteralTooLarge,  ///< a literal over Limits::maxLiteral
        ResponseTooLarge, ///< a response over Limits::maxResponseSize
        NestingTooDeep,   ///< parentheses deeper than Limits::maxNestingDepth
        BadLiteral,       ///< a malformed literal announcement
    };
    Kind kind = Kind::Syntax;
    QString message;   ///< protocol error text, e.g. "FETCH: expected ')' …"
    qint64 offset = 0; ///< byte offset in the whole input stream where the problem was seen
};

/// A piece of a large body literal, delivered while it arrives.
struct LiteralChunk
{
    quint32 sequence = 0; ///< message sequence number of the FETCH response
    QByteArray section;   ///< as in BodySectionData::section
    bool binary = false;  ///< BINARY[…] rather than BODY[…]
    qint64 offset = 0;    ///< position of data within the literal
    qint64 totalSize = 0; ///< the announced literal size
    QByteArrayView data;  ///< valid only during the call
};

/// Receives large body literals so they are never held whole in memory. The first chunk has
/// offset 0, the last one ends at totalSize. The matching FetchData (with streamed == true)
/// follows from next() once the response is complete; treat the data as committed only then,
/// and discard it when the parser fails.
class LiteralSink
{
public:
    virtual ~LiteralSink() = default;
    virtual void literalChunk(const LiteralChunk& chunk) = 0;
};

/// Incremental parser for IMAP server responses (RFC 9051 section 7, RFC 3501 section 7).
/// No I/O, no QObject. Parses untrusted input: every buffer is bounded by Limits, nesting is
/// bounded, any violation is a precise ParseError and the parser stays failed.
///
/// feed() only appends; next() does the work, so bytes stay unread until asked for. Call
/// next() until it returns nothing after every feed(). Results do not depend on how the
/// input was split.
class ResponseParser
{
public:
    explicit ResponseParser(Limits limits = {});
    ~ResponseParser();
    ResponseParser(const ResponseParser&) = delete;
    ResponseParser& operator=(const ResponseParser&) = delete;

    /// Sink for body literals above Limits::streamingThreshold; nullptr keeps them inline.
    /// Not owned; must outlive the parser or be reset.
    void setLiteralSink(LiteralSink* sink) { m_sink = sink; }

    /// Mailbox names are UTF-8 (after ENABLE UTF8=ACCEPT or IMAP4rev2, RFC 6855 / RFC 9051)
    /// rather than modified UTF-7.
    void setUtf8MailboxNames(bool utf8) { m_utf8Names = utf8; }

    void feed(QByteArrayView bytes);

    /// The next complete response, or nothing when more input is needed or the parser failed.
    [[nodiscard]] std::optional<Response> next();

    [[nodiscard]] bool hasFailed() const { return m_error.has_value(); }
    [[nodiscard]] const std::optional<ParseError>& error() const { return m_error; }

    /// Bytes received and not yet returned as part of a response: unread input plus every byte
    /// the response being assembled has taken (streamed literal bytes included). Right after next()
    /// returned the tagged OK to STARTTLS this must be 0, or plaintext was injected (see DESIGN.md,
    /// "STARTTLS and hostile peers").
    [[nodiscard]] qint64 bufferedBytes() const;

    [[nodiscard]] const Limits& limits() const { return m_limits; }

private:
    enum class State { Line, Literal };
    enum class Step { NeedMore, Continue, Complete };

    Step readLinePart();
    Step readLiteral();
    Step startLiteral(QByteArrayView line, qint64 lineOffset);
    [[nodiscard]] bool literalAllowedHere() const;
    [[nodiscard]] bool findStreamTarget(QByteArrayView line, qsizetype announcementAt);
    std::optional<Response> finishResponse();
    void compactInput();
    void fail(ParseError::Kind kind, const QString& message, qint64 offset);

    Limits m_limits;
    LiteralSink* m_sink = nullptr;
    bool m_utf8Names = false;

    QByteArray m_input;
    qsizetype m_pos = 0;      // first unread byte of m_input
    qsizetype m_scanFrom = 0; // where to resume looking for LF
    qint64 m_inputOffset = 0; // stream offset of m_input[0]

    State m_state = State::Line;
    std::unique_ptr<Detail::AssembledResponse> m_current;
    qint64 m_currentBytes = 0;    // memory the current response holds or has reserved
    qint64 m_currentConsumed = 0; // input bytes the current response has taken so far
    qint64 m_literalRemaining = 0;
    bool m_literalStreamed = false;
    LiteralChunk m_streamTarget;

    std::optional<ParseError> m_error;
};

} // namespace Latchmail::Imap
