// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/selecttask.h"

#include "imap/authmessages.h"
#include "imap/mailboxname.h"

namespace Latchmail::Imap {

namespace {

// Bounds what one SELECT may make the client hold: a server cannot report more changes than
// messages it could have.
constexpr qsizetype kMaxChanges = 10'000'000;

quint32 toUid(quint64 number)
{
    return number > 0xffffffffu ? 0 : quint32(number);
}

} // namespace

SelectTask::SelectTask(QString mailbox, SelectOptions options, bool readOnly, QObject* parent)
    : ImapTask(parent)
    , m_options(std::move(options))
    , m_readOnly(readOnly)
{
    m_selected.name = std::move(mailbox);
}

void SelectTask::run()
{
    m_selected.wireName = mailboxNameToWire(m_selected.name, false);
    m_selected.readOnly = m_readOnly;
    session()->setUnselected();
    const QByteArray tag = session()->nextTag();
    send(m_readOnly
             ? Commands::examine(tag, m_selected.wireName, m_options, session()->commandOptions())
             : Commands::select(tag, m_selected.wireName, m_options, session()->commandOptions()));
}

void SelectTask::handleUntaggedStatus(const UntaggedStatus& response)
{
    if (response.status != Status::Ok || !response.code) {
        return;
    }
    const ResponseCode& code = *response.code;
    switch (code.kind) {
    case ResponseCodeKind::UidValidity:
        m_selected.uidValidity = toUid(code.number);
        break;
    case ResponseCodeKind::UidNext:
        m_selected.uidNext = toUid(code.number);
        break;
    case ResponseCodeKind::HighestModSeq:
        m_selected.highestModSeq = code.number;
        break;
    case ResponseCodeKind::NoModSeq:
        m_noModSeq = true;
        break;
    case ResponseCodeKind::PermanentFlags:
        m_selected.permanentFlags = code.atoms;
        break;
    default:
        break;
    }
}

void SelectTask::handleFlags(const FlagsData&) {}

void SelectTask::handleExists(const ExistsData& response)
{
    m_selected.exists = response.count;
}

void SelectTask::handleVanished(const VanishedData& response)
{
    if (m_options.qresync && m_vanished.size() < kMaxChanges) {
        m_vanished.append(response.uids);
    }
}

void SelectTask::handleFetch(const FetchData& response)
{
    // Only QRESYNC's change report (RFC 7162 3.2.5.1) is meaningful here.
    if (m_options.qresync && response.uid && response.flags && m_changes.size() < kMaxChanges) {
        m_changes.append(response);
    }
}

void SelectTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        session()->setUnselected();
        finishWithError(commandFailureMessage(
            QStringLiteral("Opening \u201c%1\u201d").arg(m_selected.name), response));
        return;
    }
    if (response.code && response.code->kind == ResponseCodeKind::ReadOnly) {
        m_selected.readOnly = true;
    }
    if (m_noModSeq) {
        m_selected.highestModSeq = 0;
    }
    session()->setSelected(m_selected);
    finishOk();
}

} // namespace Latchmail::Imap
