// SPDX-License-Identifier: GPL-3.0-or-later
// Response dispatch of the IMAP session: one handler per response kind, each deciding whether
// the response makes sense in the current state. Handles untrusted input; data that does not
// fit the state is dropped, never applied.
#include "core/logging.h"
#include "imap/session.h"
#include "imap/tasks/imaptask.h"
#include "imap/tasks/overloaded.h"

namespace Latchmail::Imap {

void Session::dispatch(const Response& response)
{
    if (m_state == State::Greeting) {
        handleGreeting(response);
        return;
    }
    std::visit(
        Overloaded{
            [this](const TaggedResponse& r) { handleTagged(r); },
            [this](const ContinuationRequest& r) { handleContinuation(r); },
            [this](const UntaggedStatus& r) { handleUntaggedStatus(r); },
            [this](const CapabilityData& r) { handleCapabilityData(r); },
            [this](const EnabledData& r) { handleEnabledData(r); },
            [this, &response](const ListData&) { handleMailboxData(response); },
            [this, &response](const StatusData&) { handleMailboxData(response); },
            [this, &response](const FlagsData&) { handleSelectedData(response); },
            [this, &response](const ExistsData&) { handleSelectedData(response); },
            [this, &response](const RecentData&) { handleSelectedData(response); },
            [this, &response](const ExpungeData&) { handleSelectedData(response); },
            [this, &response](const FetchData&) { handleSelectedData(response); },
            [this, &response](const SearchData&) { handleSelectedData(response); },
            [this, &response](const ESearchData&) { handleSelectedData(response); },
            [this, &response](const VanishedData&) { handleSelectedData(response); },
            [this](const auto&) { qCDebug(lcImap) << "ignored untagged data in state" << m_state; },
        },
        response);
}

void Session::handleTagged(const TaggedResponse& response)
{
    const auto pending =
        std::find_if(m_pending.begin(), m_pending.end(),
                     [&](const PendingCommand& p) { return p.command.tag == response.tag; });
    if (pending == m_pending.end()) {
        if (m_state == State::StartingTls) {
            fail(SessionError::Kind::SecurityRefusal,
                 QStringLiteral("the server's reply to STARTTLS is garbled; the connection was "
                                "closed without encryption and nothing was sent"));
            return;
        }
        fail(SessionError::Kind::Protocol,
             QStringLiteral("protocol error: the server answered a command that was never sent"));
        return;
    }

    const PendingCommand command = *pending;
    m_pending.erase(pending);
    if (m_pending.isEmpty()) {
        m_responseTimer.stop();
    }
    if (response.code && response.code->kind == ResponseCodeKind::Alert && !beforeTls()) {
        Q_EMIT alertReceived(QString::fromUtf8(response.text));
    }
    // A REFERRAL (RFC 2221) would send the credentials elsewhere: it is never followed.
    if (response.code && response.code->kind == ResponseCodeKind::Referral) {
        qCInfo(lcImap) << "ignored a referral to another server";
    }
    writeCommandParts(false); // a rejected literal leaves later commands waiting

    if (!command.internal) {
        if (command.owner) {
            command.owner->deliver(response);
        }
        return;
    }
    if (command.command.name == "CAPABILITY") {
        handleCapabilityDone(response);
    } else if (command.command.name == "STARTTLS") {
        handleStartTlsReply(response);
    } else if (command.command.name == "ENABLE") {
        becomeAuthenticated();
    } else if (command.command.name == "LOGOUT") {
        m_responseTimer.stop();
        if (m_channel) {
            m_channel->close();
        }
    }
}

void Session::handleContinuation(const ContinuationRequest& response)
{
    if (beforeTls()) {
        fail(m_state == State::StartingTls ? SessionError::Kind::SecurityRefusal
                                           : SessionError::Kind::Protocol,
             QStringLiteral("protocol error: the server asked for more data before encryption "
                            "was set up; nothing was sent"));
        return;
    }
    if (writeCommandParts(true)) {
        return;
    }
    // Not a literal: a SASL challenge or IDLE's "+ idling", for the command's owner.
    for (auto it = m_pending.crbegin(); it != m_pending.crend(); ++it) {
        if (it->owner) {
            it->owner->deliver(response);
            return;
        }
    }
    fail(SessionError::Kind::Protocol,
         QStringLiteral("protocol error: the server asked for data no command was sending"));
}

void Session::handleUntaggedStatus(const UntaggedStatus& response)
{
    if (beforeTls()) {
        // Alerts, BYE text and referrals received before TLS are forgotten unseen.
        return;
    }
    if (response.status == Status::Bye) {
        m_byeText = response.text.isEmpty() ? QByteArrayLiteral("BYE") : response.text;
        return;
    }
    if (response.code && response.code->kind == ResponseCodeKind::Alert) {
        Q_EMIT alertReceived(QString::fromUtf8(response.text));
    }
    if (response.code && response.code->kind == ResponseCodeKind::Referral) {
        qCInfo(lcImap) << "ignored a referral to another server";
        return;
    }
    if (m_activeTask && (m_state == State::Authenticated || m_state == State::Selected ||
                         m_state == State::Idling)) {
        m_activeTask->deliver(Response(response));
    }
}

void Session::handleCapabilityData(const CapabilityData& response)
{
    switch (m_state) {
    case State::PreTlsCapability:
        m_preTlsCapabilities = Capabilities(response.capabilities);
        break;
    case State::PostTlsCapability:
    case State::Authenticating:
        m_capabilities = Capabilities(response.capabilities);
        break;
    default:
        qCDebug(lcImap) << "ignored CAPABILITY data in state" << m_state;
        break;
    }
}

void Session::handleMailboxData(const Response& response)
{
    const bool fits =
        m_state == State::Authenticated || m_state == State::Selected || m_state == State::Idling;
    if (!fits || !m_activeTask) {
        qCDebug(lcImap) << "ignored mailbox data in state" << m_state;
        return;
    }
    m_activeTask->deliver(response);
}

void Session::handleSelectedData(const Response& response)
{
    const bool fits =
        m_state == State::Authenticated || m_state == State::Selected || m_state == State::Idling;
    if (!fits) {
        qCDebug(lcImap) << "ignored message data in state" << m_state;
        return;
    }
    if (m_activeTask) {
        m_activeTask->deliver(response);
        return;
    }
    if (m_state == State::Selected || m_state == State::Idling) {
        Q_EMIT mailboxChanged();
    }
}

void Session::literalChunk(const LiteralChunk& chunk)
{
    if (m_activeTask && (m_state == State::Selected || m_state == State::Idling)) {
        m_activeTask->deliverLiteralChunk(chunk);
    }
}

} // namespace Latchmail::Imap
