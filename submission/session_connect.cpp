// SPDX-License-Identifier: GPL-3.0-or-later
// The secure start of a submission session: greeting, EHLO, STARTTLS (RFC 3207), the TLS
// handshake through the SecureChannel, EHLO again over TLS. Handles untrusted pre-TLS input:
// nothing from it is kept after TLS or shown to the user.
#include "core/logging.h"
#include "submission/session.h"
#include "submission/smtpcommand.h"

namespace Latchmail {

namespace {

SubmissionError::Kind kindOf(ChannelError::Kind kind)
{
    switch (kind) {
    case ChannelError::Kind::Network:
        return SubmissionError::Kind::Network;
    case ChannelError::Kind::Timeout:
        return SubmissionError::Kind::Timeout;
    case ChannelError::Kind::Tls:
        return SubmissionError::Kind::Tls;
    case ChannelError::Kind::StartTlsRefused:
    case ChannelError::Kind::PlaintextInjection:
    case ChannelError::Kind::CleartextRefused:
        return SubmissionError::Kind::SecurityRefusal;
    case ChannelError::Kind::Protocol:
        return SubmissionError::Kind::Protocol;
    }
    return SubmissionError::Kind::Network;
}

// RFC 5321 4.1.3: "[192.0.2.1]" or "[IPv6:2001:db8::1]".
QString addressLiteral(const QHostAddress& address)
{
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    if (isIpv4) {
        return QLatin1Char('[') + QHostAddress(ipv4).toString() + QLatin1Char(']');
    }
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        QHostAddress withoutScope = address;
        withoutScope.setScopeId(QString());
        return QStringLiteral("[IPv6:") + withoutScope.toString() + QLatin1Char(']');
    }
    return QStringLiteral("[127.0.0.1]");
}

} // namespace

bool SmtpSession::cleartextAllowed() const
{
    return m_options.channel.allowCleartext && m_options.channel.required.isEmpty();
}

bool SmtpSession::beforeTls() const
{
    if (m_cleartextSession) {
        return false;
    }
    return !m_channel || m_channel->state() != SecureChannel::State::Secured;
}

void SmtpSession::handlePlaintextConnected()
{
    setState(State::Greeting);
}

void SmtpSession::handleSecured(const TlsObservation&)
{
    if (m_options.implicitTls) {
        setState(State::Greeting); // RFC 8314 3.3: the greeting comes over TLS
        return;
    }
    // RFC 3207 4.2: discard all knowledge obtained from the server before TLS, then EHLO again.
    m_preTls = EhloCapabilities();
    m_capabilities = EhloCapabilities();
    m_parser.reset();
    setState(State::EhloAfterTls);
    sendEhlo();
}

void SmtpSession::handleLatchViolated(const LatchFailure& failure)
{
    fail(SubmissionError::Kind::LatchFailure, failure.userMessage(), failure);
}

void SmtpSession::handleChannelFailed(const ChannelError& error)
{
    fail(kindOf(error.kind), error.message);
}

void SmtpSession::handleChannelDisconnected()
{
    if (m_state == State::Quitting) {
        setState(State::Closed);
        Q_EMIT closed();
        return;
    }
    fail(m_state == State::Data ? SubmissionError::Kind::ServerClosed
                                : SubmissionError::Kind::Network,
         QStringLiteral("the server %1 closed the connection unexpectedly").arg(host()));
}

void SmtpSession::handleGreeting(const SmtpReply& reply)
{
    if (reply.code == 220) {
        setState(beforeTls() ? State::Ehlo : State::EhloAfterTls);
        sendEhlo();
        return;
    }
    // RFC 5321 3.1: 554 instead of 220 means "no service here". Text received before TLS is
    // never shown.
    fail(reply.code == 554 || reply.code == 421 ? SubmissionError::Kind::ServerClosed
                                                : SubmissionError::Kind::Protocol,
         beforeTls() ? QStringLiteral("the server %1 refused the connection (reply %2)")
                           .arg(host())
                           .arg(reply.code)
                     : QStringLiteral("The server %1 refused the connection. ").arg(host()) +
                           describeReply(reply).text());
}

void SmtpSession::sendEhlo()
{
    const QString domain = m_options.ehloDomain.isEmpty()
                               ? addressLiteral(m_channel->localAddress())
                               : m_options.ehloDomain;
    const SmtpCommandLine line = SmtpCommand::ehlo(domain);
    if (!line.isValid()) {
        fail(SubmissionError::Kind::Protocol, line.error);
        return;
    }
    send(line.bytes);
}

void SmtpSession::handleEhloReply(const SmtpReply& reply)
{
    if (reply.code != 250) {
        fail(SubmissionError::Kind::Protocol,
             beforeTls() ? QStringLiteral("protocol error: %1 refused EHLO before TLS (reply %2)")
                               .arg(host())
                               .arg(reply.code)
                         : QStringLiteral("protocol error: %1 refused EHLO. ").arg(host()) +
                               describeReply(reply).text());
        return;
    }

    if (m_state == State::EhloAfterTls) {
        m_capabilities = EhloCapabilities::fromReply(reply);
        Q_EMIT readyForAuthentication();
        return;
    }

    m_preTls = EhloCapabilities::fromReply(reply);
    if (m_preTls.startTls) {
        setState(State::StartingTls);
        // Sent alone; nothing else is written until its reply arrived (no pipelining).
        send(SmtpCommand::startTls());
        return;
    }
    if (cleartextAllowed()) {
        continueInCleartext();
        return;
    }
    fail(SubmissionError::Kind::SecurityRefusal,
         QStringLiteral("the server %1 does not offer STARTTLS, so the connection cannot be "
                        "encrypted; this can mean someone is interfering with the connection. "
                        "Nothing was sent.")
             .arg(host()));
}

void SmtpSession::handleStartTlsReply(const SmtpReply& reply)
{
    if (reply.code == 220) {
        // Whatever the parser still holds arrived in plaintext after the reply: the channel
        // refuses to go on (plaintext injection).
        setState(State::TlsHandshake);
        m_channel->startTls(m_parser.isEmpty() ? 0 : 1);
        return;
    }
    if (cleartextAllowed()) {
        continueInCleartext();
        return;
    }
    refuseStartTls(QStringLiteral("refused STARTTLS (reply %1)").arg(reply.code));
}

void SmtpSession::refuseStartTls(const QString& what)
{
    fail(SubmissionError::Kind::SecurityRefusal,
         QStringLiteral("the server %1 %2, so the connection cannot be encrypted; this can mean "
                        "someone is interfering with the connection. Nothing was sent.")
             .arg(host(), what));
}

void SmtpSession::continueInCleartext()
{
    qCWarning(lcSubmission).noquote()
        << "continuing without encryption with" << host() << "(cleartext explicitly allowed)";
    m_cleartextSession = true;
    m_capabilities = m_preTls;
    setState(State::EhloAfterTls);
    Q_EMIT readyForAuthentication();
}

} // namespace Latchmail
