// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/securechannel.h"
#include "imap/capabilities.h"
#include "imap/command.h"
#include "imap/responseparser.h"
#include "imap/sessionerror.h"
#include "imap/wirelog.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace Latchmail::Imap {

class ImapTask;

/// How a session connects and how long it waits.
struct SessionOptions
{
    ChannelOptions channel;
    bool implicitTls = true; ///< false: plaintext connection upgraded with STARTTLS
    Limits limits;           ///< bounds on what the server may make the parser hold
    /// A command that sees no byte from the server for this long fails the session.
    int responseTimeoutMs = 60000;
};

/// What SELECT reported about the selected mailbox (RFC 9051 section 6.3.2, RFC 7162 3.1.2).
struct SelectedMailbox
{
    QString name;
    QByteArray wireName;
    quint32 exists = 0;
    quint32 uidValidity = 0;
    quint32 uidNext = 0;
    quint64 highestModSeq = 0; ///< 0 with NOMODSEQ or without CONDSTORE
    bool readOnly = false;
    QList<QByteArray> permanentFlags;
};

/// One IMAP connection: the connection-state machine of RFC 9051 section 3 extended by the
/// states of a secure start (greeting, capabilities, STARTTLS, handshake, capabilities again),
/// the hostile-peer rules of STARTTLS (RFC 3501 6.2.1, RFC 7817, DESIGN "STARTTLS and hostile
/// peers"), authentication, and a queue of per-operation tasks run one at a time.
///
/// Every response goes through one handler per response kind; untagged data that does not fit
/// the current state is dropped. Nothing learnt before TLS survives it, server text received
/// before TLS is never reported, and credentials are written only through
/// SecureChannel::writeSensitive(). Every byte is traced through the redacting wire log.
class Session : public QObject, private LiteralSink
{
    Q_OBJECT

public:
    enum class State {
        Disconnected,
        Connecting,
        Greeting,
        PreTlsCapability,
        StartingTls,
        TlsHandshake,
        PostTlsCapability,
        Authenticating,
        Authenticated,
        Selected,
        Idling,
        LoggingOut,
    };
    Q_ENUM(State)

    explicit Session(SessionOptions options, QObject* parent = nullptr);
    ~Session() override;

    /// Connects, secures the connection and reads the capabilities; then emits
    /// readyForAuthentication(), or authenticated() after a PREAUTH greeting over TLS.
    void open();
    /// Authenticates with the mechanism chosen from the post-TLS capabilities. The password is
    /// written only through the channel's credential gate and never logged.
    void authenticate(const QString& userName, const QString& password);
    /// Runs `task` after the tasks already queued (once authenticated). The session owns it and
    /// deletes it after its finished() signal.
    void enqueue(ImapTask* task);
    /// Queues LOGOUT after the pending tasks; closed() follows.
    void logout();
    /// Drops the connection at once; pending tasks fail as cancelled.
    void abort();

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] const Capabilities& capabilities() const { return m_capabilities; }
    [[nodiscard]] CommandOptions commandOptions() const;
    [[nodiscard]] const SecureChannel* channel() const { return m_channel.get(); }
    [[nodiscard]] TlsObservation observation() const;
    /// Latches this connection earns; empty unless the gate passed over TLS.
    [[nodiscard]] LatchSet earnedLatches() const;
    /// The session began authenticated (PREAUTH over TLS): no credential was checked.
    [[nodiscard]] bool preAuthenticated() const { return m_preAuthenticated; }
    [[nodiscard]] bool qresyncEnabled() const { return m_qresyncEnabled; }
    /// The server confirmed `ENABLE IMAP4rev2` (RFC 9051 6.3.1): responses follow rev2 (no
    /// RECENT, ESEARCH for SEARCH, LIST RETURN options and \NonExistent).
    [[nodiscard]] bool imap4rev2Enabled() const { return m_imap4rev2Enabled; }
    [[nodiscard]] const SelectedMailbox& selectedMailbox() const { return m_selected; }
    [[nodiscard]] const SessionOptions& options() const { return m_options; }

    // For tasks.

    /// Sends a command for `owner`; its tagged response and continuations go to `owner`.
    /// `sensitive` commands (credentials) go through the channel's credential gate.
    bool send(const Command& command, ImapTask* owner, bool sensitive = false);
    /// Sends a line that is not a command: a SASL response or IDLE's DONE (RFC 2177).
    bool sendLine(const QByteArray& line, bool sensitive = false);
    [[nodiscard]] QByteArray nextTag() { return m_tags.next(); }
    void setSelected(const SelectedMailbox& mailbox);
    void setUnselected();
    void setIdling(bool idling);

Q_SIGNALS:
    void stateChanged(Latchmail::Imap::Session::State state);
    void readyForAuthentication();
    void authenticated();
    /// An [ALERT] the server sent over TLS (RFC 9051 section 7.1): must be shown to the user.
    void alertReceived(const QString& text);
    /// Mailbox data arrived while no task was running (EXISTS, EXPUNGE, VANISHED, FETCH).
    void mailboxChanged();
    void failed(const Latchmail::Imap::SessionError& error);
    /// LOGOUT completed and the connection is closed.
    void closed();

private:
    // Connection and secure start (session_connect.cpp).
    void handlePlaintextConnected();
    void handleSecured(const TlsObservation& observation);
    void handleLatchViolated(const LatchFailure& failure);
    void handleChannelFailed(const ChannelError& error);
    void handleChannelDisconnected();
    void handleGreeting(const Response& response);
    void handleCapabilityDone(const TaggedResponse& tagged);
    void handleStartTlsReply(const TaggedResponse& tagged);
    void handleAuthenticated(const TaggedResponse& tagged);
    void requestCapabilities();
    void afterCapabilities();
    void startTlsOrRefuse();
    void continueInCleartext();
    void enableExtensions();
    void becomeAuthenticated();
    void handleAuthTaskFinished(ImapTask* task);
    [[nodiscard]] bool cleartextAllowed() const;
    [[nodiscard]] bool beforeTls() const;

    // Input and dispatch (session.cpp, session_dispatch.cpp).
    void handleReadyRead();
    void processResponses();
    void dispatch(const Response& response);
    void handleTagged(const TaggedResponse& response);
    void handleContinuation(const ContinuationRequest& response);
    void handleUntaggedStatus(const UntaggedStatus& response);
    void handleCapabilityData(const CapabilityData& response);
    void handleEnabledData(const EnabledData& response);
    void handleMailboxData(const Response& response);
    void handleSelectedData(const Response& response);
    void literalChunk(const LiteralChunk& chunk) override;
    void handleResponseTimeout();

    // Commands and tasks (session_commands.cpp).
    /// Writes command parts in order up to the next one that waits for a continuation request;
    /// `continuationArrived` releases one such part. True when a continuation was used.
    bool writeCommandParts(bool continuationArrived);
    void startNextTask();
    void handleTaskFinished(ImapTask* task);
    void abortTasks(const QString& reason);

    void setState(State state);
    void fail(SessionError::Kind kind, const QString& message,
              std::optional<LatchFailure> latch = std::nullopt);

    struct PendingCommand
    {
        Command command;
        qsizetype nextPart = 0;
        QPointer<ImapTask> owner;
        bool sensitive = false;
        bool internal = false; // a command the session itself issued (CAPABILITY, STARTTLS…)
    };

    SessionOptions m_options;
    std::unique_ptr<SecureChannel> m_channel;
    std::unique_ptr<ResponseParser> m_parser;
    RedactionState m_redaction;
    TagGenerator m_tags;
    State m_state = State::Disconnected;
    Capabilities m_capabilities;
    Capabilities m_preTlsCapabilities; // only to decide on STARTTLS; never used after it
    QList<PendingCommand> m_pending;
    QList<QPointer<ImapTask>> m_queue;
    QPointer<ImapTask> m_activeTask;
    QPointer<ImapTask> m_authTask;
    SelectedMailbox m_selected;
    QTimer m_responseTimer;
    QByteArray m_byeText; // the text of a BYE received over TLS
    bool m_preAuthenticated = false;
    bool m_cleartextSession = false; // no TLS, explicitly allowed by the account
    bool m_enableSent = false;
    bool m_qresyncEnabled = false;
    bool m_imap4rev2Enabled = false;
    bool m_logoutQueued = false;
    bool m_failed = false;
    bool m_mailboxChangedPending = false;
};

} // namespace Latchmail::Imap
