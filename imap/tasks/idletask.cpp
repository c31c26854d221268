// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/idletask.h"

#include "imap/authmessages.h"
#include "imap/command.h"
#include "imap/session.h"

namespace Latchmail::Imap {

IdleTask::IdleTask(int restartAfterMs, QObject* parent)
    : ImapTask(parent)
{
    m_restartTimer.setSingleShot(true);
    m_restartTimer.setInterval(restartAfterMs);
    connect(&m_restartTimer, &QTimer::timeout, this, [this] {
        m_restartDue = true;
        stop();
    });
}

void IdleTask::run()
{
    if (!session()->capabilities().idle()) {
        finishWithError(QStringLiteral("the server does not offer IDLE"));
        return;
    }
    send(Commands::idle(session()->nextTag()));
}

void IdleTask::stop()
{
    m_stopRequested = true;
    if (m_idling) {
        sendDone();
    }
}

void IdleTask::sendDone()
{
    if (m_doneSent) {
        return;
    }
    m_doneSent = true;
    m_restartTimer.stop();
    // Back to Selected first, so the session's response deadline covers the reply to DONE.
    session()->setIdling(false);
    session()->sendLine(Commands::idleDone());
}

void IdleTask::handleContinuation(const ContinuationRequest&)
{
    if (m_idling) {
        return;
    }
    m_idling = true;
    session()->setIdling(true);
    m_restartTimer.start();
    Q_EMIT idling();
    if (m_stopRequested) {
        sendDone();
    }
}

void IdleTask::noteChange()
{
    ++m_changes;
    Q_EMIT mailboxChanged();
}

void IdleTask::handleExists(const ExistsData&)
{
    noteChange();
}

void IdleTask::handleExpunge(const ExpungeData&)
{
    noteChange();
}

void IdleTask::handleVanished(const VanishedData&)
{
    noteChange();
}

void IdleTask::handleFetch(const FetchData&)
{
    noteChange();
}

void IdleTask::handleTagged(const TaggedResponse& response)
{
    m_restartTimer.stop();
    m_idling = false;
    session()->setIdling(false);
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(QStringLiteral("Waiting for new mail"), response));
        return;
    }
    finishOk();
}

void IdleTask::handleAborted()
{
    m_restartTimer.stop();
    m_idling = false;
}

} // namespace Latchmail::Imap
