// SPDX-License-Identifier: GPL-3.0-or-later
// SecureChannel: reading, writing (with the credential gate) and closing.
#include "core/securechannel.h"
#include "core/securechannel_p.h"

#include "core/latchrules.h"
#include "core/logging.h"

#include <QSslSocket>

#include <utility>

namespace Latchmail {

QString channelStateName(SecureChannel::State state)
{
    switch (state) {
    case SecureChannel::State::Idle:
        return QStringLiteral("idle");
    case SecureChannel::State::Connecting:
        return QStringLiteral("connecting");
    case SecureChannel::State::Plaintext:
        return QStringLiteral("plaintext");
    case SecureChannel::State::Handshaking:
        return QStringLiteral("handshaking");
    case SecureChannel::State::Secured:
        return QStringLiteral("secured");
    case SecureChannel::State::Closed:
        return QStringLiteral("closed");
    }
    return {};
}

LatchSet SecureChannel::earnedLatches() const
{
    return d->gatePassed ? earned(m_observation) : LatchSet();
}

QHostAddress SecureChannel::localAddress() const
{
    return d->socket ? d->socket->localAddress() : QHostAddress();
}

QByteArray SecureChannel::readAll()
{
    if (!d->socket || m_state == State::Handshaking) {
        return {};
    }
    return d->socket->readAll();
}

qsizetype SecureChannel::bytesAvailable() const
{
    if (!d->socket || m_state == State::Handshaking) {
        return 0;
    }
    return d->socket->bytesAvailable();
}

bool SecureChannel::write(const QByteArray& bytes)
{
    if ((m_state != State::Plaintext && m_state != State::Secured) || !d->socket) {
        qCWarning(lcTls).noquote() << "refused to write" << bytes.size() << "bytes to" << endpoint()
                                   << "in state" << channelStateName(m_state);
        return false;
    }
    armTimer();
    return d->socket->write(bytes) == bytes.size();
}

bool SecureChannel::writeSensitive(const QByteArray& bytes)
{
    if (!mayAuthenticate()) {
        // The bytes themselves are never logged: they carry a credential.
        qCWarning(lcTls).noquote() << "refused to send a credential to" << endpoint() << "in state"
                                   << channelStateName(m_state);
        return false;
    }
    return write(bytes);
}

qint64 SecureChannel::bytesToWrite() const
{
    if (!d->socket) {
        return 0;
    }
    return d->socket->bytesToWrite() + d->socket->encryptedBytesToWrite();
}

bool SecureChannel::mayAuthenticate() const
{
    if (m_state == State::Secured) {
        return d->gatePassed;
    }
    return m_state == State::Plaintext && m_options.allowCleartext && m_options.required.isEmpty();
}

void SecureChannel::close()
{
    if (m_state == State::Idle || m_state == State::Closed) {
        m_state = State::Closed;
        return;
    }
    const bool usable = m_state == State::Plaintext || m_state == State::Secured;
    if (!usable) {
        abort();
        return;
    }

    // The socket outlives the channel until it has flushed (or the deadline passed).
    QSslSocket* socket = std::exchange(d->socket, nullptr);
    socket->disconnect(this);
    socket->setParent(nullptr);
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(qMax(m_options.timeoutMs, 1000), socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
    socket->disconnectFromHost();

    d->timer.stop();
    m_state = State::Closed;
    Q_EMIT disconnected();
}

void SecureChannel::abort()
{
    delete d->diagnosticChannel;
    releaseSocket();
    d->timer.stop();
    m_state = State::Closed;
}

} // namespace Latchmail
