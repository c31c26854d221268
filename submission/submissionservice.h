// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/mimecomposer.h"
#include "core/profile.h"
#include "submission/outbox.h"
#include "submission/outboxretry.h"
#include "submission/reportstore.h"
#include "submission/sessionerror.h"
#include "submission/sessiontransaction.h"

#include <QObject>

#include <functional>
#include <memory>
#include <optional>

namespace Latchmail {

namespace Imap {
class ImapService;
struct SessionError;
} // namespace Imap

class SentCopy;
class SmtpSession;

/// How a submission run behaves.
struct SubmissionOptions
{
    OutboxRetryPolicy retry;
    int lockTimeoutMs = 30000;
    int connectTimeoutMs = 30000; ///< connect, TLS handshake, each reply before the data
    /// Waiting for the reply to the message data.
    // Limitation: two minutes, where RFC 5321 4.5.3.2.6 suggests ten — a stalled server would
    // otherwise hold the outbox (and its lock) that long.
    int dataTimeoutMs = 120000;
    bool copyToSent = true;      ///< APPEND accepted messages to the Sent mailbox over IMAP
    bool ignoreSchedule = false; ///< also send retrying messages that are not due yet
    bool releaseHeld = false;    ///< also try messages held for security again
};

/// What became of one message in a run.
struct SubmissionItem
{
    enum class Outcome {
        NotAttempted,         ///< not due, or the run stopped before it
        Sent,                 ///< accepted by the server (and copied to Sent, or copy pending)
        HeldForSecurity,      ///< latch failure or STARTTLS refusal
        AuthenticationFailed, ///< still queued: the server refused the credentials
        Retrying,             ///< 4xx, network or TLS trouble: queued for a later attempt
        Failed,               ///< refused for good (5xx, too large, …)
    };

    QString id;
    QString subject;
    Outcome outcome = Outcome::NotAttempted;
    OutboxState state = OutboxState::Queued; ///< state after the run (when not removed)
    bool removed = false;                    ///< accepted, copied to Sent, left the outbox
    QString message;                         ///< why, for the user
};

[[nodiscard]] QString submissionOutcomeName(SubmissionItem::Outcome outcome); // "sent", …

/// The result of SubmissionService::run().
struct SubmissionReport
{
    QList<SubmissionItem> items;
    std::optional<SubmissionError> error; ///< the submission connection's failure, if any
    QString copyError;                    ///< why copies to Sent are still pending, if any
    OutboxRecovery recovery;

    [[nodiscard]] const SubmissionItem* item(const QString& id) const;
};

/// Message submission for one account: the outbox (queueing, crash recovery), the SMTP
/// connection (implicit TLS on 465 first with `auto`, else STARTTLS on 587; RFC 8314 3.3), the
/// latch bookkeeping (latches recorded only after a successful AUTH, atomically), the state of
/// each message, the records of accepted messages for delivery reports, and the copy in Sent.
///
/// Delivery is at least once: a crash after the server accepted the message data but before
/// the outbox recorded it leaves the message in `sending`, which the next run sends again (see
/// Outbox). The Sent copy is made exactly once (see SentCopy).
class SubmissionService : public QObject
{
    Q_OBJECT

public:
    /// Returns the password of `service`, or nothing with `error` set (e.g. no keyring).
    /// Called once per connection, only after TLS is up.
    using PasswordProvider = std::function<std::optional<QString>(Service service, QString* error)>;

    SubmissionService(Account account, Profile profile, PasswordProvider password,
                      SubmissionOptions options = {}, QObject* parent = nullptr);
    ~SubmissionService() override;

    /// Locks the account's outbox and repairs what a crash left (Outbox::recover()).
    [[nodiscard]] bool open(QString* error);
    [[nodiscard]] Outbox& outbox() { return m_outbox; }
    [[nodiscard]] ReportStore& reports() { return m_reports; }
    [[nodiscard]] const Account& account() const { return m_account; }

    /// Composes `draft` (From is the account's address when empty) into the outbox.
    [[nodiscard]] std::optional<OutboxEntry> queue(MimeDraft draft, QString* error);

    /// Sends every due message (and those the options release), then copies accepted ones to
    /// Sent and removes them from the outbox; finished() follows.
    void run();

Q_SIGNALS:
    void entryChanged(const Latchmail::OutboxEntry& entry);
    void finished(const Latchmail::SubmissionReport& report);

private:
    // SMTP phase (submissionservice.cpp).
    void startAttempt();
    void handleReadyForAuthentication();
    void handleAuthenticated();
    void handleTransactionFinished(const TransactionResult& result);
    void handleSessionFailed(const SubmissionError& error);
    void handleSessionClosed();
    void submitNext();
    void recordEarnedLatches();
    void recordLatchFailure(const LatchFailure& failure);
    void dropSession();

    // Outcomes (submissionservice_outcome.cpp).
    void applyAccepted(OutboxEntry* entry, const TransactionResult& result);
    void applyRefused(OutboxEntry* entry, const TransactionResult& result);
    void applySessionFailure(const SubmissionError& error);
    void scheduleRetry(OutboxEntry* entry, const QString& reason);
    void recordSent(const OutboxEntry& entry, const TransactionResult& result);
    void setItem(const OutboxEntry& entry, SubmissionItem::Outcome outcome, const QString& message);
    void saveEntry(const OutboxEntry& entry);
    [[nodiscard]] bool isDue(const OutboxEntry& entry) const;
    [[nodiscard]] MailTransaction transactionFor(const OutboxEntry& entry) const;

    // Sent copies and the end of the run (submissionservice_copy.cpp).
    void startCopies();
    void handleImapConnected();
    void handleImapFailed(const Imap::SessionError& error);
    void handleCopiesFinished();
    void removeFinishedEntries();
    void finish();

    Account m_account;
    Profile m_profile;
    PasswordProvider m_password;
    SubmissionOptions m_options;
    Outbox m_outbox;
    ReportStore m_reports;
    SubmissionReport m_report;

    std::unique_ptr<SmtpSession> m_session;
    QList<bool> m_attempts; // remaining connection attempts: true = implicit TLS
    QList<OutboxEntry> m_toSend;
    std::optional<OutboxEntry> m_current; // being submitted
    bool m_authenticated = false;
    bool m_running = false;

    std::unique_ptr<Imap::ImapService> m_imap;
    SentCopy* m_copy = nullptr;
};

} // namespace Latchmail

Q_DECLARE_METATYPE(Latchmail::SubmissionReport)
