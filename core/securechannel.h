// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/latch.h"
#include "core/latchfailure.h"
#include "core/tlsobservation.h"

#include <QHostAddress>
#include <QObject>
#include <QSslError>

#include <memory>

class QSslSocket;

namespace Latchmail {

/// The protocol spoken before STARTTLS, for StartTlsPreamble: `latchmail-cli probe`, and the
/// diagnostic second handshake that tells a latch failure from a broken server when the narrowed
/// offer was refused.
enum class StartTlsDialect { Imap, Submission };

/// The dialect of a service: IMAP for message access, SMTP submission for message submission.
[[nodiscard]] StartTlsDialect startTlsDialectFor(Service service);

/// Everything a SecureChannel needs to know about the connection it will make.
struct ChannelOptions
{
    Service service = Service::MessageAccess;
    QString host; // as configured: the latch key and the reference identity
    quint16 port = 0;
    LatchSet required;   // latches the account holds for (service, host)
    QString extraCaFile; // PEM file of additional trusted CAs
    bool allowCleartext = false;
    int timeoutMs = 30000;        // connect, handshake and inactivity deadline
    int inactivityTimeoutMs = -1; // once secured: -1 uses timeoutMs, 0 disables (IMAP IDLE)
    QString connectionLogFile;    // append one line per secured or refused connection when set
};

/// The single place where both engines open connections (implicit TLS, or plaintext followed by
/// an engine-driven STARTTLS, RFC 3207 / RFC 3501 section 6.2.1). After every handshake it builds
/// the TlsObservation and applies the latch gate (DEEP 3.3) before the caller may send anything
/// else; credentials can only be written through writeSensitive(), which refuses until the gate
/// has passed.
///
/// Certificates: the chain is verified by Qt against the system CAs, or, when `extraCaFile` is
/// set, against its CAs and then (if they do not vouch for it) against the system store through
/// systemStoreVerifiesChain(); the server identity by checkServerIdentity() (RFC 7817). A failed
/// verification never stops the encryption (DEEP 5.3) — it only withholds `tls-cert` — unless
/// `tls-cert` is required, in which case it is a latch failure.
///
/// Each channel ends with exactly one of latchViolated(), failed() or disconnected(); after that
/// it is Closed and emits nothing more. Slots must not delete the channel directly (use
/// deleteLater()).
class SecureChannel : public QObject
{
    Q_OBJECT

public:
    enum class State { Idle, Connecting, Plaintext, Handshaking, Secured, Closed };
    Q_ENUM(State)

    explicit SecureChannel(ChannelOptions options, QObject* parent = nullptr);
    ~SecureChannel() override;

    /// Connects and starts the TLS handshake at once (ports 993/465, RFC 8314 section 3).
    void connectImplicitTls();
    /// Connects without TLS; plaintextConnected() follows. Only commands carrying no secret may
    /// be written until startTls() succeeded and secured() was emitted.
    void connectPlaintext();

    /// Called by the engine once the server accepted STARTTLS. `callerBufferedBytes` is what the
    /// engine's own parser still holds. Any buffered plaintext byte (there, in the socket, or
    /// already queued in the kernel) is an injection attack: the channel aborts, emits
    /// failed(PlaintextInjection) and returns false.
    bool startTls(qsizetype callerBufferedBytes);

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] const ChannelOptions& options() const { return m_options; }
    [[nodiscard]] const TlsObservation& observation() const { return m_observation; }
    /// Latches this connection earns (empty until the gate passed).
    [[nodiscard]] LatchSet earnedLatches() const;
    /// The local end of the connection (for an SMTP EHLO address literal); null before connect.
    [[nodiscard]] QHostAddress localAddress() const;

    /// Received bytes; nothing is delivered while a handshake is pending or after a failure.
    [[nodiscard]] QByteArray readAll();
    [[nodiscard]] qsizetype bytesAvailable() const;

    /// Protocol bytes that carry no secret (commands before and after TLS). Refused (false)
    /// while handshaking and once closed.
    bool write(const QByteArray& bytes);
    /// Bytes that carry a credential. Refused unless the latch gate passed over TLS, or the
    /// account allows cleartext and holds no latch (DEEP 5.3: no password before TLS when TLS
    /// is available).
    bool writeSensitive(const QByteArray& bytes);
    [[nodiscard]] bool mayAuthenticate() const;
    /// Bytes written but not yet handed to the kernel (plaintext waiting for encryption plus
    /// encrypted bytes waiting for the socket). Engines streaming large content keep this
    /// bounded and continue on bytesWritten().
    [[nodiscard]] qint64 bytesToWrite() const;

    /// Flushes what was written and closes; emits disconnected() if the channel was usable.
    void close();
    /// Closes at once, dropping unsent bytes; emits nothing.
    void abort();

Q_SIGNALS:
    void plaintextConnected();
    void secured(const Latchmail::TlsObservation& observation);
    void readyRead();
    /// Some written bytes reached the kernel (over TLS: encrypted bytes).
    void bytesWritten();
    void latchViolated(const Latchmail::LatchFailure& failure);
    void failed(const Latchmail::ChannelError& error);
    void disconnected();

private:
    void createSocket();
    void handleConnected();
    void handleEncrypted();
    void handleSslErrors(const QList<QSslError>& errors);
    void handleSocketError();
    void handleSocketDisconnected();
    void handleSocketReadyRead();
    void handleTimeout();
    void handleDiagnosticResult(const TlsObservation& observation);
    bool prepareTlsConfiguration();
    void applyTlsConfiguration();
    void applyGate();
    void startDiagnosticHandshake(const QString& handshakeError);
    void finishWithLatchFailure(const LatchFailure& failure);
    void finishWithError(ChannelError::Kind kind, const QString& message);
    void releaseSocket();
    void armTimer();
    [[nodiscard]] QString endpoint() const;

    struct Private;
    std::unique_ptr<Private> d;
    ChannelOptions m_options;
    State m_state = State::Idle;
    TlsObservation m_observation;
};

} // namespace Latchmail
