// SPDX-License-Identifier: GPL-3.0-or-later
// ImapService: connection attempts per TLS mode, authentication with a password asked for only
// after TLS, and the latch bookkeeping in the account file. Operations live in
// imapservice_operations.cpp.
#include "imap/imapservice.h"

#include "core/accountstore.h"
#include "core/latchrecording.h"
#include "core/logging.h"
#include "imap/cache/messagecache.h"

#include <QDir>
#include <QFileInfo>

namespace Latchmail::Imap {

ReconnectBackoff::ReconnectBackoff(int initialMs, int maximumMs)
    : m_initialMs(initialMs)
    , m_maximumMs(maximumMs)
    , m_nextMs(initialMs)
{
}

int ReconnectBackoff::nextDelayMs()
{
    const int delay = m_nextMs;
    m_nextMs = qMin(m_maximumMs, m_nextMs * 2);
    return delay;
}

ImapService::ImapService(Account account, Profile profile, PasswordProvider password,
                         QObject* parent)
    : QObject(parent)
    , m_account(std::move(account))
    , m_profile(std::move(profile))
    , m_password(std::move(password))
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &ImapService::runGoal);
}

ImapService::~ImapService()
{
    dropSession();
}

bool ImapService::openCache(QString* error)
{
    if (m_cache) {
        return true;
    }
    auto cache = std::make_unique<MessageCache>();
    if (!cache->open(m_profile.cacheFile(m_account.id))) {
        *error = cache->lastError();
        return false;
    }
    m_cache = std::move(cache);
    return true;
}

SessionOptions ImapService::sessionOptions(bool implicitTls) const
{
    const ServiceSettings& settings = m_account.imap;
    SessionOptions options;
    options.implicitTls = implicitTls;
    options.channel.service = Service::MessageAccess;
    options.channel.host = settings.host;
    options.channel.port = settings.port != 0
                               ? settings.port
                               : defaultPort(Service::MessageAccess,
                                             implicitTls ? TlsMode::Implicit : TlsMode::StartTls);
    options.channel.required = m_account.latchRecord(Service::MessageAccess).latchSet();
    options.channel.extraCaFile = settings.extraCaFile;
    options.channel.allowCleartext = settings.allowCleartext;
    options.channel.connectionLogFile = m_profile.connectionLogFile();
    return options;
}

void ImapService::connectToServer()
{
    m_goal = Goal::Connect;
    runGoal();
}

void ImapService::runGoal()
{
    m_stopped = false;
    switch (m_account.imap.tlsMode) {
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

void ImapService::startAttempt()
{
    dropSession();
    // The connection log lives in the profile's data directory, which may not exist yet.
    QDir().mkpath(QFileInfo(m_profile.connectionLogFile()).absolutePath());
    const bool implicitTls = m_attempts.takeFirst();
    m_session = std::make_unique<Session>(sessionOptions(implicitTls));
    connect(m_session.get(), &Session::readyForAuthentication, this,
            &ImapService::handleReadyForAuthentication);
    connect(m_session.get(), &Session::authenticated, this, &ImapService::handleAuthenticated);
    connect(m_session.get(), &Session::failed, this, &ImapService::handleSessionFailed);
    connect(m_session.get(), &Session::closed, this, &ImapService::handleSessionClosed);
    connect(m_session.get(), &Session::alertReceived, this, &ImapService::alertReceived);
    m_session->open();
}

void ImapService::dropSession()
{
    if (!m_session) {
        return;
    }
    m_session->disconnect(this);
    Session* session = m_session.release();
    if (session->state() != Session::State::Disconnected) {
        session->abort();
    }
    session->deleteLater();
}

void ImapService::handleReadyForAuthentication()
{
    QString error;
    std::optional<QString> password = m_password ? m_password(&error) : std::nullopt;
    if (!password) {
        dropSession();
        finishWithError(SessionError{
            SessionError::Kind::Cancelled,
            error.isEmpty() ? QStringLiteral("no password is available") : error, std::nullopt});
        return;
    }
    m_session->authenticate(m_account.imap.userName, *password);
    password->fill(QChar(u'\0'));
}

void ImapService::handleAuthenticated()
{
    m_attempts.clear();
    if (!m_session->preAuthenticated()) {
        recordEarnedLatches();
    }
    Q_EMIT connected();
    runOperations();
}

void ImapService::recordEarnedLatches()
{
    if (std::optional<Account> saved =
            Latchmail::recordEarnedLatches(m_profile, m_account, Service::MessageAccess,
                                           m_session->earnedLatches(), m_session->observation())) {
        m_account = std::move(*saved);
    }
}

void ImapService::recordLatchFailure(const LatchFailure& failure)
{
    if (std::optional<Account> saved =
            Latchmail::recordLatchFailure(m_profile, m_account, Service::MessageAccess, failure)) {
        m_account = std::move(*saved);
    }
}

void ImapService::handleSessionFailed(const SessionError& error)
{
    if (error.kind == SessionError::Kind::LatchFailure && error.latchFailure) {
        recordLatchFailure(*error.latchFailure);
    }
    // `auto`: implicit TLS unreachable or broken → STARTTLS. Never after a security refusal.
    const bool retryable = error.kind == SessionError::Kind::Network ||
                           error.kind == SessionError::Kind::Timeout ||
                           error.kind == SessionError::Kind::Tls;
    if (retryable && !m_attempts.isEmpty()) {
        qCInfo(lcImap).noquote() << "implicit TLS failed (" << error.message
                                 << "); trying STARTTLS";
        startAttempt();
        return;
    }
    dropSession();
    if (m_goal == Goal::Watch && !m_stopped && !error.isSecurityRefusal() &&
        error.kind != SessionError::Kind::AuthenticationFailed &&
        error.kind != SessionError::Kind::Cancelled) {
        scheduleReconnect();
        return;
    }
    finishWithError(error);
}

void ImapService::handleSessionClosed()
{
    dropSession();
    if (m_pendingError) {
        finishWithError(*std::exchange(m_pendingError, std::nullopt));
        return;
    }
    switch (m_goal) {
    case Goal::Sync:
        Q_EMIT synchronized(m_report.value_or(SyncReport()));
        break;
    case Goal::FetchParts:
        Q_EMIT partsFetched();
        break;
    case Goal::Connect:
    case Goal::Watch:
        break;
    }
}

void ImapService::finishWithError(const SessionError& error)
{
    m_attempts.clear();
    Q_EMIT failed(error);
}

} // namespace Latchmail::Imap
