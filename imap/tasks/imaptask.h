// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/response.h"
#include "imap/responseparser.h"

#include <QObject>
#include <QPointer>

#include <functional>

namespace Latchmail::Imap {

struct Command;
class Session;

/// One IMAP operation (one or a few commands) run by a Session. The session hands it the
/// responses to its commands and the untagged data that arrives while it runs, one handler per
/// response kind; handlers it does not override ignore their data. A task may run a child task
/// (runChild()); while the child runs, every response goes to the child.
class ImapTask : public QObject
{
    Q_OBJECT

public:
    explicit ImapTask(QObject* parent = nullptr);
    ~ImapTask() override;

    /// Called by the session when it is this task's turn.
    void start(Session* session);
    /// Delivers a response to the running child, or to this task's handlers.
    void deliver(const Response& response);
    void deliverLiteralChunk(const LiteralChunk& chunk);
    /// The session ended under the task (disconnect, protocol error, abort).
    void abort(const QString& reason);

    [[nodiscard]] bool isFinished() const { return m_finished; }
    [[nodiscard]] bool succeeded() const { return m_finished && m_error.isEmpty(); }
    /// Why the task failed, as a sentence for the user; empty on success.
    [[nodiscard]] QString errorMessage() const { return m_error; }
    /// The session dropped while the task ran (rather than a server NO/BAD).
    [[nodiscard]] bool wasAborted() const { return m_aborted; }

Q_SIGNALS:
    void finished(Latchmail::Imap::ImapTask* task);

protected:
    virtual void run() = 0;

    virtual void handleTagged(const TaggedResponse& response) = 0;
    virtual void handleContinuation(const ContinuationRequest& response);
    virtual void handleUntaggedStatus(const UntaggedStatus& response);
    virtual void handleFetch(const FetchData& response);
    virtual void handleList(const ListData& response);
    virtual void handleStatus(const StatusData& response);
    virtual void handleFlags(const FlagsData& response);
    virtual void handleExists(const ExistsData& response);
    virtual void handleExpunge(const ExpungeData& response);
    virtual void handleVanished(const VanishedData& response);
    virtual void handleSearch(const SearchData& response);
    virtual void handleESearch(const ESearchData& response);
    virtual void handleLiteralChunk(const LiteralChunk& chunk);
    /// Called once when the task is aborted, before finished(); release partial state here.
    virtual void handleAborted();

    [[nodiscard]] Session* session() const { return m_session; }
    /// Sends a command on behalf of this task; returns its tag (empty when it could not be sent,
    /// in which case the task has already failed).
    QByteArray send(const Command& command, bool sensitive = false);
    /// Runs `child` to completion, then calls `done`. Ownership of `child` passes to this task.
    void runChild(ImapTask* child, std::function<void(ImapTask*)> done);

    void finishOk();
    void finishWithError(const QString& message);
    /// "<what> failed: the server said “…”" from a tagged NO or BAD.
    void finishWithServerError(const QString& what, const TaggedResponse& response);

private:
    void handleChildFinished(ImapTask* child);

    Session* m_session = nullptr; // the session owns the task
    ImapTask* m_child = nullptr;
    std::function<void(ImapTask*)> m_childDone;
    QString m_error;
    bool m_finished = false;
    bool m_aborted = false;
};

/// The server's text of a tagged or untagged response, quoted and attributed, for messages.
[[nodiscard]] QString serverSaid(const QByteArray& text);

} // namespace Latchmail::Imap
