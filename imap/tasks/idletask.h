// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/tasks/imaptask.h"

#include <QTimer>

namespace Latchmail::Imap {

/// IDLE on the selected mailbox (RFC 2177): waits for the server to report new, expunged or
/// changed messages and signals mailboxChanged() for each report. stop() ends it with DONE.
/// The server may drop an IDLE after 30 minutes, so the task ends itself after
/// `restartAfterMs` with restartDue() set; the caller starts a new one (ImapService does, and
/// reconnects with backoff when the connection drops).
class IdleTask : public ImapTask
{
    Q_OBJECT

public:
    static constexpr int kDefaultRestartMs = 25 * 60 * 1000;

    explicit IdleTask(int restartAfterMs = kDefaultRestartMs, QObject* parent = nullptr);

    /// Ends the IDLE (DONE once the server's continuation arrived).
    void stop();
    [[nodiscard]] bool isIdling() const { return m_idling; }
    [[nodiscard]] bool restartDue() const { return m_restartDue; }
    [[nodiscard]] int changeCount() const { return m_changes; }

Q_SIGNALS:
    void idling();
    void mailboxChanged();

protected:
    void run() override;
    void handleContinuation(const ContinuationRequest& response) override;
    void handleExists(const ExistsData& response) override;
    void handleExpunge(const ExpungeData& response) override;
    void handleVanished(const VanishedData& response) override;
    void handleFetch(const FetchData& response) override;
    void handleTagged(const TaggedResponse& response) override;
    void handleAborted() override;

private:
    void noteChange();
    void sendDone();

    QTimer m_restartTimer;
    bool m_idling = false;
    bool m_stopRequested = false;
    bool m_doneSent = false;
    bool m_restartDue = false;
    int m_changes = 0;
};

} // namespace Latchmail::Imap
