// SPDX-License-Identifier: GPL-3.0-or-later
// SMTP authentication (RFC 4954) with PLAIN (RFC 4616) or LOGIN, chosen from the EHLO reply
// received over TLS. Credentials are written only through the channel's credential gate.
#include "core/logging.h"
#include "submission/session.h"
#include "submission/smtpcommand.h"

namespace Latchmail {

namespace {

const QString kPlain = QStringLiteral("PLAIN");
const QString kLogin = QStringLiteral("LOGIN");

// LOGIN asks for the user name, then the password.
constexpr int kLoginUserStep = 1;
constexpr int kLoginPasswordStep = 2;

} // namespace

void SmtpSession::authenticate(const QString& userName, const QString& password)
{
    if (m_state != State::EhloAfterTls || m_failed) {
        qCWarning(lcSubmission) << "authenticate() called in state" << m_state;
        return;
    }
    if (!m_channel->mayAuthenticate()) {
        fail(SubmissionError::Kind::SecurityRefusal,
             QStringLiteral("refused to send the password to %1: the connection is not secured")
                 .arg(host()));
        return;
    }

    // Only the post-TLS EHLO counts (RFC 3207 4.2): m_capabilities never holds pre-TLS data.
    if (m_capabilities.hasAuthMechanism(kPlain)) {
        m_mechanism = kPlain;
    } else if (m_capabilities.hasAuthMechanism(kLogin)) {
        m_mechanism = kLogin;
    } else {
        fail(SubmissionError::Kind::AuthenticationUnavailable,
             m_capabilities.authMechanisms.isEmpty()
                 ? QStringLiteral("the server %1 does not offer authentication").arg(host())
                 : QStringLiteral("the server %1 offers no way to log in that Latchmail "
                                  "supports (it offers %2; Latchmail uses PLAIN or LOGIN)")
                       .arg(host(), m_capabilities.authMechanisms.join(QLatin1String(", "))));
        return;
    }

    setState(State::Authenticating);
    m_userName = userName;
    m_password = password;
    if (m_mechanism == kPlain) {
        const SmtpCommandLine line = SmtpCommand::authPlain(userName, password);
        if (!line.isValid()) {
            fail(SubmissionError::Kind::AuthenticationFailed, line.error);
            return;
        }
        sendSensitive(line.bytes);
        return;
    }
    m_loginStep = 0;
    sendSensitive(SmtpCommand::authLogin());
}

void SmtpSession::handleAuthReply(const SmtpReply& reply)
{
    if (reply.code == 235) {
        m_password.fill(QChar(0));
        m_password.clear();
        setState(State::Ready);
        Q_EMIT authenticated();
        return;
    }
    if (reply.code == 334 && m_mechanism == kLogin && m_loginStep < kLoginPasswordStep) {
        ++m_loginStep;
        answerLoginChallenge();
        return;
    }
    if (reply.code == 334) {
        // A challenge PLAIN (initial response already sent) or LOGIN (both answers sent) does
        // not have: cancel the exchange (RFC 4954 4) and give up.
        sendSensitive(SmtpCommand::authCancel());
        fail(SubmissionError::Kind::Protocol,
             QStringLiteral("protocol error: %1 asked for more authentication data than %2 "
                            "provides")
                 .arg(host(), m_mechanism));
        return;
    }
    failAuthentication(reply);
}

void SmtpSession::answerLoginChallenge()
{
    // Limitation: the LOGIN prompts are not checked for "Username:"/"Password:" — servers word
    // them differently, and the order of the two answers is fixed by the mechanism.
    const QString& value = m_loginStep == kLoginUserStep ? m_userName : m_password;
    sendSensitive(SmtpCommand::authResponse(value));
}

void SmtpSession::failAuthentication(const SmtpReply& reply)
{
    const StatusMessage message = describeReply(reply);
    // RFC 4954 6: 535 and 5.7.8 mean the credentials are wrong; 454 and other 4xx replies are
    // temporary; 534 asks for a stronger mechanism; 538 for encryption.
    const bool credentialsRejected =
        reply.code == 535 || reply.enhancedCode().toString() == QLatin1String("5.7.8");
    const SubmissionError::Kind kind = credentialsRejected || reply.isPermanentNegative()
                                           ? SubmissionError::Kind::AuthenticationFailed
                                           : SubmissionError::Kind::AuthenticationUnavailable;
    fail(kind, QStringLiteral("Logging in to %1 failed. ").arg(host()) + message.text());
}

} // namespace Latchmail
