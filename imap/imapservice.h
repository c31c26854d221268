// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/profile.h"
#include "imap/session.h"
#include "imap/tasks/syncmailboxtask.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace Latchmail {
class MessageCache;
}

namespace Latchmail::Imap {

class IdleTask;

/// Delays between reconnection attempts: 1 s, doubling up to a ceiling; reset() after a
/// connection that worked.
class ReconnectBackoff
{
public:
    explicit ReconnectBackoff(int initialMs = 1000, int maximumMs = 5 * 60 * 1000);
    /// The delay before the next attempt (and doubles the one after it).
    [[nodiscard]] int nextDelayMs();
    void reset() { m_nextMs = m_initialMs; }

private:
    int m_initialMs;
    int m_maximumMs;
    int m_nextMs;
};

/// Message access for one account: connects as its settings say (implicit TLS, STARTTLS, or
/// `auto` = implicit TLS first and STARTTLS second, RFC 8314 3.3), lets the Session enforce the
/// latches and the STARTTLS rules, asks for the password only once TLS is up, and after a
/// successful login records the latches the connection earned and its TLS observation in the
/// account file (atomic write). A latch failure is recorded among the account's recent
/// failures. Operations run on the account's offline cache (Profile::cacheFile()).
class ImapService : public QObject
{
    Q_OBJECT

public:
    /// Returns the password, or nothing with `error` set (e.g. no keyring). Called once per
    /// connection, after TLS is up; the password is never stored by the service.
    using PasswordProvider = std::function<std::optional<QString>(QString* error)>;

    ImapService(Account account, Profile profile, PasswordProvider password,
                QObject* parent = nullptr);
    ~ImapService() override;

    /// Opens the account's cache; false with `error` set when it cannot be used.
    [[nodiscard]] bool openCache(QString* error);
    [[nodiscard]] MessageCache* cache() const { return m_cache.get(); }
    [[nodiscard]] const Account& account() const { return m_account; }
    /// The current connection (null when none).
    [[nodiscard]] Session* session() const { return m_session.get(); }

    /// Connects and authenticates; emits connected() or failed().
    void connectToServer();
    /// Connects, lists the mailboxes, reads the STATUS (message and unread counts) of the other
    /// selectable ones, synchronises `mailbox`, logs out; then synchronized().
    void synchronize(const QString& mailbox);
    /// Connects, fetches the given parts of a message into the cache (those not cached yet),
    /// logs out; then partsFetched(). Refuses when the mailbox's UIDVALIDITY changed.
    void fetchParts(const QString& mailbox, quint32 uid, const QStringList& sections);
    /// Keeps `mailbox` synchronised: sync, IDLE, sync on every change; reconnects with backoff
    /// when the connection drops. Stops for good on a latch, security or login failure.
    void watch(const QString& mailbox);
    void stop();

Q_SIGNALS:
    void connected();
    void synchronized(const Latchmail::Imap::SyncReport& report);
    void partsFetched();
    void failed(const Latchmail::Imap::SessionError& error);
    void alertReceived(const QString& text);
    /// watch(): waiting for changes (IDLE accepted by the server).
    void idling();
    /// watch(): the connection dropped; another attempt follows after `delayMs`.
    void reconnecting(int delayMs);

private:
    enum class Goal { Connect, Sync, FetchParts, Watch };

    void startAttempt();
    void handleReadyForAuthentication();
    void handleAuthenticated();
    void handleSessionFailed(const SessionError& error);
    void handleSessionClosed();
    void recordEarnedLatches();
    void recordLatchFailure(const LatchFailure& failure);
    [[nodiscard]] SessionOptions sessionOptions(bool implicitTls) const;
    void finishWithError(const SessionError& error);
    void dropSession();

    // Operations (imapservice_operations.cpp).
    void runGoal();
    void runOperations();
    void failOperation(ImapTask* task);
    void runSync();
    void queueStatusOfOthers(const QList<CachedMailbox>& listed);
    void runFetchParts();
    void runWatchCycle();
    void startIdle();
    void scheduleReconnect();

    Account m_account;
    Profile m_profile;
    PasswordProvider m_password;
    std::unique_ptr<MessageCache> m_cache;
    std::unique_ptr<Session> m_session;
    QList<bool> m_attempts; // remaining attempts: true = implicit TLS
    Goal m_goal = Goal::Connect;
    QString m_mailbox;
    quint32 m_uid = 0;
    QStringList m_sections;
    std::optional<SyncReport> m_report;
    std::optional<SessionError> m_pendingError; // a task failed; reported after LOGOUT
    QPointer<IdleTask> m_idle;
    bool m_resyncPending = false;
    bool m_stopped = false;
    ReconnectBackoff m_backoff;
    QTimer m_reconnectTimer;
};

} // namespace Latchmail::Imap
