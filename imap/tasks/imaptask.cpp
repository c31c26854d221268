// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/imaptask.h"

#include "imap/session.h"
#include "imap/tasks/overloaded.h"

namespace Latchmail::Imap {

namespace {

// Server text is untrusted: keep it printable and short enough for a message box.
constexpr qsizetype kMaxQuotedText = 300;

} // namespace

QString serverSaid(const QByteArray& text)
{
    QString printable;
    for (const QChar c : QString::fromUtf8(text.left(kMaxQuotedText))) {
        printable.append(c.isPrint() ? c : QChar(u'\uFFFD'));
    }
    if (text.size() > kMaxQuotedText) {
        printable.append(QChar(u'\u2026'));
    }
    return QStringLiteral("the server said \u201c") + printable.trimmed() +
           QStringLiteral("\u201d");
}

ImapTask::ImapTask(QObject* parent)
    : QObject(parent)
{
}

ImapTask::~ImapTask() = default;

void ImapTask::start(Session* session)
{
    m_session = session;
    run();
}

void ImapTask::deliver(const Response& response)
{
    if (m_finished) {
        return;
    }
    if (m_child) {
        m_child->deliver(response);
        return;
    }
    std::visit(Overloaded{
                   [this](const TaggedResponse& r) { handleTagged(r); },
                   [this](const ContinuationRequest& r) { handleContinuation(r); },
                   [this](const UntaggedStatus& r) { handleUntaggedStatus(r); },
                   [this](const FetchData& r) { handleFetch(r); },
                   [this](const ListData& r) { handleList(r); },
                   [this](const StatusData& r) { handleStatus(r); },
                   [this](const FlagsData& r) { handleFlags(r); },
                   [this](const ExistsData& r) { handleExists(r); },
                   [this](const ExpungeData& r) { handleExpunge(r); },
                   [this](const VanishedData& r) { handleVanished(r); },
                   [this](const SearchData& r) { handleSearch(r); },
                   [this](const ESearchData& r) { handleESearch(r); },
                   [](const auto&) {},
               },
               response);
}

void ImapTask::deliverLiteralChunk(const LiteralChunk& chunk)
{
    if (m_finished) {
        return;
    }
    if (m_child) {
        m_child->deliverLiteralChunk(chunk);
        return;
    }
    handleLiteralChunk(chunk);
}

void ImapTask::abort(const QString& reason)
{
    if (m_finished) {
        return;
    }
    m_aborted = true;
    if (m_child) {
        m_child->abort(reason);
    }
    handleAborted();
    finishWithError(reason);
}

void ImapTask::handleContinuation(const ContinuationRequest&) {}
void ImapTask::handleUntaggedStatus(const UntaggedStatus&) {}
void ImapTask::handleFetch(const FetchData&) {}
void ImapTask::handleList(const ListData&) {}
void ImapTask::handleStatus(const StatusData&) {}
void ImapTask::handleFlags(const FlagsData&) {}
void ImapTask::handleExists(const ExistsData&) {}
void ImapTask::handleExpunge(const ExpungeData&) {}
void ImapTask::handleVanished(const VanishedData&) {}
void ImapTask::handleSearch(const SearchData&) {}
void ImapTask::handleESearch(const ESearchData&) {}
void ImapTask::handleLiteralChunk(const LiteralChunk&) {}
void ImapTask::handleAborted() {}

QByteArray ImapTask::send(const Command& command, bool sensitive)
{
    if (!command.isValid()) {
        finishWithError(QStringLiteral("cannot send %1: %2")
                            .arg(QString::fromLatin1(command.name), command.error));
        return {};
    }
    if (!m_session || !m_session->send(command, this, sensitive)) {
        finishWithError(QStringLiteral("the connection is not usable"));
        return {};
    }
    return command.tag;
}

void ImapTask::runChild(ImapTask* child, std::function<void(ImapTask*)> done)
{
    child->setParent(this);
    m_child = child;
    m_childDone = std::move(done);
    connect(child, &ImapTask::finished, this, &ImapTask::handleChildFinished);
    child->start(m_session);
}

void ImapTask::handleChildFinished(ImapTask* child)
{
    if (child != m_child) {
        return;
    }
    m_child = nullptr;
    const std::function<void(ImapTask*)> done = std::exchange(m_childDone, nullptr);
    child->deleteLater();
    if (!m_finished && !m_aborted && done) {
        done(child);
    }
}

void ImapTask::finishOk()
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    Q_EMIT finished(this);
}

void ImapTask::finishWithError(const QString& message)
{
    if (m_finished) {
        return;
    }
    m_error = message.isEmpty() ? QStringLiteral("the operation failed") : message;
    m_finished = true;
    Q_EMIT finished(this);
}

void ImapTask::finishWithServerError(const QString& what, const TaggedResponse& response)
{
    finishWithError(what + QStringLiteral(" failed: ") + serverSaid(response.text));
}

} // namespace Latchmail::Imap
