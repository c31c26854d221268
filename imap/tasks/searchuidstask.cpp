// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/searchuidstask.h"

#include "imap/authmessages.h"
#include "imap/command.h"
#include "imap/session.h"

namespace Latchmail::Imap {

namespace {

// No mailbox holds more messages than this; a larger answer is a hostile server's.
constexpr qsizetype kMaxUids = 50'000'000;

} // namespace

SearchUidsTask::SearchUidsTask(QByteArray criteria, QObject* parent)
    : ImapTask(parent)
    , m_criteria(std::move(criteria))
{
}

void SearchUidsTask::run()
{
    m_tag = session()->nextTag();
    CommandBuilder builder(m_tag, "UID SEARCH", session()->commandOptions());
    // RFC 9051 6.4.4: with IMAP4rev2 enabled the answer is always ESEARCH.
    if (session()->capabilities().eSearch() || session()->imap4rev2Enabled()) {
        builder.token("RETURN (ALL)");
    }
    builder.token(m_criteria);
    send(builder.build());
}

void SearchUidsTask::handleSearch(const SearchData& response)
{
    if (m_answered) {
        return;
    }
    m_answered = true;
    m_uids = response.numbers;
    std::sort(m_uids.begin(), m_uids.end());
    m_uids.erase(std::unique(m_uids.begin(), m_uids.end()), m_uids.end());
}

void SearchUidsTask::handleESearch(const ESearchData& response)
{
    // RFC 4731: the correlator names our command; an ESEARCH for another one is not ours.
    if (m_answered || !response.uid || (!response.tag.isEmpty() && response.tag != m_tag)) {
        return;
    }
    m_answered = true;
    if (!response.all) {
        return; // no match: ALL is omitted
    }
    const std::optional<QList<quint32>> uids = response.all->toList(kMaxUids);
    if (!uids) {
        finishWithError(QStringLiteral("protocol error: the server reported an impossible number "
                                       "of messages"));
        return;
    }
    m_uids = *uids;
    std::sort(m_uids.begin(), m_uids.end());
    m_uids.erase(std::unique(m_uids.begin(), m_uids.end()), m_uids.end());
}

void SearchUidsTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(QStringLiteral("Searching the mailbox"), response));
        return;
    }
    finishOk();
}

} // namespace Latchmail::Imap
