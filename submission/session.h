// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/securechannel.h"
#include "submission/ehlocapabilities.h"
#include "submission/sessionerror.h"
#include "submission/sessiontransaction.h"
#include "submission/smtpcommand.h"
#include "submission/smtpreply.h"
#include "submission/smtpwirelog.h"

#include <QFile>
#include <QList>
#include <QObject>

#include <memory>

namespace Latchmail {

/// How a submission session connects.
struct SmtpSessionOptions
{
    ChannelOptions channel;
    bool implicitTls = true; ///< false: plaintext on 587 upgraded with STARTTLS (RFC 3207)
    /// The EHLO argument; empty: the address literal of the local end (RFC 5321 4.1.3), which
    /// names no host and so tells the server nothing it does not already know.
    QString ehloDomain;
};

/// One message submission connection (RFC 6409): the state machine of a secure start —
/// greeting, EHLO, STARTTLS sent alone, the handshake through the SecureChannel, EHLO again over
/// TLS — then AUTH (RFC 4954, PLAIN or LOGIN, chosen from the post-TLS EHLO only, credentials
/// through SecureChannel::writeSensitive()), then mail transactions with SIZE (RFC 1870),
/// 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), DSN (RFC 3461) and, once TLS is up and the session
/// authenticated, PIPELINING (RFC 2920).
///
/// The hostile-peer rules (RFC 3207 4.2 and the STARTTLS attacks of 2021): a missing, refused
/// or garbled STARTTLS ends the session unless the account allows cleartext and holds no latch;
/// any byte already received after the 220 reply to STARTTLS aborts it; the EHLO reply received
/// before TLS is forgotten; server text received before TLS is never shown. Every byte passes
/// through the redacting wire log (SmtpWireLog).
///
/// Each session ends with exactly one of failed() or closed().
class SmtpSession : public QObject
{
    Q_OBJECT

public:
    enum class State {
        Disconnected,
        Connecting,
        Greeting,
        Ehlo,
        StartingTls,
        TlsHandshake,
        EhloAfterTls,
        Authenticating,
        Ready,
        MailTransaction,
        Data,
        Quitting,
        Closed,
    };
    Q_ENUM(State)

    /// Size of the pieces the message file is read and sent in.
    static constexpr qint64 kDataChunkBytes = 64 * 1024;
    /// At most this much message data waits in the channel's buffers at any time: memory stays
    /// bounded by it, whatever the size of the message.
    static constexpr qint64 kDataWindowBytes = 512 * 1024;

    explicit SmtpSession(SmtpSessionOptions options, QObject* parent = nullptr);
    ~SmtpSession() override;

    /// Connects, secures the connection and reads the post-TLS EHLO; readyForAuthentication()
    /// follows.
    void open();
    /// AUTH with PLAIN (preferred) or LOGIN, whichever the post-TLS EHLO announced; the
    /// password goes only through the channel's credential gate. authenticated() follows.
    void authenticate(const QString& userName, const QString& password);
    /// Runs one mail transaction (in Ready); transactionFinished() follows unless the session
    /// fails. Another transaction may follow in the same session.
    void submit(const MailTransaction& transaction);
    /// QUIT (RFC 5321 4.1.1.10); closed() follows.
    void quit();
    /// Drops the connection at once; emits nothing more.
    void abort();

    [[nodiscard]] State state() const { return m_state; }
    /// The EHLO reply received over TLS (or in an explicitly allowed cleartext session).
    [[nodiscard]] const EhloCapabilities& capabilities() const { return m_capabilities; }
    [[nodiscard]] TlsObservation observation() const;
    /// Latches this connection earns; empty unless the gate passed over TLS.
    [[nodiscard]] LatchSet earnedLatches() const;
    [[nodiscard]] const SmtpWireLog& wireLog() const { return m_wireLog; }
    [[nodiscard]] const SmtpSessionOptions& options() const { return m_options; }

Q_SIGNALS:
    void stateChanged(Latchmail::SmtpSession::State state);
    void readyForAuthentication();
    void authenticated();
    void transactionFinished(const Latchmail::TransactionResult& result);
    void failed(const Latchmail::SubmissionError& error);
    /// QUIT completed (or the server closed the connection after it).
    void closed();

private:
    /// What a reply in MailTransaction / Data answers (RFC 2920: replies come in order).
    enum class Awaited { Reset, MailFrom, RcptTo, Data, EndOfData };

    // Secure start (session_connect.cpp).
    void handlePlaintextConnected();
    void handleSecured(const TlsObservation& observation);
    void handleLatchViolated(const LatchFailure& failure);
    void handleChannelFailed(const ChannelError& error);
    void handleChannelDisconnected();
    void handleGreeting(const SmtpReply& reply);
    void handleEhloReply(const SmtpReply& reply);
    void handleStartTlsReply(const SmtpReply& reply);
    void sendEhlo();
    void continueInCleartext();
    void refuseStartTls(const QString& what);
    [[nodiscard]] bool cleartextAllowed() const;
    [[nodiscard]] bool beforeTls() const;

    // Authentication (session_auth.cpp).
    void handleAuthReply(const SmtpReply& reply);
    void answerLoginChallenge();
    void failAuthentication(const SmtpReply& reply);

    // Mail transaction (session_transaction.cpp).
    void startTransaction();
    [[nodiscard]] QString localRefusal() const;
    void sendEnvelope();
    void sendNextEnvelopeCommand();
    void handleTransactionReply(const SmtpReply& reply);
    void handleMailFromReply(const SmtpReply& reply);
    void handleRcptToReply(const SmtpReply& reply);
    void handleDataReply(const SmtpReply& reply);
    void handleEndOfDataReply(const SmtpReply& reply);
    bool startMessageContent();
    void continueMessageContent();
    void finishTransaction(TransactionResult result);
    void refuseTransaction(const SmtpReply& reply);
    void refuseLocally(const QString& reason);

    // Input, output and errors (session.cpp).
    void handleReadyRead();
    void dispatch(const SmtpReply& reply);
    void handleUnexpectedReply(const SmtpReply& reply);
    bool send(const QByteArray& bytes);
    bool sendSensitive(const QByteArray& bytes);
    void setState(State state);
    void fail(SubmissionError::Kind kind, const QString& message,
              std::optional<LatchFailure> latch = std::nullopt);
    [[nodiscard]] QString host() const { return m_options.channel.host; }

    SmtpSessionOptions m_options;
    std::unique_ptr<SecureChannel> m_channel;
    SmtpReplyParser m_parser;
    SmtpWireLog m_wireLog;
    State m_state = State::Disconnected;
    EhloCapabilities m_capabilities; // post-TLS only; pre-TLS knowledge lives in m_preTls
    EhloCapabilities m_preTls;       // only to decide on STARTTLS; cleared once TLS is up
    bool m_cleartextSession = false;
    bool m_failed = false;

    // Authentication in progress.
    QString m_mechanism;
    QString m_userName;
    QString m_password;
    int m_loginStep = 0;

    // Transaction in progress.
    MailTransaction m_transaction;
    TransactionResult m_result;
    QList<Awaited> m_awaited;
    QList<QByteArray> m_rcptCommands;
    QByteArray m_mailFromCommand;
    int m_nextEnvelopeCommand = 0; // without pipelining: the next of MAIL/RCPT…/DATA to send
    int m_rcptReplies = 0;
    bool m_mailFromAccepted = false;
    bool m_needsReset = false;
    bool m_pipelining = false;
    bool m_contentSent = false;
    std::unique_ptr<QFile> m_content; // the message file while its data streams out
    DotStuffer m_stuffer;
};

} // namespace Latchmail
