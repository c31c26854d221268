// SPDX-License-Identifier: GPL-3.0-or-later
// Logs SMTP traffic, including server input (untrusted), after redaction and escaping.
#include "submission/smtpwirelog.h"

#include "core/logging.h"

namespace Latchmail {

namespace {

constexpr qsizetype kMaxLoggedLine = 2048;   // longer lines are cut in the log
constexpr qsizetype kMaxPartialLine = 65536; // octets kept of a line without its end yet
constexpr qsizetype kMaxTranscript = 2000;

// RFC 5321 4.5.2: the content ends with a line holding a single ".". Content begins at the
// start of a line, as if "\r\n" had just been seen.
constexpr char kEndOfData[] = "\r\n.\r\n";
constexpr int kEndOfDataLength = 5;
constexpr int kContentStartState = 2;

QString escaped(QByteArrayView line)
{
    QString shown;
    const QByteArrayView cut = line.first(qMin(line.size(), kMaxLoggedLine));
    for (const char c : cut) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f && u != '\\') {
            shown.append(QLatin1Char(c));
        } else {
            shown.append(QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0')));
        }
    }
    if (line.size() > kMaxLoggedLine) {
        shown.append(QStringLiteral("… [%1 octets]").arg(line.size()));
    }
    return shown;
}

QByteArray stripLineEnd(QByteArray line)
{
    if (line.endsWith('\n')) {
        line.chop(1);
    }
    if (line.endsWith('\r')) {
        line.chop(1);
    }
    return line;
}

QByteArray firstWord(const QByteArray& line)
{
    const QByteArray trimmed = line.trimmed();
    const qsizetype space = trimmed.indexOf(' ');
    return (space < 0 ? trimmed : trimmed.left(space)).toUpper();
}

// Takes the next complete line (with its LF) out of `bytes` into `partial`; returns false when
// the line is not complete yet (the bytes are then kept in `partial`, bounded).
bool takeLine(QByteArrayView* bytes, QByteArray* partial, QByteArray* line)
{
    const qsizetype end = bytes->indexOf('\n');
    const QByteArrayView piece = end < 0 ? *bytes : bytes->first(end + 1);
    const qsizetype room = qMax<qsizetype>(0, kMaxPartialLine - partial->size());
    partial->append(piece.data(), qMin(piece.size(), room));
    *bytes = bytes->sliced(piece.size());
    if (end < 0) {
        return false;
    }
    *line = stripLineEnd(*partial);
    partial->clear();
    return true;
}

} // namespace

QStringList SmtpWireLog::record(Direction direction, QByteArrayView bytes)
{
    QStringList logged;
    if (direction == Direction::ClientToServer) {
        recordClient(bytes, &logged);
    } else {
        recordServer(bytes, &logged);
    }
    return logged;
}

void SmtpWireLog::recordClient(QByteArrayView bytes, QStringList* logged)
{
    while (!bytes.isEmpty()) {
        if (m_client == ClientState::MessageContent || m_client == ClientState::ChunkContent) {
            bytes = bytes.sliced(consumeContent(bytes, logged));
            continue;
        }
        QByteArray line;
        if (takeLine(&bytes, &m_clientPartial, &line)) {
            clientLine(line, logged);
        }
    }
}

void SmtpWireLog::recordServer(QByteArrayView bytes, QStringList* logged)
{
    QByteArray line;
    while (!bytes.isEmpty()) {
        if (takeLine(&bytes, &m_serverPartial, &line)) {
            serverLine(line, logged);
        }
    }
}

void SmtpWireLog::clientLine(const QByteArray& line, QStringList* logged)
{
    // RFC 4954 4: everything the client sends until the final reply to AUTH is SASL data.
    if (m_client == ClientState::Authenticating) {
        log(QStringLiteral("C: [authentication response redacted]"), logged);
        return;
    }

    const QByteArray verb = firstWord(line);
    if (verb == "AUTH") {
        const QList<QByteArray> words = line.simplified().split(' ');
        QString shown = QStringLiteral("C: AUTH ") + escaped(words.value(1).left(20));
        if (words.size() > 2) {
            shown += QStringLiteral(" [initial response redacted]");
        }
        log(shown, logged);
        m_client = ClientState::Authenticating;
        m_pending.append(Pending::Auth);
        return;
    }

    log(QStringLiteral("C: ") + escaped(line), logged);
    m_pending.append(verb == "DATA" ? Pending::Data : Pending::Other);
    if (verb == "BDAT") {
        // RFC 3030 2: BDAT <size> [LAST], the chunk follows at once without waiting.
        bool ok = false;
        const qint64 size = line.simplified().split(' ').value(1).toLongLong(&ok);
        m_chunkRemaining = ok && size > 0 ? size : 0;
        m_contentOctets = 0;
        if (m_chunkRemaining > 0) {
            m_client = ClientState::ChunkContent;
        }
    }
}

void SmtpWireLog::serverLine(const QByteArray& line, QStringList* logged)
{
    const QByteArray code = line.left(3);
    const bool final = line.size() <= 3 || line.at(3) != '-';

    if (m_client == ClientState::Authenticating && code == "334") {
        // RFC 4954 4: a challenge; the client's answer follows and is redacted.
        log(QStringLiteral("S: 334 [challenge redacted]"), logged);
        return;
    }
    log(QStringLiteral("S: ") + escaped(line), logged);
    if (!final || m_pending.isEmpty()) {
        return;
    }

    const Pending answered = m_pending.takeFirst();
    if (answered == Pending::Auth) {
        m_client = ClientState::Commands;
    } else if (answered == Pending::Data && code == "354") {
        m_client = ClientState::MessageContent;
        m_contentOctets = 0;
        m_endOfDataMatched = kContentStartState;
    }
}

qsizetype SmtpWireLog::consumeContent(QByteArrayView bytes, QStringList* logged)
{
    if (m_client == ClientState::ChunkContent) {
        const qsizetype taken = qMin<qint64>(bytes.size(), m_chunkRemaining);
        m_chunkRemaining -= taken;
        m_contentOctets += taken;
        if (m_chunkRemaining == 0) {
            log(QStringLiteral("C: [message content: %1 octets]").arg(m_contentOctets), logged);
            m_client = ClientState::Commands;
        }
        return taken;
    }

    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (c == kEndOfData[m_endOfDataMatched]) {
            ++m_endOfDataMatched;
        } else {
            m_endOfDataMatched = c == '\r' ? 1 : 0;
        }
        ++m_contentOctets;
        if (m_endOfDataMatched == kEndOfDataLength) {
            // The final ".\r\n" is the terminator, not content.
            log(QStringLiteral("C: [message content: %1 octets]").arg(m_contentOctets - 3), logged);
            log(QStringLiteral("C: ."), logged);
            m_client = ClientState::Commands;
            m_pending.append(Pending::Other);
            return i + 1;
        }
    }
    return bytes.size();
}

void SmtpWireLog::log(const QString& line, QStringList* logged)
{
    qCDebug(lcSubmissionWire).noquote() << line;
    logged->append(line);
    m_transcript.append(line);
    if (m_transcript.size() > kMaxTranscript) {
        m_transcript.removeFirst();
    }
}

} // namespace Latchmail
