// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internals of SecureChannel shared by its implementation files; not part of the API.

#include "core/securechannel.h"

#include <QList>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslError>
#include <QTimer>

class QSslSocket;

namespace Latchmail {

struct SecureChannel::Private
{
    QSslSocket* socket = nullptr;
    QTimer timer;
    QSslConfiguration configuration; // the offer, built from the latches before connecting
    TransportSecurity transport = TransportSecurity::Cleartext; // what the handshake establishes
    QList<QSslError> chainErrors; // Qt's verification errors, host-name check excluded
    bool diagnostic = false;      // this channel only observes what the server offers
    bool gatePassed = false;
    QString handshakeError; // why the narrowed handshake failed (diagnostic pending)
    QPointer<SecureChannel> diagnosticChannel;
};

/// "plaintext", "handshaking", … for log lines.
[[nodiscard]] QString channelStateName(SecureChannel::State state);

} // namespace Latchmail
