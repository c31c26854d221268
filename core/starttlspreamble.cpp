// SPDX-License-Identifier: GPL-3.0-or-later
// Parses untrusted server input: the plaintext IMAP or SMTP exchange before STARTTLS. Lines and
// the whole exchange are bounded; server text goes to the wire log only, never to the user.
#include "core/starttlspreamble.h"

#include "core/logging.h"

#include <QHostAddress>

namespace Latchmail {

namespace {

bool startsWithWord(const QByteArray& upperLine, const QByteArray& word)
{
    return upperLine == word || upperLine.startsWith(QByteArray(word + ' '));
}

// True if the space-separated atoms of `text` include STARTTLS (RFC 3501 section 7.2.1).
bool listsStartTls(const QByteArray& upperText)
{
    const QList<QByteArray> atoms = upperText.split(' ');
    return atoms.contains(QByteArrayLiteral("STARTTLS"));
}

// The EHLO domain: our address literal (RFC 5321 section 4.1.3), never a name that would
// identify the user's machine.
QByteArray ehloDomain(const QHostAddress& local)
{
    if (local.isNull()) {
        return QByteArrayLiteral("[127.0.0.1]");
    }
    if (local.protocol() == QAbstractSocket::IPv6Protocol) {
        return "[IPv6:" + local.toString().toLatin1() + ']';
    }
    return '[' + local.toString().toLatin1() + ']';
}

} // namespace

StartTlsPreamble::StartTlsPreamble(StartTlsDialect dialect, SecureChannel* channel, QObject* parent)
    : QObject(parent)
    , m_dialect(dialect)
    , m_channel(channel)
{
}

void StartTlsPreamble::start()
{
    if (m_step != Step::Idle) {
        return;
    }
    if (m_channel->state() != SecureChannel::State::Plaintext) {
        fail(ChannelError::Kind::Protocol, QStringLiteral("the connection is not in plaintext"));
        return;
    }

    m_step = Step::Greeting;
    connect(m_channel, &SecureChannel::readyRead, this, &StartTlsPreamble::handleReadyRead);
    connect(m_channel, &SecureChannel::disconnected, this, &StartTlsPreamble::handleDisconnected);
    handleReadyRead();
}

void StartTlsPreamble::handleReadyRead()
{
    const QByteArray bytes = m_channel->readAll();
    m_received += bytes.size();
    m_buffer += bytes;
    if (m_received > kMaxPreambleBytes) {
        fail(
            ChannelError::Kind::Protocol,
            QStringLiteral("the server sent more than %1 bytes before TLS").arg(kMaxPreambleBytes));
        return;
    }

    while (m_step != Step::Done) {
        const qsizetype end = m_buffer.indexOf('\n');
        const qsizetype lineBytes = end < 0 ? m_buffer.size() : end + 1;
        if (lineBytes > kMaxLineBytes) {
            fail(ChannelError::Kind::Protocol,
                 QStringLiteral("the server sent a line longer than %1 bytes").arg(kMaxLineBytes));
            return;
        }
        if (end < 0) {
            return;
        }

        QByteArray line = m_buffer.left(lineBytes);
        m_buffer.remove(0, lineBytes);
        line.chop(line.endsWith("\r\n") ? 2 : 1);
        handleLine(line);
    }
}

void StartTlsPreamble::handleDisconnected()
{
    if (m_step != Step::Done) {
        fail(ChannelError::Kind::Network,
             QStringLiteral("the server closed the connection before TLS was started"));
    }
}

void StartTlsPreamble::handleLine(const QByteArray& line)
{
    if (m_dialect == StartTlsDialect::Imap) {
        qCDebug(lcImapWire).noquote() << "S:" << QString::fromLatin1(line);
        handleImapLine(line);
    } else {
        qCDebug(lcSubmissionWire).noquote() << "S:" << QString::fromLatin1(line);
        handleSmtpLine(line);
    }
}

// --- IMAP (RFC 3501 sections 6.2.1 and 7.1) ---

void StartTlsPreamble::handleImapLine(const QByteArray& line)
{
    switch (m_step) {
    case Step::Greeting:
        handleImapGreeting(line);
        break;
    case Step::Capability:
        handleImapCapabilityReply(line);
        break;
    case Step::StartTls:
        handleImapStartTlsReply(line);
        break;
    case Step::Idle:
    case Step::Ehlo:
    case Step::Done:
        break;
    }
}

void StartTlsPreamble::handleImapGreeting(const QByteArray& line)
{
    const QByteArray upper = line.toUpper();
    if (startsWithWord(upper, "* PREAUTH")) {
        fail(ChannelError::Kind::StartTlsRefused,
             QStringLiteral("the server sent PREAUTH before TLS: it would start an authenticated "
                            "session without encryption"));
        return;
    }
    if (startsWithWord(upper, "* BYE")) {
        fail(ChannelError::Kind::Protocol,
             QStringLiteral("the server refused the connection before TLS (BYE greeting)"));
        return;
    }
    if (!startsWithWord(upper, "* OK")) {
        fail(ChannelError::Kind::Protocol, QStringLiteral("the server's greeting is not IMAP"));
        return;
    }

    const QByteArray capabilityCode = "* OK [CAPABILITY ";
    const qsizetype codeEnd = upper.indexOf(']');
    if (upper.startsWith(capabilityCode) && codeEnd > 0) {
        m_advertised =
            listsStartTls(upper.mid(capabilityCode.size(), codeEnd - capabilityCode.size()));
        decideStartTls();
        return;
    }

    if (sendCommand("CAPABILITY")) {
        m_step = Step::Capability;
    }
}

void StartTlsPreamble::handleImapCapabilityReply(const QByteArray& line)
{
    const QByteArray upper = line.toUpper();
    if (startsWithWord(upper, "* CAPABILITY")) {
        m_advertised = m_advertised || listsStartTls(upper);
        return;
    }
    if (upper.startsWith("* ")) {
        return; // other untagged data before TLS is never applied
    }
    if (startsWithWord(upper, imapTag() + " OK")) {
        decideStartTls();
        return;
    }
    fail(ChannelError::Kind::Protocol,
         upper.startsWith(QByteArray(imapTag() + ' '))
             ? QStringLiteral("the server rejected the CAPABILITY command")
             : QStringLiteral("the server's reply to CAPABILITY is not IMAP"));
}

void StartTlsPreamble::handleImapStartTlsReply(const QByteArray& line)
{
    const QByteArray upper = line.toUpper();
    if (upper.startsWith("* ")) {
        return; // untagged data is never applied; only the tagged reply counts
    }
    if (startsWithWord(upper, imapTag() + " OK")) {
        handOver();
        return;
    }
    fail(ChannelError::Kind::StartTlsRefused,
         upper.startsWith(QByteArray(imapTag() + ' '))
             ? QStringLiteral("the server refused STARTTLS")
             : QStringLiteral("the server's reply to STARTTLS is garbled"));
}

QByteArray StartTlsPreamble::imapTag() const
{
    return 'A' + QByteArray::number(m_tagNumber);
}

// --- SMTP (RFC 5321 section 4.2, RFC 3207 section 4) ---

void StartTlsPreamble::handleSmtpLine(const QByteArray& line)
{
    bool isNumber = false;
    const int code = line.left(3).toInt(&isNumber);
    const bool wellFormed = line.size() >= 3 && isNumber && code >= 200 && code <= 599 &&
                            (line.size() == 3 || line.at(3) == ' ' || line.at(3) == '-');
    if (!wellFormed || (m_replyCode != 0 && code != m_replyCode)) {
        fail(m_step == Step::Greeting ? ChannelError::Kind::Protocol
                                      : ChannelError::Kind::StartTlsRefused,
             QStringLiteral("the server's reply is not SMTP"));
        return;
    }

    const bool last = line.size() == 3 || line.at(3) == ' ';
    m_replyCode = last ? 0 : code;
    ++m_replyLines;
    const int lineNumber = m_replyLines;
    if (last) {
        m_replyLines = 0;
    }

    if (m_step == Step::Greeting) {
        if (code != 220) {
            fail(ChannelError::Kind::Protocol,
                 QStringLiteral("the server refused the session (reply code %1)").arg(code));
        } else if (last && sendCommand("EHLO " + ehloDomain(m_channel->localAddress()))) {
            m_step = Step::Ehlo;
        }
    } else if (m_step == Step::Ehlo) {
        // The first line of the EHLO reply names the server; keywords follow (RFC 5321 4.1.1.1).
        const bool keywordLine = code == 250 && lineNumber > 1;
        handleSmtpEhloReply(code, last, keywordLine ? line.mid(4) : QByteArray());
    } else if (m_step == Step::StartTls) {
        handleSmtpStartTlsReply(code, last);
    }
}

void StartTlsPreamble::handleSmtpEhloReply(int code, bool last, const QByteArray& text)
{
    Q_UNUSED(code)
    if (text.toUpper().split(' ').value(0) == "STARTTLS") {
        m_advertised = true;
    }
    if (last) {
        decideStartTls(); // a rejected EHLO offers no extension, so no STARTTLS either
    }
}

void StartTlsPreamble::handleSmtpStartTlsReply(int code, bool last)
{
    if (code != 220) {
        fail(ChannelError::Kind::StartTlsRefused,
             QStringLiteral("the server refused STARTTLS (reply code %1)").arg(code));
        return;
    }
    if (last) {
        handOver();
    }
}

// --- common ---

bool StartTlsPreamble::sendCommand(const QByteArray& command)
{
    // A server speaks only when asked: anything it sent ahead of our command is not a reply to
    // it, and treating it as one is how plaintext injection works.
    if (!m_buffer.isEmpty()) {
        fail(command == "STARTTLS" ? ChannelError::Kind::StartTlsRefused
                                   : ChannelError::Kind::Protocol,
             QStringLiteral("the server sent data before it was asked"));
        return false;
    }

    QByteArray line = command;
    if (m_dialect == StartTlsDialect::Imap) {
        ++m_tagNumber;
        line = imapTag() + ' ' + command;
        qCDebug(lcImapWire).noquote() << "C:" << QString::fromLatin1(line);
    } else {
        qCDebug(lcSubmissionWire).noquote() << "C:" << QString::fromLatin1(line);
    }
    return m_channel->write(line + "\r\n");
}

void StartTlsPreamble::decideStartTls()
{
    if (m_advertised) {
        if (sendCommand("STARTTLS")) {
            m_step = Step::StartTls;
        }
        return;
    }

    const ChannelOptions& options = m_channel->options();
    if (options.allowCleartext && options.required.isEmpty()) {
        m_step = Step::Done;
        disconnect(m_channel, nullptr, this, nullptr);
        Q_EMIT cleartextOnly();
        return;
    }
    fail(ChannelError::Kind::StartTlsRefused,
         QStringLiteral("the server does not offer STARTTLS, and the account does not allow a "
                        "connection without TLS"));
}

void StartTlsPreamble::handOver()
{
    m_step = Step::Done;
    disconnect(m_channel, nullptr, this, nullptr);

    // Whatever followed the reply in our buffer arrived in plaintext: the channel refuses it.
    const qsizetype buffered = m_buffer.size();
    m_buffer.clear();
    if (m_channel->startTls(buffered)) {
        Q_EMIT handedOver();
    }
}

void StartTlsPreamble::fail(ChannelError::Kind kind, const QString& message)
{
    m_step = Step::Done;
    m_buffer.clear();
    disconnect(m_channel, nullptr, this, nullptr);
    m_channel->abort();
    Q_EMIT failed(ChannelError{kind, message});
}

} // namespace Latchmail
