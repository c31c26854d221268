// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP session: lifecycle, input and failure handling. The secure start lives in
// session_connect.cpp, response dispatch in session_dispatch.cpp, commands and tasks in
// session_commands.cpp.
#include "imap/session.h"

#include "core/logging.h"
#include "imap/tasks/imaptask.h"

namespace Latchmail::Imap {

Session::Session(SessionOptions options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    // The channel's own inactivity deadline would end an IDLE; the session keeps a per-command
    // deadline instead (m_responseTimer).
    m_options.channel.service = Service::MessageAccess;
    m_options.channel.inactivityTimeoutMs = 0;
    m_responseTimer.setSingleShot(true);
    connect(&m_responseTimer, &QTimer::timeout, this, &Session::handleResponseTimeout);
}

Session::~Session()
{
    if (m_channel) {
        m_channel->disconnect(this);
    }
}

void Session::open()
{
    if (m_state != State::Disconnected || m_channel) {
        qCWarning(lcImap) << "open() called twice";
        return;
    }

    m_channel = std::make_unique<SecureChannel>(m_options.channel);
    m_parser = std::make_unique<ResponseParser>(m_options.limits);
    m_parser->setLiteralSink(this);
    connect(m_channel.get(), &SecureChannel::plaintextConnected, this,
            &Session::handlePlaintextConnected);
    connect(m_channel.get(), &SecureChannel::secured, this, &Session::handleSecured);
    connect(m_channel.get(), &SecureChannel::latchViolated, this, &Session::handleLatchViolated);
    connect(m_channel.get(), &SecureChannel::failed, this, &Session::handleChannelFailed);
    connect(m_channel.get(), &SecureChannel::disconnected, this,
            &Session::handleChannelDisconnected);
    connect(m_channel.get(), &SecureChannel::readyRead, this, &Session::handleReadyRead);

    setState(State::Connecting);
    if (m_options.implicitTls) {
        m_channel->connectImplicitTls();
    } else {
        m_channel->connectPlaintext();
    }
}

void Session::abort()
{
    fail(SessionError::Kind::Cancelled, QStringLiteral("the connection was cancelled"));
}

TlsObservation Session::observation() const
{
    return m_channel ? m_channel->observation() : TlsObservation();
}

LatchSet Session::earnedLatches() const
{
    return m_channel ? m_channel->earnedLatches() : LatchSet();
}

CommandOptions Session::commandOptions() const
{
    CommandOptions options;
    options.literalPlus = m_capabilities.literalPlus();
    options.literalMinus = m_capabilities.literalMinus() || m_capabilities.has("IMAP4REV2");
    options.saslIr = m_capabilities.saslIr();
    return options;
}

void Session::setState(State state)
{
    if (m_state == state) {
        return;
    }
    qCDebug(lcImap) << "session state" << m_state << "->" << state;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void Session::setSelected(const SelectedMailbox& mailbox)
{
    m_selected = mailbox;
    setState(State::Selected);
}

void Session::setUnselected()
{
    m_selected = SelectedMailbox();
    if (m_state == State::Selected || m_state == State::Idling) {
        setState(State::Authenticated);
    }
}

void Session::setIdling(bool idling)
{
    if (idling && m_state == State::Selected) {
        m_responseTimer.stop();
        setState(State::Idling);
    } else if (!idling && m_state == State::Idling) {
        setState(State::Selected);
    }
}

void Session::handleReadyRead()
{
    if (!m_channel || m_failed) {
        return;
    }
    const QByteArray bytes = m_channel->readAll();
    if (bytes.isEmpty()) {
        return;
    }
    logWire(Direction::ServerToClient, bytes, m_redaction);
    if (m_responseTimer.isActive()) {
        m_responseTimer.start(m_options.responseTimeoutMs);
    }
    m_parser->feed(bytes);
    processResponses();
}

void Session::processResponses()
{
    // Stops as soon as the state leaves the plaintext phase: after the STARTTLS reply nothing
    // more may be read from this parser (its remaining bytes are an injection).
    while (!m_failed && m_state != State::TlsHandshake && m_state != State::Disconnected) {
        std::optional<Response> response = m_parser->next();
        if (!response) {
            break;
        }
        dispatch(*response);
    }

    if (!m_failed && m_parser && m_parser->hasFailed()) {
        if (beforeTls()) {
            // The parser's message quotes server bytes, which are not shown before TLS.
            fail(m_state == State::StartingTls ? SessionError::Kind::SecurityRefusal
                                               : SessionError::Kind::Protocol,
                 m_state == State::StartingTls
                     ? QStringLiteral("the server's reply to STARTTLS is garbled; the connection "
                                      "was closed without encryption and nothing was sent")
                     : QStringLiteral("protocol error: the server sent something that is not "
                                      "IMAP before encryption was set up"));
            return;
        }
        fail(SessionError::Kind::Protocol,
             QStringLiteral("protocol error: ") + m_parser->error()->message);
    }
}

void Session::handleResponseTimeout()
{
    fail(SessionError::Kind::Timeout,
         QStringLiteral("the server %1 stopped responding (nothing received for %2 s)")
             .arg(m_options.channel.host)
             .arg(m_options.responseTimeoutMs / 1000.0));
}

void Session::fail(SessionError::Kind kind, const QString& message,
                   std::optional<LatchFailure> latch)
{
    if (m_failed) {
        return;
    }
    m_failed = true;
    m_responseTimer.stop();
    if (m_channel) {
        m_channel->disconnect(this);
        m_channel->abort();
    }
    m_pending.clear();
    setState(State::Disconnected);
    qCInfo(lcImap).noquote() << "session with" << m_options.channel.host << "ended:" << message;

    abortTasks(message);
    Q_EMIT failed(SessionError{kind, message, std::move(latch)});
}

} // namespace Latchmail::Imap
