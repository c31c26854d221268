// SPDX-License-Identifier: GPL-3.0-or-later
// SecureChannel: connecting, the TLS handshake, the latch gate, and how a connection ends.
#include "core/securechannel.h"
#include "core/securechannel_p.h"

#include "core/connectionlog.h"
#include "core/latchrules.h"
#include "core/logging.h"
#include "core/sessionobservation.h"
#include "core/systemtrust.h"
#include "core/tlspolicy.h"

#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <utility>

namespace Latchmail {

namespace {

// DEEP 3.2: TLS counts only with "a symmetric key of at least 128 bits".
constexpr int kMinimumKeyBits = 128;

// Bytes the kernel received on `descriptor` that the socket has not read yet.
qsizetype kernelPendingBytes(qintptr descriptor)
{
    int pending = 0;
    if (descriptor < 0 || ::ioctl(static_cast<int>(descriptor), FIONREAD, &pending) != 0) {
        return 0;
    }
    return pending;
}

// Once bytes went out, the peer's reply is due. Linux delays the ACK of what arrives next (by
// up to 40 ms) while a connection looks interactive, and a server whose Nagle algorithm holds a
// reply until its previous segment is acknowledged then waits for nothing: Postfix sends its
// TLS 1.3 session tickets and then the reply to EHLO. TCP_QUICKACK acknowledges at once.
void acknowledgePromptly(const QSslSocket& socket)
{
#ifdef TCP_QUICKACK
    const int on = 1;
    const qintptr descriptor = socket.socketDescriptor();
    if (descriptor >= 0) {
        ::setsockopt(static_cast<int>(descriptor), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
    }
#else
    Q_UNUSED(socket)
#endif
}

// Trust errors that a system store's verdict on the whole chain answers. Qt's blacklist of
// known fraudulent certificates is not among them: OpenSSL's path validation does not know it.
bool answeredBySystemStore(const QSslError& error)
{
    return error.error() != QSslError::CertificateBlacklisted;
}

} // namespace

StartTlsDialect startTlsDialectFor(Service service)
{
    return service == Service::MessageSubmission ? StartTlsDialect::Submission
                                                 : StartTlsDialect::Imap;
}

SecureChannel::SecureChannel(ChannelOptions options, QObject* parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
    , m_options(std::move(options))
{
    d->timer.setSingleShot(true);
    connect(&d->timer, &QTimer::timeout, this, &SecureChannel::handleTimeout);
}

SecureChannel::~SecureChannel()
{
    delete d->diagnosticChannel;
    if (d->socket) {
        d->socket->disconnect(this);
        if (m_state != State::Closed) {
            d->socket->abort();
        }
    }
}

QString SecureChannel::endpoint() const
{
    const QString host = m_options.host.contains(QLatin1Char(':'))
                             ? QLatin1Char('[') + m_options.host + QLatin1Char(']')
                             : m_options.host;
    return host + QLatin1Char(':') + QString::number(m_options.port);
}

void SecureChannel::createSocket()
{
    d->socket = new QSslSocket(this);
    connect(d->socket, &QAbstractSocket::connected, this, &SecureChannel::handleConnected);
    connect(d->socket, &QSslSocket::encrypted, this, &SecureChannel::handleEncrypted);
    connect(d->socket, &QSslSocket::sslErrors, this, &SecureChannel::handleSslErrors);
    connect(d->socket, &QAbstractSocket::errorOccurred, this, &SecureChannel::handleSocketError);
    connect(d->socket, &QAbstractSocket::disconnected, this,
            &SecureChannel::handleSocketDisconnected);
    connect(d->socket, &QIODevice::readyRead, this, &SecureChannel::handleSocketReadyRead);
    // Over TLS QSslSocket reports progress as encryptedBytesWritten; in plaintext as
    // bytesWritten. Either keeps the inactivity timer fed while a large message streams out.
    const auto progress = [this] {
        acknowledgePromptly(*d->socket);
        armTimer();
        Q_EMIT bytesWritten();
    };
    connect(d->socket, &QSslSocket::encryptedBytesWritten, this, progress);
    connect(d->socket, &QIODevice::bytesWritten, this, [this, progress] {
        if (m_state == State::Plaintext) {
            progress();
        }
    });
}

bool SecureChannel::prepareTlsConfiguration()
{
    QSslConfiguration base = QSslConfiguration::defaultConfiguration();
    if (!m_options.extraCaFile.isEmpty()) {
        const QList<QSslCertificate> extra = QSslCertificate::fromPath(
            m_options.extraCaFile, QSsl::Pem, QSslCertificate::PatternSyntax::FixedString);
        if (extra.isEmpty()) {
            const QString message = QStringLiteral("the CA file %1 cannot be read or holds no PEM "
                                                   "certificate")
                                        .arg(m_options.extraCaFile);
            // Reported from the event loop: the caller has not started waiting yet.
            QMetaObject::invokeMethod(
                this, [this, message] { finishWithError(ChannelError::Kind::Tls, message); },
                Qt::QueuedConnection);
            return false;
        }
        // The handshake trusts the extra CAs alone: a server on a private CA, the reason for
        // the file, is verified without reading the system store (about 40 ms of parsing for
        // the distribution's bundle). A chain they do not vouch for goes to the system store
        // afterwards (handleSslErrors()), so the file adds trust and takes none away.
        base.setCaCertificates(extra);
    }

    d->configuration = policyFor(m_options.required, base);
    // Qt verifies the chain and reports every problem; handleSslErrors() lets the handshake
    // continue and the gate decides (DEEP 5.3).
    d->configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    // Every connection gets a full handshake with a full verification: a resumed session would
    // carry an earlier verdict.
    d->configuration.setSslOption(QSsl::SslOptionDisableSessionSharing, true);
    d->configuration.setSslOption(QSsl::SslOptionDisableSessionTickets, true);
    return true;
}

void SecureChannel::applyTlsConfiguration()
{
    d->socket->setSslConfiguration(d->configuration);
    d->socket->setPeerVerifyName(m_options.host);
}

void SecureChannel::connectImplicitTls()
{
    if (m_state != State::Idle) {
        qCWarning(lcTls) << "connectImplicitTls() called in state" << channelStateName(m_state);
        return;
    }
    createSocket();
    d->transport = TransportSecurity::ImplicitTls;
    m_state = State::Connecting;
    if (!prepareTlsConfiguration()) {
        return;
    }
    applyTlsConfiguration();

    qCDebug(lcTls).noquote() << "connecting to" << endpoint() << "with implicit TLS";
    armTimer();
    d->socket->connectToHostEncrypted(m_options.host, m_options.port);
}

void SecureChannel::connectPlaintext()
{
    if (m_state != State::Idle) {
        qCWarning(lcTls) << "connectPlaintext() called in state" << channelStateName(m_state);
        return;
    }
    createSocket();
    d->transport = TransportSecurity::Cleartext;
    m_state = State::Connecting;
    if (!prepareTlsConfiguration()) {
        return; // a bad CA file is reported before anything is exchanged in plaintext
    }

    qCDebug(lcTls).noquote() << "connecting to" << endpoint() << "in plaintext";
    armTimer();
    d->socket->connectToHost(m_options.host, m_options.port);
}

void SecureChannel::handleConnected()
{
    armTimer();

    // Commands and replies are small and strictly alternate: Nagle's algorithm would hold a
    // command until the previous segment's delayed ACK (up to 40 ms on Linux) for nothing.
    // Set once connected: before that the socket has no descriptor and Qt drops the option.
    d->socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);

    if (d->transport == TransportSecurity::ImplicitTls) {
        m_state = State::Handshaking;
        return;
    }
    m_state = State::Plaintext;
    Q_EMIT plaintextConnected();
}

bool SecureChannel::startTls(qsizetype callerBufferedBytes)
{
    if (m_state != State::Plaintext || !d->socket) {
        qCWarning(lcTls) << "startTls() called in state" << channelStateName(m_state);
        return false;
    }

    // RFC 3207 section 4.2 / RFC 3501 section 6.2.1: nothing received before TLS may be used
    // after it. Our parser's buffer, the socket's buffer and the kernel's must all be empty.
    // Each count is checked on its own, so no value can cancel another out.
    const qsizetype socketBytes = d->socket->bytesAvailable();
    const qsizetype kernelBytes = kernelPendingBytes(d->socket->socketDescriptor());
    if (callerBufferedBytes != 0 || socketBytes > 0 || kernelBytes > 0) {
        const qsizetype pending = qAbs(callerBufferedBytes) + socketBytes + kernelBytes;
        finishWithError(ChannelError::Kind::PlaintextInjection,
                        QStringLiteral("%1 unencrypted bytes followed the server's reply to "
                                       "STARTTLS; they could pass for data sent over TLS "
                                       "(plaintext injection), so the connection was closed")
                            .arg(pending));
        return false;
    }

    d->transport = TransportSecurity::StartTls;
    applyTlsConfiguration();
    m_state = State::Handshaking;
    armTimer();
    d->socket->startClientEncryption();
    return true;
}

void SecureChannel::handleSslErrors(const QList<QSslError>& errors)
{
    d->chainErrors = chainErrorsOnly(errors);
    if (!d->chainErrors.isEmpty() && !m_options.extraCaFile.isEmpty() &&
        systemStoreVerifiesChain(d->socket->peerCertificateChain())) {
        d->chainErrors.removeIf(answeredBySystemStore);
    }
    for (const QSslError& error : std::as_const(d->chainErrors)) {
        qCDebug(lcTls).noquote() << endpoint() << "certificate:" << error.errorString();
    }
    // The verdict is part of the observation; the gate applies it once the handshake finished.
    d->socket->ignoreSslErrors();
}

void SecureChannel::handleEncrypted()
{
    m_observation = observeSession(*d->socket, d->transport, m_options.host, d->chainErrors);
    if (d->diagnostic) {
        releaseSocket(); // nothing is sent after a diagnostic handshake
        d->timer.stop();
        m_state = State::Closed;
        qCInfo(lcTls).noquote() << "diagnostic handshake:"
                                << connectionSummary(m_options.service, m_options.host,
                                                     m_options.port, m_observation);
        Q_EMIT secured(m_observation);
        return;
    }
    applyGate();
}

void SecureChannel::applyGate()
{
    const LatchSet failedLatches = violations(m_options.required, m_observation);
    if (!failedLatches.isEmpty()) {
        finishWithLatchFailure(LatchFailure{m_options.service, m_options.host, m_options.port,
                                            m_options.required, failedLatches, m_observation,
                                            false});
        return;
    }
    if (m_observation.keyBits < kMinimumKeyBits) {
        finishWithError(ChannelError::Kind::CleartextRefused,
                        QStringLiteral("the server negotiated a %1-bit key; encryption needs at "
                                       "least %2 bits")
                            .arg(m_observation.keyBits)
                            .arg(kMinimumKeyBits));
        return;
    }

    d->gatePassed = true;
    m_state = State::Secured;
    armTimer();
    const QString summary =
        connectionSummary(m_options.service, m_options.host, m_options.port, m_observation);
    qCInfo(lcTls).noquote() << summary;
    if (!m_options.connectionLogFile.isEmpty()) {
        appendConnectionLog(m_options.connectionLogFile, summary);
    }

    Q_EMIT secured(m_observation);
    // Data that came with the handshake was held back until now.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_state == State::Secured && bytesAvailable() > 0) {
                Q_EMIT readyRead();
            }
        },
        Qt::QueuedConnection);
}

void SecureChannel::handleSocketReadyRead()
{
    if (m_state == State::Plaintext || m_state == State::Secured) {
        armTimer();
        Q_EMIT readyRead();
    }
}

void SecureChannel::handleSocketError()
{
    if (!d->socket) {
        return;
    }
    const QAbstractSocket::SocketError error = d->socket->error();
    const QString text = d->socket->errorString();
    switch (m_state) {
    case State::Connecting:
        finishWithError(ChannelError::Kind::Network,
                        QStringLiteral("cannot connect to %1: %2").arg(endpoint(), text));
        break;
    case State::Handshaking:
        if (!d->diagnostic && !m_options.required.isEmpty()) {
            startDiagnosticHandshake(text);
        } else {
            finishWithError(
                ChannelError::Kind::Tls,
                QStringLiteral("the TLS handshake with %1 failed: %2").arg(endpoint(), text));
        }
        break;
    case State::Plaintext:
    case State::Secured:
        if (error != QAbstractSocket::RemoteHostClosedError) {
            finishWithError(
                ChannelError::Kind::Network,
                QStringLiteral("the connection to %1 failed: %2").arg(endpoint(), text));
        }
        break; // a peer that closed is reported by handleSocketDisconnected()
    case State::Idle:
    case State::Closed:
        break;
    }
}

void SecureChannel::handleSocketDisconnected()
{
    switch (m_state) {
    case State::Connecting:
    case State::Handshaking:
        handleSocketError();
        break;
    case State::Plaintext:
    case State::Secured:
        d->timer.stop();
        m_state = State::Closed;
        qCDebug(lcTls).noquote() << endpoint() << "closed the connection";
        Q_EMIT disconnected();
        break;
    case State::Idle:
    case State::Closed:
        break;
    }
}

void SecureChannel::handleTimeout()
{
    const QString waitingFor = m_state == State::Connecting    ? QStringLiteral("connecting")
                               : m_state == State::Handshaking ? QStringLiteral("the TLS handshake")
                                                               : QStringLiteral("the server");
    finishWithError(ChannelError::Kind::Timeout,
                    QStringLiteral("%1: no progress in %2 s while waiting for %3")
                        .arg(endpoint())
                        .arg(d->timer.interval() / 1000.0)
                        .arg(waitingFor));
}

void SecureChannel::finishWithLatchFailure(const LatchFailure& failure)
{
    if (m_state == State::Closed) {
        return;
    }
    releaseSocket(); // abort: not one byte more, not even a close_notify
    d->timer.stop();
    m_state = State::Closed;

    const QString line =
        (failure.observation.isEncrypted()
             ? connectionSummary(m_options.service, m_options.host, m_options.port,
                                 failure.observation)
             : serviceName(m_options.service) + QLatin1Char(' ') + endpoint()) +
        QStringLiteral(" REFUSED latch failure: ") + failure.failed.toString() +
        (failure.handshakeRefused ? QStringLiteral(" (narrowed handshake refused)") : QString());
    qCWarning(lcTls).noquote() << line;
    if (!m_options.connectionLogFile.isEmpty()) {
        appendConnectionLog(m_options.connectionLogFile, line);
    }
    Q_EMIT latchViolated(failure);
}

void SecureChannel::finishWithError(ChannelError::Kind kind, const QString& message)
{
    if (m_state == State::Closed) {
        return;
    }
    delete d->diagnosticChannel;
    releaseSocket();
    d->timer.stop();
    m_state = State::Closed;

    if (d->diagnostic) {
        qCDebug(lcTls).noquote() << "diagnostic handshake:" << message;
    } else {
        qCWarning(lcTls).noquote() << serviceName(m_options.service) << message;
    }
    Q_EMIT failed(ChannelError{kind, message});
}

void SecureChannel::releaseSocket()
{
    QSslSocket* socket = std::exchange(d->socket, nullptr);
    if (!socket) {
        return;
    }
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

void SecureChannel::armTimer()
{
    int deadline = m_options.timeoutMs;
    if (m_state == State::Secured && m_options.inactivityTimeoutMs >= 0) {
        deadline = m_options.inactivityTimeoutMs;
    }
    if (deadline <= 0) {
        d->timer.stop();
        return;
    }
    d->timer.start(deadline);
}

} // namespace Latchmail
