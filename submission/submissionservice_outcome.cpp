// SPDX-License-Identifier: GPL-3.0-or-later
// What each transaction or connection failure does to the outbox entries: accepted (per
// recipient), refused for good, retried later with backoff, or held for security.
#include "core/logging.h"
#include "submission/submissionservice.h"

namespace Latchmail {

namespace {

QString summariseRecipients(const QList<OutboxRecipient>& recipients)
{
    QStringList parts;
    for (const OutboxRecipient& recipient : recipients) {
        if (recipient.status == RecipientStatus::Refused) {
            parts.append(
                QStringLiteral("%1 was refused: %2").arg(recipient.address, recipient.reason));
        } else if (recipient.status == RecipientStatus::Pending) {
            parts.append(QStringLiteral("%1 is still to be sent: %2")
                             .arg(recipient.address, recipient.reason));
        }
    }
    return parts.join(QLatin1Char(' '));
}

// Copies what the server said about each recipient into the entry.
void applyRecipientReplies(OutboxEntry* entry, const TransactionResult& result)
{
    for (const RecipientReply& reply : result.recipients) {
        for (OutboxRecipient& recipient : entry->recipients) {
            if (recipient.address != reply.address ||
                recipient.status != RecipientStatus::Pending) {
                continue;
            }
            if (reply.accepted) {
                recipient.status = result.outcome == TransactionResult::Outcome::Accepted
                                       ? RecipientStatus::Accepted
                                       : RecipientStatus::Pending;
                recipient.reason.clear();
            } else if (!reply.reason.isEmpty()) {
                recipient.status =
                    reply.permanent ? RecipientStatus::Refused : RecipientStatus::Pending;
                recipient.reason = reply.reason;
            }
        }
    }
}

} // namespace

bool SubmissionService::isDue(const OutboxEntry& entry) const
{
    if (entry.isDue(QDateTime::currentDateTimeUtc())) {
        return true;
    }
    if (m_options.ignoreSchedule && entry.state == OutboxState::Retrying) {
        return true;
    }
    return m_options.releaseHeld && entry.state == OutboxState::HeldForSecurity;
}

MailTransaction SubmissionService::transactionFor(const OutboxEntry& entry) const
{
    MailTransaction transaction;
    transaction.reversePath = entry.reversePath;
    transaction.recipients = entry.pendingRecipients();
    transaction.envelopeId = entry.envelopeId;
    transaction.notifySuccess = m_account.requestSuccessDsn;
    transaction.needs8BitMime = entry.needs8BitMime;
    transaction.needsSmtpUtf8 = entry.needsSmtpUtf8;
    transaction.messageFile = m_outbox.messageFilePath(entry.id);
    return transaction;
}

void SubmissionService::applyAccepted(OutboxEntry* entry, const TransactionResult& result)
{
    applyRecipientReplies(entry, result);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!entry->acceptedAt.isValid()) {
        entry->acceptedAt = now;
    }
    entry->dsnRequested = entry->dsnRequested || result.dsnRequested;
    // The record comes first: a crash before the sidecar below is written sends again, and the
    // record is simply written again.
    recordSent(*entry, result);

    const QString details = summariseRecipients(entry->recipients);
    if (!entry->pendingRecipients().isEmpty()) {
        scheduleRetry(entry, details);
        setItem(*entry, SubmissionItem::Outcome::Sent, details);
        return;
    }
    entry->state = OutboxState::SentAwaitingCopy;
    entry->lastError = details;
    entry->lastErrorAt = details.isEmpty() ? QDateTime() : now;
    saveEntry(*entry);
    setItem(*entry, SubmissionItem::Outcome::Sent, details);
}

void SubmissionService::applyRefused(OutboxEntry* entry, const TransactionResult& result)
{
    applyRecipientReplies(entry, result);
    const QString reason = result.message.text();
    if (!result.permanent) {
        scheduleRetry(entry, reason);
        setItem(*entry,
                entry->state == OutboxState::Failed ? SubmissionItem::Outcome::Failed
                                                    : SubmissionItem::Outcome::Retrying,
                entry->lastError);
        return;
    }
    entry->state = OutboxState::Failed;
    entry->lastError = reason;
    entry->lastErrorAt = QDateTime::currentDateTimeUtc();
    saveEntry(*entry);
    setItem(*entry, SubmissionItem::Outcome::Failed, reason);
}

void SubmissionService::applySessionFailure(const SubmissionError& error)
{
    QList<OutboxEntry> affected = m_toSend;
    if (m_current) {
        affected.prepend(*std::exchange(m_current, std::nullopt));
    }
    m_toSend.clear();

    for (OutboxEntry& entry : affected) {
        switch (error.kind) {
        case SubmissionError::Kind::LatchFailure:
        case SubmissionError::Kind::SecurityRefusal:
            entry.state = OutboxState::HeldForSecurity;
            entry.lastError = error.message;
            entry.lastErrorAt = QDateTime::currentDateTimeUtc();
            saveEntry(entry);
            setItem(entry, SubmissionItem::Outcome::HeldForSecurity, error.message);
            break;
        case SubmissionError::Kind::AuthenticationFailed:
        case SubmissionError::Kind::AuthenticationUnavailable:
            entry.lastError = error.message;
            entry.lastErrorAt = QDateTime::currentDateTimeUtc();
            saveEntry(entry);
            setItem(entry, SubmissionItem::Outcome::AuthenticationFailed, error.message);
            break;
        case SubmissionError::Kind::Cancelled:
            entry.lastError = error.message;
            entry.lastErrorAt = QDateTime::currentDateTimeUtc();
            saveEntry(entry);
            setItem(entry, SubmissionItem::Outcome::NotAttempted, error.message);
            break;
        case SubmissionError::Kind::Network:
        case SubmissionError::Kind::Timeout:
        case SubmissionError::Kind::Tls:
        case SubmissionError::Kind::Protocol:
        case SubmissionError::Kind::ServerClosed:
            scheduleRetry(&entry, error.message);
            setItem(entry,
                    entry.state == OutboxState::Failed ? SubmissionItem::Outcome::Failed
                                                       : SubmissionItem::Outcome::Retrying,
                    entry.lastError);
            break;
        }
    }
}

void SubmissionService::scheduleRetry(OutboxEntry* entry, const QString& reason)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    entry->lastErrorAt = now;
    if (m_options.retry.shouldGiveUp(entry->queuedAt, now)) {
        entry->state = OutboxState::Failed;
        entry->lastError = QStringLiteral("Gave up after trying for %1 days. Last problem: %2")
                               .arg(m_options.retry.giveUpAfterSeconds / 86400.0, 0, 'g', 3)
                               .arg(reason);
        saveEntry(*entry);
        return;
    }
    entry->state = OutboxState::Retrying;
    entry->nextAttemptAt = m_options.retry.nextAttempt(qMax(1, entry->attempts), now);
    entry->lastError = reason;
    saveEntry(*entry);
}

void SubmissionService::recordSent(const OutboxEntry& entry, const TransactionResult& result)
{
    QString error;
    SentRecord record = m_reports.load(entry.envelopeId, &error).value_or(SentRecord());
    record.envelopeId = entry.envelopeId;
    record.messageId = entry.messageId;
    record.subject = entry.subject;
    record.acceptedAt = entry.acceptedAt;
    record.dsnRequested = record.dsnRequested || result.dsnRequested;
    record.successRequested = m_account.requestSuccessDsn;
    for (const RecipientReply& reply : result.recipients) {
        const bool known =
            std::any_of(record.recipients.cbegin(), record.recipients.cend(),
                        [&](const SentRecipient& r) { return r.address == reply.address; });
        if (reply.accepted && !known) {
            record.recipients.append(SentRecipient{
                reply.address, SentRecipient::State::Accepted, {}, {}, entry.acceptedAt});
        }
    }
    if (!m_reports.save(record, &error)) {
        qCWarning(lcSubmission).noquote() << "cannot record the sent message:" << error;
    }
}

void SubmissionService::setItem(const OutboxEntry& entry, SubmissionItem::Outcome outcome,
                                const QString& message)
{
    SubmissionItem item{entry.id, entry.subject, outcome, entry.state, false, message};
    for (SubmissionItem& existing : m_report.items) {
        if (existing.id == entry.id) {
            existing = item;
            return;
        }
    }
    m_report.items.append(item);
}

void SubmissionService::saveEntry(const OutboxEntry& entry)
{
    QString error;
    if (!m_outbox.save(entry, &error)) {
        // The previous state stays on disk; the next run starts from it.
        qCWarning(lcSubmission).noquote() << error;
    }
    Q_EMIT entryChanged(entry);
}

} // namespace Latchmail
