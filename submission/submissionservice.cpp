// SPDX-License-Identifier: GPL-3.0-or-later
// SubmissionService: queueing, the SMTP connection attempts per TLS mode, authentication with
// a password asked for only after TLS, the latch bookkeeping in the account file, and one
// transaction per due message. Outcomes live in submissionservice_outcome.cpp, Sent copies in
// submissionservice_copy.cpp.
#include "submission/submissionservice.h"

#include "core/accountstore.h"
#include "core/latchrecording.h"
#include "core/logging.h"
#include "imap/imapservice.h"
#include "submission/session.h"

namespace Latchmail {

namespace {

QString defaultUserName(const Account& account)
{
    if (!account.submission.userName.isEmpty()) {
        return account.submission.userName;
    }
    return account.imap.userName.isEmpty() ? account.address : account.imap.userName;
}

} // namespace

QString submissionOutcomeName(SubmissionItem::Outcome outcome)
{
    switch (outcome) {
    case SubmissionItem::Outcome::NotAttempted:
        return QStringLiteral("not-attempted");
    case SubmissionItem::Outcome::Sent:
        return QStringLiteral("sent");
    case SubmissionItem::Outcome::HeldForSecurity:
        return QStringLiteral("held-for-security");
    case SubmissionItem::Outcome::AuthenticationFailed:
        return QStringLiteral("authentication-failed");
    case SubmissionItem::Outcome::Retrying:
        return QStringLiteral("retrying");
    case SubmissionItem::Outcome::Failed:
        return QStringLiteral("failed");
    }
    return QStringLiteral("not-attempted");
}

const SubmissionItem* SubmissionReport::item(const QString& id) const
{
    for (const SubmissionItem& item : items) {
        if (item.id == id) {
            return &item;
        }
    }
    return nullptr;
}

SubmissionService::SubmissionService(Account account, Profile profile, PasswordProvider password,
                                     SubmissionOptions options, QObject* parent)
    : QObject(parent)
    , m_account(std::move(account))
    , m_profile(std::move(profile))
    , m_password(std::move(password))
    , m_options(options)
    , m_outbox(m_profile.outboxDirectory(m_account.id))
    , m_reports(m_profile.dataDirectory() + QStringLiteral("/reports/") + m_account.id)
{
    qRegisterMetaType<Latchmail::SubmissionReport>();
}

SubmissionService::~SubmissionService()
{
    dropSession();
}

bool SubmissionService::open(QString* error)
{
    if (!m_outbox.lock(m_options.lockTimeoutMs, error)) {
        return false;
    }
    m_report.recovery = m_outbox.recover(QDateTime::currentDateTimeUtc());
    for (const QString& id : std::as_const(m_report.recovery.interrupted)) {
        qCInfo(lcSubmission).noquote()
            << QStringLiteral("message %1 was interrupted while sending; it will be sent again")
                   .arg(id);
    }
    return true;
}

std::optional<OutboxEntry> SubmissionService::queue(MimeDraft draft, QString* error)
{
    if (draft.from.address.isEmpty()) {
        draft.from = MimeAddress{m_account.displayName, m_account.address};
    }
    const auto writer = [&draft](QIODevice* device, OutboxEntry* entry, QString* writeError) {
        const MimeComposeResult composed = composeMessage(draft, device);
        if (!composed.ok) {
            *writeError = composed.error;
            return false;
        }
        if (composed.envelopeRecipients.isEmpty()) {
            *writeError = QStringLiteral("the message has no recipients");
            return false;
        }
        entry->messageId = composed.messageId;
        entry->subject = draft.subject;
        entry->reversePath = composed.envelopeSender;
        for (const QString& recipient : composed.envelopeRecipients) {
            entry->recipients.append(OutboxRecipient{recipient, RecipientStatus::Pending, {}});
        }
        entry->needs8BitMime = composed.needs8BitMime;
        entry->needsSmtpUtf8 = composed.needsSmtpUtf8;
        return true;
    };
    return m_outbox.enqueue(writer, QDateTime::currentDateTimeUtc(), error);
}

void SubmissionService::run()
{
    if (m_running) {
        qCWarning(lcSubmission) << "run() called while a run is in progress";
        return;
    }
    m_running = true;
    m_report.items.clear();
    m_report.error.reset();
    m_report.copyError.clear();
    m_toSend.clear();
    m_authenticated = false;

    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (OutboxEntry entry : m_outbox.list().entries) {
        if (!isDue(entry) || entry.pendingRecipients().isEmpty()) {
            continue;
        }
        if (entry.state == OutboxState::Retrying &&
            m_options.retry.shouldGiveUp(entry.queuedAt, now)) {
            scheduleRetry(&entry, entry.lastError); // turns into `failed`
            continue;
        }
        m_toSend.append(entry);
    }
    if (m_toSend.isEmpty()) {
        startCopies();
        return;
    }

    switch (m_account.submission.tlsMode) {
    case TlsMode::Implicit:
        m_attempts = {true};
        break;
    case TlsMode::StartTls:
        m_attempts = {false};
        break;
    case TlsMode::Auto:
        m_attempts = {true, false};
        break;
    }
    startAttempt();
}

void SubmissionService::startAttempt()
{
    dropSession();
    const bool implicitTls = m_attempts.takeFirst();
    const ServiceSettings& settings = m_account.submission;

    SmtpSessionOptions options;
    options.implicitTls = implicitTls;
    options.channel.service = Service::MessageSubmission;
    options.channel.host = settings.host;
    options.channel.port = settings.port != 0
                               ? settings.port
                               : defaultPort(Service::MessageSubmission,
                                             implicitTls ? TlsMode::Implicit : TlsMode::StartTls);
    options.channel.required = m_account.latchRecord(Service::MessageSubmission).latchSet();
    options.channel.extraCaFile = settings.extraCaFile;
    options.channel.allowCleartext = settings.allowCleartext;
    options.channel.timeoutMs = m_options.connectTimeoutMs;
    options.channel.inactivityTimeoutMs = m_options.dataTimeoutMs;
    options.channel.connectionLogFile = m_profile.connectionLogFile();

    m_session = std::make_unique<SmtpSession>(options);
    connect(m_session.get(), &SmtpSession::readyForAuthentication, this,
            &SubmissionService::handleReadyForAuthentication);
    connect(m_session.get(), &SmtpSession::authenticated, this,
            &SubmissionService::handleAuthenticated);
    connect(m_session.get(), &SmtpSession::transactionFinished, this,
            &SubmissionService::handleTransactionFinished);
    connect(m_session.get(), &SmtpSession::failed, this, &SubmissionService::handleSessionFailed);
    connect(m_session.get(), &SmtpSession::closed, this, &SubmissionService::handleSessionClosed);
    m_session->open();
}

void SubmissionService::dropSession()
{
    if (!m_session) {
        return;
    }
    m_session->disconnect(this);
    SmtpSession* session = m_session.release();
    if (session->state() != SmtpSession::State::Closed) {
        session->abort();
    }
    session->deleteLater();
}

void SubmissionService::handleReadyForAuthentication()
{
    QString error;
    std::optional<QString> password =
        m_password ? m_password(Service::MessageSubmission, &error) : std::nullopt;
    if (!password) {
        handleSessionFailed(SubmissionError{
            SubmissionError::Kind::Cancelled,
            error.isEmpty() ? QStringLiteral("no password is available for sending") : error,
            std::nullopt});
        return;
    }
    m_session->authenticate(defaultUserName(m_account), *password);
    password->fill(QChar(u'\0'));
}

void SubmissionService::handleAuthenticated()
{
    m_authenticated = true;
    m_attempts.clear();
    recordEarnedLatches();
    submitNext();
}

void SubmissionService::recordEarnedLatches()
{
    const TlsObservation observation = m_session->observation();
    if (!observation.isEncrypted()) {
        return; // a cleartext session (explicitly allowed) earns nothing
    }
    if (std::optional<Account> saved =
            Latchmail::recordEarnedLatches(m_profile, m_account, Service::MessageSubmission,
                                           m_session->earnedLatches(), observation)) {
        m_account = std::move(*saved);
    }
}

void SubmissionService::recordLatchFailure(const LatchFailure& failure)
{
    if (std::optional<Account> saved = Latchmail::recordLatchFailure(
            m_profile, m_account, Service::MessageSubmission, failure)) {
        m_account = std::move(*saved);
    }
}

void SubmissionService::submitNext()
{
    if (m_toSend.isEmpty()) {
        m_session->quit();
        return;
    }
    OutboxEntry entry = m_toSend.takeFirst();
    // Recorded before the first byte of the transaction (see Outbox on crash safety).
    entry.state = OutboxState::Sending;
    entry.attempts += 1;
    saveEntry(entry);
    m_current = entry;
    m_session->submit(transactionFor(entry));
}

void SubmissionService::handleTransactionFinished(const TransactionResult& result)
{
    if (!m_current) {
        return;
    }
    OutboxEntry entry = *std::exchange(m_current, std::nullopt);
    if (result.outcome == TransactionResult::Outcome::Accepted) {
        applyAccepted(&entry, result);
    } else {
        applyRefused(&entry, result);
    }
    submitNext();
}

void SubmissionService::handleSessionFailed(const SubmissionError& error)
{
    if (error.kind == SubmissionError::Kind::LatchFailure && error.latchFailure) {
        recordLatchFailure(*error.latchFailure);
    }
    // `auto`: implicit TLS unreachable or broken → STARTTLS. Never after a security refusal.
    const bool retryable = error.kind == SubmissionError::Kind::Network ||
                           error.kind == SubmissionError::Kind::Timeout ||
                           error.kind == SubmissionError::Kind::Tls;
    if (retryable && !m_authenticated && !m_attempts.isEmpty()) {
        qCInfo(lcSubmission).noquote()
            << "implicit TLS failed (" << error.message << "); trying STARTTLS";
        startAttempt();
        return;
    }
    m_report.error = error;
    applySessionFailure(error);
    dropSession();
    startCopies();
}

void SubmissionService::handleSessionClosed()
{
    dropSession();
    startCopies();
}

} // namespace Latchmail
