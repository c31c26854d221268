// SPDX-License-Identifier: GPL-3.0-or-later
// Parses SMTP replies received from servers (untrusted input).
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace Latchmail {

/// An enhanced mail system status code, class.subject.detail (RFC 3463 2), as SMTP servers put
/// it at the start of each reply line (RFC 2034) and delivery reports in their Status field.
struct EnhancedStatusCode
{
    int statusClass = 0; // 2 success, 4 persistent transient failure, 5 permanent failure
    int subject = 0;     // 0-999
    int detail = 0;      // 0-999

    [[nodiscard]] bool isValid() const { return statusClass != 0; }
    /// "5.1.1", or empty when invalid.
    [[nodiscard]] QString toString() const;

    /// Reads exactly "class.subject.detail" (class 2, 4 or 5; 1 to 3 digits each for subject and
    /// detail); anything else gives an invalid code.
    [[nodiscard]] static EnhancedStatusCode fromString(QByteArrayView text);

    friend bool operator==(const EnhancedStatusCode&, const EnhancedStatusCode&) = default;
};

/// One complete SMTP reply (RFC 5321 4.2): a three-digit code and one or more lines of text.
struct SmtpReply
{
    int code = 0;
    /// The text of each line: after the code and separator and, where the line began with an
    /// enhanced status code of the reply's class, after that code and its space.
    QList<QByteArray> lines;
    /// The enhanced status code of each line (RFC 2034 3); invalid where the line had none.
    QList<EnhancedStatusCode> enhancedCodes;

    [[nodiscard]] bool isPositiveCompletion() const { return code / 100 == 2; }
    [[nodiscard]] bool isPositiveIntermediate() const { return code / 100 == 3; }
    [[nodiscard]] bool isTransientNegative() const { return code / 100 == 4; }
    [[nodiscard]] bool isPermanentNegative() const { return code / 100 == 5; }

    /// The enhanced status code of the first line that has one; invalid when none has.
    [[nodiscard]] EnhancedStatusCode enhancedCode() const;

    /// The lines joined by line feeds, read as UTF-8 (RFC 6531 3.7.4.2 permits it); the raw
    /// server text, not yet made safe for display (see statusmessages.h).
    [[nodiscard]] QString text() const;
};

/// Incremental reply parser (RFC 5321 4.2.1): feed it bytes as they arrive, take complete
/// replies out. Lines may end in CRLF or a bare LF. Memory is bounded: a line longer than
/// kMaxLineLength, a reply of more than kMaxLines lines or more than kMaxBufferedBytes waiting
/// is an error, as is any line that is not `code [SP / "-"] text`. After an error the parser
/// stays failed and ignores further input.
class SmtpReplyParser
{
public:
    static constexpr qsizetype kMaxLineLength = 8192; // octets before the line end
    static constexpr int kMaxLines = 512;
    static constexpr qsizetype kMaxBufferedBytes = 1024 * 1024;

    /// Appends received bytes.
    void feed(QByteArrayView bytes);

    /// Moves the next complete reply into `reply`. Returns false when no complete reply is
    /// buffered yet or the input is malformed (then hasError() is true).
    [[nodiscard]] bool takeReply(SmtpReply* reply);

    [[nodiscard]] bool hasError() const { return !m_error.isEmpty(); }
    /// What was wrong with the input, in words naming the offending part.
    [[nodiscard]] QString errorString() const { return m_error; }

    /// True when no byte is held: nothing unparsed and no reply half-assembled. STARTTLS
    /// (RFC 3207) must only begin when this holds after its 220 reply.
    [[nodiscard]] bool isEmpty() const;

    /// Forgets all buffered input and any error (for a new connection).
    void reset();

private:
    bool parseLine(QByteArrayView line, bool* complete);
    void fail(const QString& error);

    QByteArray m_buffer;
    qsizetype m_consumed = 0;
    SmtpReply m_pending;
    QString m_error;
};

} // namespace Latchmail
