// SPDX-License-Identifier: GPL-3.0-or-later
// Redacts untrusted and secret input alike: server bytes and the client's own credentials.
#include "imap/wirelog.h"

#include "core/logging.h"
#include "imap/response.h"

namespace Latchmail::Imap {

namespace {

constexpr qsizetype headLimit = 1024;
constexpr qsizetype tailLimit = 32;
const QByteArray redacted("<redacted>");

QByteArray printable(QByteArrayView bytes)
{
    QByteArray out;
    out.reserve(bytes.size());
    for (char c : bytes) {
        const auto u = uchar(c);
        if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            out += "\\x" + QByteArray::number(u, 16).rightJustified(2, '0');
        }
    }
    return out;
}

// The first n space-separated words of a line.
QList<QByteArrayView> words(QByteArrayView line, int n)
{
    QList<QByteArrayView> result;
    qsizetype start = 0;
    while (result.size() < n && start < line.size()) {
        qsizetype end = line.indexOf(' ', start);
        end = end < 0 ? line.size() : end;
        result.append(line.sliced(start, end - start));
        start = end + 1;
    }
    return result;
}

// "{n}", "{n+}" or "~{n}" at the end of a line: its size.
std::optional<qint64> literalAtEnd(QByteArrayView line)
{
    if (!line.endsWith('}')) {
        return std::nullopt;
    }
    const qsizetype open = line.lastIndexOf('{');
    if (open < 0) {
        return std::nullopt;
    }
    QByteArrayView digits = line.sliced(open + 1, line.size() - open - 2);
    if (digits.endsWith('+')) {
        digits.chop(1);
    }
    bool ok = false;
    const qint64 size = digits.size() <= 18 ? digits.toLongLong(&ok) : 0;
    return ok && size >= 0 && !digits.startsWith('+') && !digits.startsWith('-')
               ? std::optional<qint64>(size)
               : std::nullopt;
}

// Untagged server data may carry literals; status responses never do (same rule as the parser).
bool serverLineMayHaveLiteral(QByteArrayView line)
{
    if (!line.startsWith("* ")) {
        return false;
    }
    const QList<QByteArrayView> w = words(line.sliced(2), 1);
    if (w.isEmpty()) {
        return true;
    }
    QByteArrayView word = w.front();
    const qsizetype bracket = word.indexOf('[');
    if (bracket >= 0) {
        word = word.first(bracket);
    }
    return !statusFromToken(word).has_value();
}

} // namespace

struct WireRedactor
{
    RedactionState& s;
    Direction direction;
    QByteArray out;

    RedactionState::Stream& stream()
    {
        return direction == Direction::ClientToServer ? s.m_client : s.m_server;
    }

    void write(const QByteArray& text)
    {
        if (!out.isEmpty()) {
            out += '\n';
        }
        out += text;
    }

    void appendPiece(QByteArrayView piece)
    {
        RedactionState::Stream& st = stream();
        const qsizetype room = std::max<qsizetype>(0, headLimit - st.head.size());
        st.head += piece.first(std::min(room, piece.size()));
        if (piece.size() >= tailLimit) {
            st.tail = piece.last(tailLimit).toByteArray();
        } else {
            st.tail.append(piece);
            st.tail = st.tail.right(tailLimit);
        }
        st.lineBytes += piece.size();
    }

    void run(QByteArrayView bytes)
    {
        qsizetype pos = 0;
        while (pos < bytes.size()) {
            RedactionState::Stream& st = stream();
            if (st.literalRemaining > 0) {
                const qint64 take = std::min<qint64>(st.literalRemaining, bytes.size() - pos);
                st.literalRemaining -= take;
                pos += qsizetype(take);
                continue;
            }
            const qsizetype lf = bytes.indexOf('\n', pos);
            const qsizetype end = lf < 0 ? bytes.size() : lf;
            appendPiece(bytes.sliced(pos, end - pos));
            if (lf < 0) {
                break;
            }
            pos = lf + 1;
            completeLine();
        }
    }

    void completeLine()
    {
        RedactionState::Stream& st = stream();
        QByteArray head = st.head;
        QByteArray tail = st.tail;
        qint64 lineBytes = st.lineBytes;
        const bool continuation = st.afterLiteral;
        st = RedactionState::Stream();
        if (tail.endsWith('\r')) {
            tail.chop(1);
            if (lineBytes <= headLimit) {
                head.chop(1);
            }
            --lineBytes;
        }
        const qint64 omitted = std::max<qint64>(0, lineBytes - headLimit);

        const std::optional<qint64> literal = literalAtEnd(tail);
        if (direction == Direction::ClientToServer) {
            clientLine(head, omitted, continuation, literal);
        } else {
            serverLine(head, omitted, continuation, literal);
        }
    }

    void startLiteral(qint64 size, bool secret)
    {
        RedactionState::Stream& st = stream();
        st.literalRemaining = size;
        st.literalSecret = secret;
        st.afterLiteral = true;
        write(secret ? redacted : "<literal " + QByteArray::number(size) + " bytes>");
    }

    static QByteArray shown(const QByteArray& head, qint64 omitted)
    {
        QByteArray text = printable(head);
        if (omitted > 0) {
            text += " <" + QByteArray::number(omitted) + " more bytes>";
        }
        return text;
    }

    void clientLine(const QByteArray& head, qint64 omitted, bool continuation,
                    std::optional<qint64> literal)
    {
        if (s.m_authenticating) {
            write(redacted); // a SASL response, or "*" cancelling the exchange
            return;
        }
        if (continuation && s.m_commandSecret) {
            write(redacted);
            if (literal) {
                startLiteral(*literal, true);
            } else {
                s.m_commandSecret = false;
            }
            return;
        }
        const QList<QByteArrayView> w = continuation ? QList<QByteArrayView>() : words(head, 3);
        const QByteArrayView verb = w.size() >= 2 ? w.at(1) : QByteArrayView();
        if (verb.compare("LOGIN", Qt::CaseInsensitive) == 0) {
            write(printable(w.at(0)) + " LOGIN " + redacted);
            s.m_commandSecret = literal.has_value();
            if (literal) {
                startLiteral(*literal, true);
            }
            return;
        }
        if (verb.compare("AUTHENTICATE", Qt::CaseInsensitive) == 0) {
            QByteArray text = printable(w.at(0)) + " AUTHENTICATE";
            text += w.size() >= 3
                        ? ' ' + printable(w.at(2).first(std::min<qsizetype>(w.at(2).size(), 40)))
                        : QByteArray();
            write(head.count(' ') >= 3 ? text + ' ' + redacted : text);
            s.m_authenticating = true;
            s.m_authenticateTag = w.at(0).toByteArray();
            return;
        }
        if (!head.isEmpty() || omitted > 0) {
            write(shown(head, omitted));
        }
        if (literal) {
            startLiteral(*literal, false);
        }
    }

    void serverLine(const QByteArray& head, qint64 omitted, bool continuation,
                    std::optional<qint64> literal)
    {
        if (!continuation && s.m_authenticating) {
            if (head.startsWith('+')) {
                write(head.size() > 2 ? QByteArray("+ ") + redacted : QByteArray("+"));
                return;
            }
            if (head.startsWith(QByteArray(s.m_authenticateTag + ' '))) {
                s.m_authenticating = false;
                s.m_authenticateTag.clear();
            }
        }
        write(shown(head, omitted));
        if (literal && (continuation || serverLineMayHaveLiteral(head))) {
            startLiteral(*literal, false);
        }
    }
};

QByteArray redactForWireLog(Direction direction, QByteArrayView bytes, RedactionState& state)
{
    if (state.m_untracked) {
        return {};
    }
    WireRedactor redactor{state, direction, {}};
    redactor.run(bytes);
    return redactor.out;
}

void logWire(Direction direction, QByteArrayView bytes, RedactionState& state)
{
    if (!lcImapWire().isDebugEnabled()) {
        state.m_untracked = true;
        return;
    }
    if (state.m_untracked) {
        return;
    }

    const QByteArray text = redactForWireLog(direction, bytes, state);
    if (text.isEmpty()) {
        return;
    }
    const char* prefix = direction == Direction::ClientToServer ? "C: " : "S: ";
    for (const QByteArray& line : text.split('\n')) {
        qCDebug(lcImapWire).noquote() << QByteArray(prefix + line);
    }
}

} // namespace Latchmail::Imap
