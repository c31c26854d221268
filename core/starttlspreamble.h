// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/securechannel.h"

#include <QObject>
#include <QStringList>

namespace Latchmail {

/// The least IMAP or SMTP needed to reach TLS on a SecureChannel: greeting, capabilities,
/// STARTTLS sent alone, its reply, then channel->startTls() (RFC 3501 section 6.2.1, RFC 3207
/// section 4). Used by `latchmail-cli probe` and by the channel's diagnostic handshake; the
/// engines drive their own, complete exchanges.
/// Parses untrusted server input; every line and the whole exchange are bounded, and no server
/// text is ever put into a message meant for the user.
class StartTlsPreamble : public QObject
{
    Q_OBJECT

public:
    StartTlsPreamble(StartTlsDialect dialect, SecureChannel* channel, QObject* parent = nullptr);

    /// Longest line accepted from the server, CRLF included.
    static constexpr qsizetype kMaxLineBytes = 8192;
    /// Most bytes accepted from the server before TLS.
    static constexpr qsizetype kMaxPreambleBytes = 64 * 1024;

    /// Starts after the channel reported plaintextConnected().
    void start();

    /// Whether the server advertised STARTTLS before TLS (valid after any outcome signal).
    [[nodiscard]] bool startTlsAdvertised() const { return m_advertised; }

Q_SIGNALS:
    /// channel->startTls() was called and accepted; the channel reports the rest.
    void handedOver();
    /// STARTTLS was not advertised and the channel allows cleartext (the account allows it and
    /// holds no latch): the connection stays in plaintext, nothing more was sent.
    void cleartextOnly();
    /// STARTTLS missing, refused or garbled (StartTlsRefused); PREAUTH before TLS
    /// (StartTlsRefused); a greeting that is not the expected protocol or too much data
    /// (Protocol); the server closed the connection (Network). The channel has been aborted.
    /// Failures the channel detects itself (injection, timeouts) arrive as channel->failed().
    void failed(const Latchmail::ChannelError& error);

private:
    enum class Step { Idle, Greeting, Capability, Ehlo, StartTls, Done };

    void handleReadyRead();
    void handleDisconnected();
    void handleLine(const QByteArray& line);
    void handleImapLine(const QByteArray& line);
    void handleImapGreeting(const QByteArray& line);
    void handleImapCapabilityReply(const QByteArray& line);
    void handleImapStartTlsReply(const QByteArray& line);
    void handleSmtpLine(const QByteArray& line);
    void handleSmtpEhloReply(int code, bool last, const QByteArray& text);
    void handleSmtpStartTlsReply(int code, bool last);
    bool sendCommand(const QByteArray& command);
    [[nodiscard]] QByteArray imapTag() const;
    void decideStartTls();
    void handOver();
    void fail(ChannelError::Kind kind, const QString& message);

    StartTlsDialect m_dialect;
    SecureChannel* m_channel;
    QByteArray m_buffer;
    qsizetype m_received = 0;
    Step m_step = Step::Idle;
    int m_replyCode = 0;  // SMTP: code of the multi-line reply being read, 0 between replies
    int m_replyLines = 0; // SMTP: lines of that reply read so far
    int m_tagNumber = 0;  // IMAP: number of the last tag sent
    bool m_advertised = false;
};

} // namespace Latchmail
