// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/securechannel.h"

#include <QObject>
#include <QStringList>

namespace Latchmail {

/// The least IMAP or SMTP needed to reach TLS on a SecureChannel: greeting, capabilities,
/// STARTTLS sent alone, its reply, then channel->startTls(). Used by `latchmail-cli probe` and
/// by diagnostics; the engines drive their own, complete exchanges.
/// Parses untrusted server input; every line is bounded.
class StartTlsPreamble : public QObject
{
    Q_OBJECT

public:
    StartTlsPreamble(StartTlsDialect dialect, SecureChannel* channel, QObject* parent = nullptr);

    /// Starts after the channel reported plaintextConnected().
    void start();

    /// Whether the server advertised STARTTLS before TLS (valid after finished/failed).
    [[nodiscard]] bool startTlsAdvertised() const { return m_advertised; }

Q_SIGNALS:
    void handedOver();                              // channel->startTls() was called
    void failed(const Latchmail::ChannelError& error); // STARTTLS missing/refused/garbled, …

private:
    void handleReadyRead();
    void handleLine(const QByteArray& line);

    StartTlsDialect m_dialect;
    SecureChannel* m_channel;
    QByteArray m_buffer;
    int m_step = 0;
    bool m_advertised = false;
};

} // namespace Latchmail
