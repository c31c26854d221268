// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/latch.h"
#include "core/tlsobservation.h"

#include <QMetaType>
#include <QString>

namespace Latchmail {

/// A server no longer provides what its latches require (DEEP 3.3). The connection has been
/// closed and nothing beyond the TLS handshake (and, for STARTTLS, the plaintext exchange that
/// led up to it) was sent.
struct LatchFailure
{
    Service service = Service::MessageAccess;
    QString host;
    quint16 port = 0;
    LatchSet required;
    LatchSet failed;
    TlsObservation observation; // what the server offered this time (if the handshake completed)
    bool handshakeRefused = false; // the narrowed offer was refused; a diagnostic handshake
                                   // showed the server below the latches

    /// The text for the user: which server, what it used to provide, that nothing was sent, that
    /// this may mean interference, and to contact the email service provider.
    [[nodiscard]] QString userMessage(const QString& providerName = {}) const;
};

/// A connection failure that is not a latch failure.
struct ChannelError
{
    enum class Kind {
        Network,            // connect refused, reset, DNS
        Timeout,            // no progress within the deadline
        Tls,                // handshake failed for another reason than a latch
        StartTlsRefused,    // STARTTLS missing, refused or garbled (a security refusal)
        PlaintextInjection, // bytes buffered after the STARTTLS reply (a security refusal)
        CleartextRefused,   // no TLS available and cleartext not allowed (a security refusal)
        Protocol,           // the peer spoke something else
    };
    Kind kind = Kind::Network;
    QString message;

    /// True for the kinds that map to exit status 3 (refused for security reasons).
    [[nodiscard]] bool isSecurityRefusal() const;
};

} // namespace Latchmail

Q_DECLARE_METATYPE(Latchmail::LatchFailure)
Q_DECLARE_METATYPE(Latchmail::ChannelError)
