// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/latch.h"
#include "core/latchfailure.h"
#include "core/tlsobservation.h"

#include <QObject>
#include <QSslError>

#include <memory>

class QSslSocket;

namespace Latchmail {

/// The protocol spoken before STARTTLS; used only for the diagnostic second handshake that
/// tells a latch failure from a broken server when the narrowed offer was refused.
enum class StartTlsDialect { Imap, Submission };

/// Everything a SecureChannel needs to know about the connection it will make.
struct ChannelOptions
{
    Service service = Service::MessageAccess;
    QString host; // as configured: the latch key and the reference identity
    quint16 port = 0;
    LatchSet required;       // latches the account holds for (service, host)
    QString extraCaFile;     // PEM file of additional trusted CAs
    bool allowCleartext = false;
    int timeoutMs = 30000;   // connect, handshake and inactivity deadline
    QString connectionLogFile; // append one line per secured connection when set
};

/// The single place where both engines open connections (implicit TLS, or plaintext followed by
/// an engine-driven STARTTLS). After every handshake it builds the TlsObservation and applies the
/// latch gate before the caller may send anything else; credentials can only be written through
/// writeSensitive(), which refuses until the gate has passed.
class SecureChannel : public QObject
{
    Q_OBJECT

public:
    enum class State { Idle, Connecting, Plaintext, Handshaking, Secured, Closed };
    Q_ENUM(State)

    explicit SecureChannel(ChannelOptions options, QObject* parent = nullptr);
    ~SecureChannel() override;

    void connectImplicitTls();
    void connectPlaintext();

    /// Called by the engine once the server accepted STARTTLS. `callerBufferedBytes` is what the
    /// engine's own parser still holds. Any buffered plaintext byte (there or in the socket) is
    /// an injection attack: the channel aborts, emits failed(PlaintextInjection), returns false.
    bool startTls(qsizetype callerBufferedBytes);

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] const ChannelOptions& options() const { return m_options; }
    [[nodiscard]] const TlsObservation& observation() const { return m_observation; }
    /// Latches this connection earns (empty until secured).
    [[nodiscard]] LatchSet earnedLatches() const;

    [[nodiscard]] QByteArray readAll();
    [[nodiscard]] qsizetype bytesAvailable() const;

    /// Protocol bytes that carry no secret (commands before and after TLS).
    bool write(const QByteArray& bytes);
    /// Bytes that carry a credential. Refused unless the latch gate passed over TLS, or the
    /// account allows cleartext and holds no latch.
    bool writeSensitive(const QByteArray& bytes);
    [[nodiscard]] bool mayAuthenticate() const;

    void close();
    void abort();

Q_SIGNALS:
    void plaintextConnected();
    void secured(const Latchmail::TlsObservation& observation);
    void readyRead();
    void latchViolated(const Latchmail::LatchFailure& failure);
    void failed(const Latchmail::ChannelError& error);
    void disconnected();

private:
    void handleConnected();
    void handleEncrypted();
    void handleSslErrors(const QList<QSslError>& errors);
    void handleSocketError();
    void handleTimeout();
    void startDiagnosticHandshake();
    void finishWithLatchFailure(const LatchFailure& failure);
    void finishWithError(ChannelError::Kind kind, const QString& message);
    void armTimer();

    struct Private;
    std::unique_ptr<Private> d;
    ChannelOptions m_options;
    State m_state = State::Idle;
    TlsObservation m_observation;
};

} // namespace Latchmail
