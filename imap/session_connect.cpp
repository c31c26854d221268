// SPDX-License-Identifier: GPL-3.0-or-later
// The secure start of an IMAP session: greeting, capabilities, STARTTLS (RFC 3501 6.2.1,
// RFC 9051 6.2.1), the TLS handshake through the SecureChannel, capabilities again over TLS,
// then authentication. Handles untrusted pre-TLS input: nothing from it is kept or shown.
#include "core/logging.h"
#include "imap/authmessages.h"
#include "imap/session.h"
#include "imap/tasks/authenticatetask.h"
#include "imap/tasks/logintask.h"

namespace Latchmail::Imap {

namespace {

SessionError::Kind kindOf(ChannelError::Kind kind)
{
    switch (kind) {
    case ChannelError::Kind::Network:
        return SessionError::Kind::Network;
    case ChannelError::Kind::Timeout:
        return SessionError::Kind::Timeout;
    case ChannelError::Kind::Tls:
        return SessionError::Kind::Tls;
    case ChannelError::Kind::StartTlsRefused:
    case ChannelError::Kind::PlaintextInjection:
    case ChannelError::Kind::CleartextRefused:
        return SessionError::Kind::SecurityRefusal;
    case ChannelError::Kind::Protocol:
        return SessionError::Kind::Protocol;
    }
    return SessionError::Kind::Network;
}

} // namespace

bool Session::cleartextAllowed() const
{
    return m_options.channel.allowCleartext && m_options.channel.required.isEmpty();
}

bool Session::beforeTls() const
{
    if (m_cleartextSession) {
        return false;
    }
    return !m_channel || m_channel->state() != SecureChannel::State::Secured;
}

void Session::handlePlaintextConnected()
{
    setState(State::Greeting);
}

void Session::handleSecured(const TlsObservation&)
{
    if (m_options.implicitTls) {
        setState(State::Greeting);
        return;
    }

    // RFC 3501 6.2.1: forget everything learnt before TLS and ask again.
    m_capabilities = Capabilities();
    m_preTlsCapabilities = Capabilities();
    m_byeText.clear();
    m_parser = std::make_unique<ResponseParser>(m_options.limits);
    m_parser->setLiteralSink(this);
    requestCapabilities();
}

void Session::handleLatchViolated(const LatchFailure& failure)
{
    fail(SessionError::Kind::LatchFailure, failure.userMessage(), failure);
}

void Session::handleChannelFailed(const ChannelError& error)
{
    fail(kindOf(error.kind), error.message);
}

void Session::handleChannelDisconnected()
{
    if (m_state == State::LoggingOut) {
        m_responseTimer.stop();
        m_channel->disconnect(this);
        setState(State::Disconnected);
        Q_EMIT closed();
        return;
    }
    if (!m_byeText.isEmpty()) {
        fail(SessionError::Kind::ServerClosed,
             QStringLiteral("the server closed the connection: ") + serverSaid(m_byeText));
        return;
    }
    fail(SessionError::Kind::ServerClosed,
         QStringLiteral("the server %1 closed the connection unexpectedly")
             .arg(m_options.channel.host));
}

void Session::handleGreeting(const Response& response)
{
    const auto* greeting = std::get_if<UntaggedStatus>(&response);
    if (!greeting || (greeting->status != Status::Ok && greeting->status != Status::PreAuth &&
                      greeting->status != Status::Bye)) {
        fail(SessionError::Kind::Protocol,
             QStringLiteral("protocol error: %1 did not greet with an IMAP greeting")
                 .arg(m_options.channel.host));
        return;
    }

    if (greeting->status == Status::Bye) {
        fail(
            SessionError::Kind::ServerClosed,
            beforeTls()
                ? QStringLiteral("the server %1 refused the connection").arg(m_options.channel.host)
                : QStringLiteral("the server refused the connection: ") +
                      serverSaid(greeting->text));
        return;
    }

    if (greeting->status == Status::PreAuth) {
        if (beforeTls()) {
            // A PREAUTH greeting rules out STARTTLS: continuing would mean working unencrypted.
            fail(SessionError::Kind::SecurityRefusal,
                 QStringLiteral("the server %1 declared the session authenticated before "
                                "encryption was set up (PREAUTH); Latchmail refused to use "
                                "it without TLS and sent nothing")
                     .arg(m_options.channel.host));
            return;
        }
        m_preAuthenticated = true;
    }

    if (!beforeTls() && greeting->code && greeting->code->kind == ResponseCodeKind::Capability) {
        m_capabilities = Capabilities(greeting->code->atoms);
        setState(State::PostTlsCapability);
        afterCapabilities();
        return;
    }
    if (beforeTls() && greeting->code && greeting->code->kind == ResponseCodeKind::Capability) {
        m_preTlsCapabilities = Capabilities(greeting->code->atoms);
        setState(State::PreTlsCapability);
        afterCapabilities();
        return;
    }
    requestCapabilities();
}

void Session::requestCapabilities()
{
    if (m_state != State::Authenticating) {
        setState(beforeTls() ? State::PreTlsCapability : State::PostTlsCapability);
    }
    send(Commands::capability(nextTag()), nullptr);
}

void Session::handleCapabilityDone(const TaggedResponse& tagged)
{
    if (tagged.status != Status::Ok) {
        fail(SessionError::Kind::Protocol,
             beforeTls()
                 ? QStringLiteral("protocol error: the server refused to list its "
                                  "capabilities")
                 : QStringLiteral("protocol error: CAPABILITY failed: ") + serverSaid(tagged.text));
        return;
    }
    afterCapabilities();
}

void Session::afterCapabilities()
{
    if (m_state == State::PreTlsCapability) {
        startTlsOrRefuse();
        return;
    }
    if (m_state == State::Authenticating) {
        enableExtensions();
        return;
    }

    if (!m_capabilities.speaksImap()) {
        fail(SessionError::Kind::Protocol,
             QStringLiteral("protocol error: the server does not announce IMAP4rev1 or "
                            "IMAP4rev2"));
        return;
    }
    if (m_preAuthenticated) {
        setState(State::Authenticating);
        enableExtensions();
        return;
    }
    Q_EMIT readyForAuthentication();
}

void Session::startTlsOrRefuse()
{
    if (m_preTlsCapabilities.startTls()) {
        setState(State::StartingTls);
        // Sent alone; its reply is awaited before anything else happens (no pipelining).
        send(Commands::startTls(nextTag()), nullptr);
        return;
    }
    if (cleartextAllowed()) {
        continueInCleartext();
        return;
    }
    fail(SessionError::Kind::SecurityRefusal,
         QStringLiteral("the server %1 does not offer STARTTLS, so the connection cannot be "
                        "encrypted; this can mean someone is interfering with the connection. "
                        "Nothing was sent.")
             .arg(m_options.channel.host));
}

void Session::handleStartTlsReply(const TaggedResponse& tagged)
{
    if (tagged.status == Status::Ok) {
        // Any CAPABILITY code in this reply came before TLS and is ignored. Whatever the parser
        // still holds arrived in plaintext after the reply: the channel refuses to go on.
        setState(State::TlsHandshake);
        qCDebug(lcImap) << "STARTTLS accepted;" << m_parser->bufferedBytes()
                        << "bytes remain in the parser";
        m_channel->startTls(m_parser->bufferedBytes());
        return;
    }
    if (cleartextAllowed()) {
        continueInCleartext();
        return;
    }
    fail(SessionError::Kind::SecurityRefusal,
         QStringLiteral("the server %1 refused STARTTLS, so the connection cannot be "
                        "encrypted; this can mean someone is interfering with the connection. "
                        "Nothing was sent.")
             .arg(m_options.channel.host));
}

void Session::continueInCleartext()
{
    qCWarning(lcImap).noquote() << "continuing without encryption with" << m_options.channel.host
                                << "(cleartext explicitly allowed)";
    m_cleartextSession = true;
    m_capabilities = m_preTlsCapabilities;
    setState(State::PostTlsCapability);
    afterCapabilities();
}

void Session::authenticate(const QString& userName, const QString& password)
{
    if (m_state != State::PostTlsCapability || m_authTask) {
        qCWarning(lcImap) << "authenticate() called in state" << m_state;
        return;
    }
    if (!m_channel->mayAuthenticate()) {
        fail(SessionError::Kind::SecurityRefusal,
             QStringLiteral("refused to send the password to %1: the connection is not secured")
                 .arg(m_options.channel.host));
        return;
    }

    ImapTask* task = nullptr;
    switch (chooseAuthMethod(m_capabilities)) {
    case AuthMethod::AuthenticatePlain:
        task = new AuthenticateTask(userName, password, this);
        break;
    case AuthMethod::Login:
        task = new LoginTask(userName, password, this);
        break;
    case AuthMethod::None:
        fail(SessionError::Kind::AuthenticationFailed,
             QStringLiteral("the server %1 offers no way to log in that Latchmail supports "
                            "(it disables LOGIN and does not offer AUTHENTICATE PLAIN)")
                 .arg(m_options.channel.host));
        return;
    }

    setState(State::Authenticating);
    m_authTask = task;
    m_activeTask = task;
    connect(task, &ImapTask::finished, this, &Session::handleAuthTaskFinished);
    task->start(this);
}

void Session::handleAuthTaskFinished(ImapTask* task)
{
    m_activeTask = nullptr;
    task->deleteLater();
    if (m_failed) {
        return;
    }
    auto* auth = static_cast<AuthTaskBase*>(task);
    if (!task->succeeded()) {
        fail(SessionError::Kind::AuthenticationFailed,
             auth->response()
                 ? authenticationFailureMessage(*auth->response(), m_options.channel.host)
                 : task->errorMessage());
        return;
    }

    // RFC 9051 6.2.3: capabilities may change after authentication.
    const std::optional<TaggedResponse>& ok = auth->response();
    if (ok && ok->code && ok->code->kind == ResponseCodeKind::Capability) {
        m_capabilities = Capabilities(ok->code->atoms);
        enableExtensions();
        return;
    }
    requestCapabilities();
}

void Session::enableExtensions()
{
    // RFC 9051 6.3.1: a server announcing IMAP4rev2 speaks IMAP4rev1 until the client enables
    // rev2; ENABLE is part of rev2. RFC 7162 3.2.3: QRESYNC must be enabled before it is used
    // (it implies CONDSTORE). Both go in one ENABLE.
    QList<QByteArray> wanted;
    if (m_capabilities.has("IMAP4REV2")) {
        wanted.append(QByteArrayLiteral("IMAP4rev2"));
    }
    if (m_capabilities.qresync() && (m_capabilities.enable() || !wanted.isEmpty())) {
        wanted.append(QByteArrayLiteral("QRESYNC"));
    }
    if (!wanted.isEmpty() && !m_enableSent) {
        m_enableSent = true;
        send(Commands::enable(nextTag(), wanted), nullptr);
        return;
    }
    becomeAuthenticated();
}

void Session::becomeAuthenticated()
{
    setState(State::Authenticated);
    Q_EMIT authenticated();
    startNextTask();
}

void Session::handleEnabledData(const EnabledData& response)
{
    if (m_state != State::Authenticating) {
        return;
    }
    for (const QByteArray& capability : response.capabilities) {
        const QByteArray upper = capability.toUpper();
        if (upper == "QRESYNC") {
            m_qresyncEnabled = true;
        } else if (upper == "IMAP4REV2") {
            m_imap4rev2Enabled = true;
        }
    }
}

} // namespace Latchmail::Imap
