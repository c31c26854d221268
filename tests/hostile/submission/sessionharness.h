// SPDX-License-Identifier: GPL-3.0-or-later
// Runs an SmtpSession against a scripted server and collects what happened.
#pragma once

#include "smtpscriptedserver.h"
#include "submission/session.h"
#include "tests/support/testcertificates.h"

#include <QFile>
#include <QObject>

#include <optional>

namespace Latchmail::Test {

/// Everything a session reported.
struct SessionOutcome
{
    bool readyForAuthentication = false;
    bool authenticated = false;
    bool closed = false;
    std::optional<SubmissionError> error;
    QList<TransactionResult> results;

    [[nodiscard]] bool finished() const { return closed || error.has_value(); }
    [[nodiscard]] QString errorText() const { return error ? error->message : QString(); }
};

/// Scripted EHLO replies.
inline QByteArray ehloReply(const QByteArrayList& keywords)
{
    QByteArray reply;
    QByteArrayList lines = QByteArrayList{"scripted.test"} + keywords;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        reply += "250" + QByteArray(i + 1 < lines.size() ? "-" : " ") + lines.at(i) + "\r\n";
    }
    return reply;
}

/// The secure start every well-behaved script begins with: EHLO, STARTTLS, EHLO over TLS with
/// `postTlsKeywords`, AUTH PLAIN accepted.
inline QList<SmtpStep> secureStart(const QByteArrayList& postTlsKeywords)
{
    return {
        {"EHLO", ehloReply({"STARTTLS", "PIPELINING"}), SmtpStep::Then::Continue},
        {"STARTTLS", "220 2.0.0 Ready to start TLS\r\n", SmtpStep::Then::StartTls},
        {"EHLO", ehloReply(postTlsKeywords), SmtpStep::Then::Continue},
        {"AUTH PLAIN", "235 2.7.0 Authentication successful\r\n", SmtpStep::Then::Continue},
    };
}

inline SmtpSessionOptions sessionOptions(const SmtpScriptedServer& server, bool implicitTls,
                                         const LatchSet& required = {}, bool allowCleartext = false)
{
    SmtpSessionOptions options;
    options.channel.service = Service::MessageSubmission;
    options.channel.host = QStringLiteral("127.0.0.1");
    options.channel.port = server.serverPort();
    options.channel.required = required;
    options.channel.extraCaFile = TestCertificates::shared().caFile();
    options.channel.allowCleartext = allowCleartext;
    options.channel.timeoutMs = 10000;
    options.implicitTls = implicitTls;
    return options;
}

/// Opens the session, authenticates, submits each transaction in turn, then quits.
inline void drive(SmtpSession* session, SessionOutcome* outcome, const QString& user,
                  const QString& password, const QList<MailTransaction>& transactions = {})
{
    QObject::connect(session, &SmtpSession::readyForAuthentication, session, [=] {
        outcome->readyForAuthentication = true;
        session->authenticate(user, password);
    });
    const auto next = [=] {
        const qsizetype done = outcome->results.size();
        if (done < transactions.size()) {
            session->submit(transactions.at(done));
        } else {
            session->quit();
        }
    };
    QObject::connect(session, &SmtpSession::authenticated, session, [=] {
        outcome->authenticated = true;
        next();
    });
    QObject::connect(session, &SmtpSession::transactionFinished, session,
                     [=](const TransactionResult& result) {
                         outcome->results.append(result);
                         next();
                     });
    QObject::connect(session, &SmtpSession::failed, session,
                     [=](const SubmissionError& error) { outcome->error = error; });
    QObject::connect(session, &SmtpSession::closed, session, [=] { outcome->closed = true; });
    session->open();
}

inline bool writeMessageFile(const QString& path, const QByteArray& content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(content) == content.size();
}

} // namespace Latchmail::Test
