// SPDX-License-Identifier: GPL-3.0-or-later
// Parses SMTP replies received from servers (untrusted input): every length is bounded and
// every malformed line is reported with what was wrong.
#include "submission/smtpreply.h"

#include <QCoreApplication>

namespace Latchmail {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("Latchmail::SmtpReplyParser", text);
}

// A short, printable excerpt of server input for an error message.
QString excerpt(QByteArrayView bytes)
{
    QString shown;
    for (const char c : bytes.first(qMin<qsizetype>(bytes.size(), 40))) {
        const auto u = static_cast<unsigned char>(c);
        shown += (u >= 0x20 && u < 0x7f) ? QString(QLatin1Char(c))
                                         : QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0'));
    }
    return bytes.size() > 40 ? shown + QStringLiteral("…") : shown;
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Reads 1 to 3 digits at `pos`; returns the number of digits read (0 when none or too many).
int readNumber(QByteArrayView text, qsizetype pos, int* value)
{
    int digits = 0;
    *value = 0;
    while (pos + digits < text.size() && isDigit(text[pos + digits])) {
        *value = *value * 10 + (text[pos + digits] - '0');
        if (++digits > 3) {
            return 0;
        }
    }
    return digits;
}

// Parses an enhanced status code at the start of `text`; returns its length (0 when none).
qsizetype parseEnhancedPrefix(QByteArrayView text, EnhancedStatusCode* code)
{
    if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') {
        return 0;
    }
    int subject = 0;
    const int subjectDigits = readNumber(text, 2, &subject);
    const qsizetype dot = 2 + subjectDigits;
    if (subjectDigits == 0 || dot >= text.size() || text[dot] != '.') {
        return 0;
    }
    int detail = 0;
    const int detailDigits = readNumber(text, dot + 1, &detail);
    if (detailDigits == 0) {
        return 0;
    }
    *code = {text[0] - '0', subject, detail};
    return dot + 1 + detailDigits;
}

} // namespace

QString EnhancedStatusCode::toString() const
{
    if (!isValid()) {
        return {};
    }
    return QStringLiteral("%1.%2.%3").arg(statusClass).arg(subject).arg(detail);
}

EnhancedStatusCode EnhancedStatusCode::fromString(QByteArrayView text)
{
    EnhancedStatusCode code;
    const qsizetype length = parseEnhancedPrefix(text, &code);
    return length == text.size() ? code : EnhancedStatusCode();
}

EnhancedStatusCode SmtpReply::enhancedCode() const
{
    for (const EnhancedStatusCode& enhanced : enhancedCodes) {
        if (enhanced.isValid()) {
            return enhanced;
        }
    }
    return {};
}

QString SmtpReply::text() const
{
    return QString::fromUtf8(lines.join('\n'));
}

void SmtpReplyParser::feed(QByteArrayView bytes)
{
    if (hasError()) {
        return;
    }
    if (m_buffer.size() - m_consumed + bytes.size() > kMaxBufferedBytes) {
        fail(tr("The server sent more than %1 octets that were not read as replies.")
                 .arg(kMaxBufferedBytes));
        return;
    }
    if (m_consumed > 0) {
        m_buffer.remove(0, m_consumed);
        m_consumed = 0;
    }
    m_buffer.append(bytes.data(), bytes.size());
}

bool SmtpReplyParser::takeReply(SmtpReply* reply)
{
    while (!hasError()) {
        const qsizetype end = m_buffer.indexOf('\n', m_consumed);
        if (end < 0) {
            if (m_buffer.size() - m_consumed > kMaxLineLength) {
                fail(tr("A reply line is longer than %1 octets.").arg(kMaxLineLength));
            }
            return false;
        }

        QByteArrayView line(m_buffer.constData() + m_consumed, end - m_consumed);
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        m_consumed = end + 1;
        if (line.size() > kMaxLineLength) {
            fail(tr("A reply line is longer than %1 octets.").arg(kMaxLineLength));
            return false;
        }

        bool complete = false;
        if (parseLine(line, &complete) && complete) {
            *reply = std::move(m_pending);
            m_pending = SmtpReply();
            return true;
        }
    }
    return false;
}

// RFC 5321 4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
//                            Reply-code [ SP textstring ] CRLF
// with the first digit 2-5 and the second 0-5 (4.2.1).
bool SmtpReplyParser::parseLine(QByteArrayView line, bool* complete)
{
    if (line.contains('\0')) {
        fail(tr("A reply line contains a NUL octet: \"%1\".").arg(excerpt(line)));
        return false;
    }
    if (line.size() < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2])) {
        fail(tr("A reply line does not start with a three-digit code: \"%1\".").arg(excerpt(line)));
        return false;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (line[0] < '2' || line[0] > '5' || line[1] > '5') {
        fail(tr("The reply code %1 is not one RFC 5321 allows.").arg(code));
        return false;
    }
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-') {
        fail(tr("The reply code %1 is followed by \"%2\" instead of a space or \"-\".")
                 .arg(code)
                 .arg(excerpt(line.sliced(3, 1))));
        return false;
    }
    if (!m_pending.lines.isEmpty() && code != m_pending.code) {
        fail(
            tr("A multi-line reply changed its code from %1 to %2.").arg(m_pending.code).arg(code));
        return false;
    }
    if (m_pending.lines.size() >= kMaxLines) {
        fail(tr("A reply has more than %1 lines.").arg(kMaxLines));
        return false;
    }

    QByteArrayView text = line.size() > 4 ? line.sliced(4) : QByteArrayView();
    EnhancedStatusCode enhanced;
    const qsizetype prefix = parseEnhancedPrefix(text, &enhanced);
    // RFC 3463 2: the class of the enhanced code repeats the reply's class.
    if (prefix > 0 && enhanced.statusClass == code / 100 &&
        (prefix == text.size() || text[prefix] == ' ')) {
        text = text.sliced(qMin(prefix + 1, text.size()));
    } else {
        enhanced = EnhancedStatusCode();
    }

    m_pending.code = code;
    m_pending.lines.append(text.toByteArray());
    m_pending.enhancedCodes.append(enhanced);
    *complete = line.size() == 3 || line[3] == ' ';
    return true;
}

bool SmtpReplyParser::isEmpty() const
{
    return m_buffer.size() == m_consumed && m_pending.lines.isEmpty();
}

void SmtpReplyParser::reset()
{
    m_buffer.clear();
    m_consumed = 0;
    m_pending = SmtpReply();
    m_error.clear();
}

void SmtpReplyParser::fail(const QString& error)
{
    m_error = error;
    m_buffer.clear();
    m_consumed = 0;
    m_pending = SmtpReply();
}

} // namespace Latchmail
