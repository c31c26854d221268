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

/// True when `plaintext` holds none of forbiddenBeforeTls() nor the SASL PLAIN response of
/// alice/secret (case-insensitive); otherwise `offending` names the first word found.
inline bool cleanBeforeTls(const QByteArray& plaintext, QByteArray* offending)
{
    const QByteArray plainResponse = QByteArray("\0alice\0secret", 13).toBase64();
    for (const QByteArray& word : forbiddenBeforeTls() + QList<QByteArray>{plainResponse}) {
        if (plaintext.toUpper().contains(word.toUpper())) {
            *offending = word;
            return false;
        }
    }
    return true;
}

/// Texts hostile scripts put in server responses; none may reach what the user is shown.
inline QStringList hostileMarkers()
{
    return {QStringLiteral("555-0100"), QStringLiteral("evil"), QStringLiteral("Evil"),
            QStringLiteral("Injected"), QStringLiteral("Fake")};
}

/// The first hostile marker in `shown`, or an empty string.
inline QString hostileTextIn(const QString& shown)
{
    for (const QString& marker : hostileMarkers()) {
        if (shown.contains(marker)) {
            return marker;
        }
    }
    return {};
}

/// What leaked in an attack, or an empty string: (a) a forbidden word in the `plaintext` the
/// server received, (c) hostile server text in what the user is `shown`.
inline QString leakIn(const QByteArray& plaintext, const QString& shown)
{
    QByteArray offending;
    if (!cleanBeforeTls(plaintext, &offending)) {
        return QStringLiteral("sent before TLS: ") + QString::fromLatin1(offending);
    }
    const QString marker = hostileTextIn(shown);
    return marker.isEmpty() ? QString() : QStringLiteral("shown to the user: ") + shown;
}

/// leakIn() for a probe's session against `server`.
inline QString leakIn(const FakeImapServer& server, const SessionProbe& probe)
{
    return leakIn(server.allPlaintextReceived(),
                  probe.error.message + QLatin1Char(' ') + probe.alerts.join(QLatin1Char(' ')));
}

} // namespace Latchmail::Test
