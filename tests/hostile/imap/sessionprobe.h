// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Runs an IMAP Session against a FakeImapServer and records what the client did.

#include "fakeimapserver.h"
#include "imap/session.h"

#include <QObject>
#include <QStringList>

namespace Latchmail::Test {

inline Imap::SessionOptions sessionOptionsFor(const FakeImapServer& server, bool implicitTls)
{
    Imap::SessionOptions options;
    options.channel.host = QStringLiteral("127.0.0.1");
    options.channel.port = server.port();
    options.channel.extraCaFile = FakeImapServer::caFile();
    options.channel.timeoutMs = 10000;
    options.implicitTls = implicitTls;
    options.responseTimeoutMs = 10000;
    return options;
}

/// Opens a session, authenticates as soon as it may, and records the outcome.
class SessionProbe : public QObject
{
    Q_OBJECT

public:
    SessionProbe(const Imap::SessionOptions& options, QString userName, QString password)
        : session(options)
        , m_userName(std::move(userName))
        , m_password(std::move(password))
    {
        connect(&session, &Imap::Session::readyForAuthentication, this, [this] {
            ready = true;
            session.authenticate(m_userName, m_password);
        });
        connect(&session, &Imap::Session::authenticated, this, [this] { authenticated = true; });
        connect(&session, &Imap::Session::failed, this, [this](const Imap::SessionError& e) {
            failed = true;
            error = e;
        });
        connect(&session, &Imap::Session::alertReceived, this,
                [this](const QString& text) { alerts.append(text); });
        connect(&session, &Imap::Session::mailboxChanged, this, [this] { ++mailboxChanges; });
        connect(&session, &Imap::Session::closed, this, [this] { closed = true; });
    }

    [[nodiscard]] bool done() const { return authenticated || failed || closed; }

    Imap::Session session;
    bool ready = false;
    bool authenticated = false;
    bool failed = false;
    bool closed = false;
    int mailboxChanges = 0;
    Imap::SessionError error;
    QStringList alerts;

private:
    QString m_userName;
    QString m_password;
};

/// Words that must never reach a server before TLS.
inline QList<QByteArray> forbiddenBeforeTls()
{
    return {"LOGIN", "AUTHENTICATE", "SELECT", "EXAMINE", "APPEND", "FETCH", "secret"};
}

} // namespace Latchmail::Test
