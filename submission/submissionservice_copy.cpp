// SPDX-License-Identifier: GPL-3.0-or-later
// The end of a submission run: copies of accepted messages in the Sent mailbox over IMAP (see
// SentCopy), then removal of every message that is completely done.
#include "core/logging.h"
#include "imap/imapservice.h"
#include "submission/sentcopy.h"
#include "submission/submissionservice.h"

namespace Latchmail {

namespace {

bool needsCopy(const OutboxEntry& entry)
{
    return entry.acceptedAt.isValid() && !entry.sentCopy.done && entry.state != OutboxState::Failed;
}

} // namespace

void SubmissionService::startCopies()
{
    QList<OutboxEntry> pending;
    for (const OutboxEntry& entry : m_outbox.list().entries) {
        if (needsCopy(entry)) {
            pending.append(entry);
        }
    }
    if (!m_options.copyToSent || pending.isEmpty()) {
        finish();
        return;
    }

    const PasswordProvider password = m_password;
    m_imap = std::make_unique<Imap::ImapService>(
        m_account, m_profile, [password](QString* error) -> std::optional<QString> {
            return password ? password(Service::MessageAccess, error) : std::nullopt;
        });
    connect(m_imap.get(), &Imap::ImapService::connected, this,
            &SubmissionService::handleImapConnected);
    connect(m_imap.get(), &Imap::ImapService::failed, this, &SubmissionService::handleImapFailed);
    m_imap->connectToServer();
}

void SubmissionService::handleImapConnected()
{
    QList<OutboxEntry> pending;
    for (const OutboxEntry& entry : m_outbox.list().entries) {
        if (needsCopy(entry)) {
            pending.append(entry);
        }
    }
    m_copy = new SentCopy(m_imap->session(), &m_outbox, pending, this);
    connect(m_copy, &SentCopy::finished, this, &SubmissionService::handleCopiesFinished);
    m_copy->start();
}

void SubmissionService::handleImapFailed(const Imap::SessionError& error)
{
    if (m_report.copyError.isEmpty()) {
        m_report.copyError = error.message;
    }
    finish();
}

void SubmissionService::handleCopiesFinished()
{
    if (!m_copy) {
        return;
    }
    if (m_report.copyError.isEmpty()) {
        m_report.copyError = m_copy->error();
    }
    m_copy->disconnect(this);
    m_copy->deleteLater();
    m_copy = nullptr;

    Imap::Session* session = m_imap ? m_imap->session() : nullptr;
    if (!session || session->state() == Imap::Session::State::Disconnected) {
        finish();
        return;
    }
    connect(session, &Imap::Session::closed, this, &SubmissionService::finish);
    connect(session, &Imap::Session::failed, this, &SubmissionService::finish);
    session->logout();
}

void SubmissionService::removeFinishedEntries()
{
    for (const OutboxEntry& entry : m_outbox.list().entries) {
        const bool copied = entry.sentCopy.done || !m_options.copyToSent;
        if (entry.state != OutboxState::SentAwaitingCopy || !copied ||
            !entry.pendingRecipients().isEmpty()) {
            continue;
        }
        QString error;
        if (!m_outbox.remove(entry.id, &error)) {
            qCWarning(lcSubmission).noquote() << error;
            continue;
        }
        SubmissionItem* item = nullptr;
        for (SubmissionItem& existing : m_report.items) {
            item = existing.id == entry.id ? &existing : item;
        }
        if (!item) {
            m_report.items.append(SubmissionItem{entry.id, entry.subject,
                                                 SubmissionItem::Outcome::Sent, entry.state, true,
                                                 entry.sentCopy.note});
            continue;
        }
        item->removed = true;
    }
}

void SubmissionService::finish()
{
    if (!m_running) {
        return;
    }
    m_running = false;
    removeFinishedEntries();
    if (!m_report.copyError.isEmpty()) {
        qCWarning(lcSubmission).noquote()
            << "the copy in the Sent mailbox is still pending:" << m_report.copyError;
    }
    if (m_imap) {
        m_imap->disconnect(this);
        m_imap.release()->deleteLater();
    }
    Q_EMIT finished(m_report);
}

} // namespace Latchmail
