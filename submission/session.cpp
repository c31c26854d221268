// SPDX-License-Identifier: GPL-3.0-or-later
// The submission session's input, output and error handling. Reads replies from the server
// (untrusted input) through the bounded SmtpReplyParser; every reply goes to the handler of the
// state it arrives in, and a reply no command asked for ends the session.
#include "submission/session.h"

#include "core/logging.h"
#include "submission/smtpcommand.h"

namespace Latchmail {

SmtpSession::SmtpSession(SmtpSessionOptions options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    qRegisterMetaType<Latchmail::SubmissionError>();
    qRegisterMetaType<Latchmail::TransactionResult>();
}

SmtpSession::~SmtpSession()
{
    m_password.fill(QChar(0));
}

void SmtpSession::open()
{
    if (m_state != State::Disconnected) {
        qCWarning(lcSubmission) << "open() called in state" << m_state;
        return;
    }
    m_channel = std::make_unique<SecureChannel>(m_options.channel);
    connect(m_channel.get(), &SecureChannel::plaintextConnected, this,
            &SmtpSession::handlePlaintextConnected);
    connect(m_channel.get(), &SecureChannel::secured, this, &SmtpSession::handleSecured);
    connect(m_channel.get(), &SecureChannel::readyRead, this, &SmtpSession::handleReadyRead);
    connect(m_channel.get(), &SecureChannel::bytesWritten, this,
            &SmtpSession::continueMessageContent);
    connect(m_channel.get(), &SecureChannel::latchViolated, this,
            &SmtpSession::handleLatchViolated);
    connect(m_channel.get(), &SecureChannel::failed, this, &SmtpSession::handleChannelFailed);
    connect(m_channel.get(), &SecureChannel::disconnected, this,
            &SmtpSession::handleChannelDisconnected);

    setState(State::Connecting);
    if (m_options.implicitTls) {
        m_channel->connectImplicitTls();
    } else {
        m_channel->connectPlaintext();
    }
}

void SmtpSession::quit()
{
    if (m_state == State::Closed || m_state == State::Quitting || m_failed) {
        return;
    }
    if (!m_channel || m_state == State::Connecting || m_state == State::TlsHandshake) {
        abort();
        setState(State::Closed);
        Q_EMIT closed();
        return;
    }
    setState(State::Quitting);
    send(SmtpCommand::quit());
}

void SmtpSession::abort()
{
    m_content.reset();
    m_password.fill(QChar(0));
    m_password.clear();
    if (m_channel) {
        m_channel->disconnect(this);
        m_channel->abort();
    }
    m_failed = true;
    setState(State::Closed);
}

TlsObservation SmtpSession::observation() const
{
    return m_channel ? m_channel->observation() : TlsObservation();
}

LatchSet SmtpSession::earnedLatches() const
{
    return m_channel ? m_channel->earnedLatches() : LatchSet();
}

void SmtpSession::handleReadyRead()
{
    if (!m_channel || m_failed) {
        return;
    }
    const QByteArray bytes = m_channel->readAll();
    m_wireLog.record(SmtpWireLog::Direction::ServerToClient, bytes);
    m_parser.feed(bytes);

    SmtpReply reply;
    while (!m_failed && m_state != State::TlsHandshake && m_parser.takeReply(&reply)) {
        dispatch(reply);
    }
    if (m_failed || !m_parser.hasError()) {
        return;
    }
    if (m_state == State::StartingTls) {
        refuseStartTls(QStringLiteral("answered STARTTLS with something that is not an SMTP "
                                      "reply"));
        return;
    }
    fail(SubmissionError::Kind::Protocol,
         QStringLiteral("protocol error: %1 sent a malformed reply (%2)")
             .arg(host(), beforeTls() ? QStringLiteral("before TLS") : m_parser.errorString()));
}

void SmtpSession::dispatch(const SmtpReply& reply)
{
    switch (m_state) {
    case State::Greeting:
        handleGreeting(reply);
        return;
    case State::Ehlo:
    case State::EhloAfterTls:
        handleEhloReply(reply);
        return;
    case State::StartingTls:
        handleStartTlsReply(reply);
        return;
    case State::Authenticating:
        handleAuthReply(reply);
        return;
    case State::MailTransaction:
    case State::Data:
        handleTransactionReply(reply);
        return;
    case State::Quitting:
        // RFC 5321 4.1.1.10: 221, then the server closes; either way the session is over.
        m_channel->disconnect(this);
        m_channel->close();
        setState(State::Closed);
        Q_EMIT closed();
        return;
    case State::Ready:
    case State::Disconnected:
    case State::Connecting:
    case State::TlsHandshake:
    case State::Closed:
        handleUnexpectedReply(reply);
        return;
    }
}

void SmtpSession::handleUnexpectedReply(const SmtpReply& reply)
{
    // RFC 5321 3.8: a server may announce at any time that it is closing with 421.
    if (reply.code == 421 && !beforeTls()) {
        fail(SubmissionError::Kind::ServerClosed,
             QStringLiteral("The server %1 is closing the connection. ").arg(host()) +
                 describeReply(reply).text());
        return;
    }
    fail(SubmissionError::Kind::Protocol,
         QStringLiteral("protocol error: %1 sent a reply (%2) no command asked for")
             .arg(host())
             .arg(reply.code));
}

bool SmtpSession::send(const QByteArray& bytes)
{
    m_wireLog.record(SmtpWireLog::Direction::ClientToServer, bytes);
    if (!m_channel->write(bytes)) {
        fail(SubmissionError::Kind::Network,
             QStringLiteral("the connection to %1 could not be written to").arg(host()));
        return false;
    }
    return true;
}

bool SmtpSession::sendSensitive(const QByteArray& bytes)
{
    if (!m_channel->writeSensitive(bytes)) {
        fail(SubmissionError::Kind::SecurityRefusal,
             QStringLiteral("refused to send the password to %1: the connection is not secured")
                 .arg(host()));
        return false;
    }
    // The wire log redacts everything of an authentication exchange.
    m_wireLog.record(SmtpWireLog::Direction::ClientToServer, bytes);
    return true;
}

void SmtpSession::setState(State state)
{
    if (m_state == state) {
        return;
    }
    qCDebug(lcSubmission) << host() << m_state << "->" << state;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void SmtpSession::fail(SubmissionError::Kind kind, const QString& message,
                       std::optional<LatchFailure> latch)
{
    if (m_failed) {
        return;
    }
    m_failed = true;
    m_content.reset();
    m_password.fill(QChar(0));
    m_password.clear();
    if (m_channel) {
        m_channel->disconnect(this);
        m_channel->abort();
    }
    setState(State::Closed);
    qCInfo(lcSubmission).noquote() << "submission to" << host() << "failed:" << message;
    Q_EMIT failed(SubmissionError{kind, message, std::move(latch)});
}

} // namespace Latchmail
