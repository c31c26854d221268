// SPDX-License-Identifier: GPL-3.0-or-later
// Commands and tasks of the IMAP session: writing command parts (waiting for continuation
// requests where a literal or SASL response needs one), the per-command deadline, and the
// queue of tasks run one at a time.
#include "core/logging.h"
#include "imap/session.h"
#include "imap/tasks/imaptask.h"

namespace Latchmail::Imap {

bool Session::send(const Command& command, ImapTask* owner, bool sensitive)
{
    if (m_failed || !m_channel || !command.isValid()) {
        return false;
    }
    m_pending.append(PendingCommand{command, 0, owner, sensitive, owner == nullptr});
    if (!m_responseTimer.isActive() && m_state != State::Idling) {
        m_responseTimer.start(m_options.responseTimeoutMs);
    }
    writeCommandParts(false);
    return !m_failed;
}

bool Session::sendLine(const QByteArray& line, bool sensitive)
{
    if (m_failed || !m_channel) {
        return false;
    }
    logWire(Direction::ClientToServer, line, m_redaction);
    const bool written = sensitive ? m_channel->writeSensitive(line) : m_channel->write(line);
    if (!written) {
        fail(sensitive ? SessionError::Kind::SecurityRefusal : SessionError::Kind::Network,
             sensitive ? QStringLiteral("refused to send a credential over an unsecured "
                                        "connection")
                       : QStringLiteral("could not write to the connection"));
        return false;
    }
    if (!m_responseTimer.isActive() && m_state != State::Idling) {
        m_responseTimer.start(m_options.responseTimeoutMs);
    }
    return true;
}

bool Session::writeCommandParts(bool continuationArrived)
{
    bool usedContinuation = false;
    for (PendingCommand& pending : m_pending) {
        const QList<CommandPart>& parts = pending.command.parts;
        while (pending.nextPart < parts.size()) {
            const CommandPart& part = parts.at(pending.nextPart);
            if (part.waitForContinuation) {
                if (!continuationArrived || usedContinuation) {
                    return usedContinuation; // later commands wait behind this one
                }
                usedContinuation = true;
            }
            logWire(Direction::ClientToServer, part.bytes, m_redaction);
            const bool written = pending.sensitive ? m_channel->writeSensitive(part.bytes)
                                                   : m_channel->write(part.bytes);
            if (!written) {
                fail(pending.sensitive ? SessionError::Kind::SecurityRefusal
                                       : SessionError::Kind::Network,
                     pending.sensitive ? QStringLiteral("refused to send a credential over an "
                                                        "unsecured connection")
                                       : QStringLiteral("could not write to the connection"));
                return true;
            }
            ++pending.nextPart;
        }
    }
    return usedContinuation;
}

void Session::enqueue(ImapTask* task)
{
    task->setParent(this);
    m_queue.append(task);
    connect(task, &ImapTask::finished, this, &Session::handleTaskFinished);
    if (m_failed) {
        QMetaObject::invokeMethod(
            task, [task] { task->abort(QStringLiteral("the connection is closed")); },
            Qt::QueuedConnection);
        return;
    }
    startNextTask();
}

void Session::logout()
{
    m_logoutQueued = true;
    if (m_state == State::Disconnected || m_failed) {
        return;
    }
    if (m_state != State::Authenticated && m_state != State::Selected) {
        // Not logged in yet (or idling, which the IDLE task ends first): just close.
        if (m_state != State::Idling) {
            m_responseTimer.stop();
            if (m_channel) {
                m_channel->disconnect(this);
                m_channel->abort();
            }
            setState(State::Disconnected);
            abortTasks(QStringLiteral("the connection was closed"));
            Q_EMIT closed();
        }
        return;
    }
    startNextTask();
}

void Session::startNextTask()
{
    if (m_activeTask || m_failed ||
        (m_state != State::Authenticated && m_state != State::Selected)) {
        return;
    }
    while (!m_queue.isEmpty() && !m_queue.first()) {
        m_queue.removeFirst();
    }
    if (m_queue.isEmpty()) {
        if (m_logoutQueued) {
            setState(State::LoggingOut);
            send(Commands::logout(nextTag()), nullptr);
        }
        return;
    }
    m_activeTask = m_queue.takeFirst();
    m_activeTask->start(this);
}

void Session::handleTaskFinished(ImapTask* task)
{
    m_queue.removeAll(task);
    if (m_activeTask == task) {
        m_activeTask = nullptr;
    }
    task->deleteLater();
    // Not re-entered from inside the finishing task's handler.
    QMetaObject::invokeMethod(this, &Session::startNextTask, Qt::QueuedConnection);
}

void Session::abortTasks(const QString& reason)
{
    QList<QPointer<ImapTask>> tasks = m_queue;
    m_queue.clear();
    if (m_activeTask) {
        tasks.prepend(m_activeTask);
        m_activeTask = nullptr;
    }
    for (const QPointer<ImapTask>& task : tasks) {
        if (task) {
            task->abort(reason);
        }
    }
}

} // namespace Latchmail::Imap
