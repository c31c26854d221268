// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A second IMAP client for integration tests: an authenticated Session that runs tasks one
// after another (to change a mailbox behind the back of the client under test).

#include "imap/session.h"
#include "imap/tasks/imaptask.h"
#include "tests/support/mailstack.h"

#include <QTest>

namespace Latchmail::Test {

class TestSession
{
public:
    TestSession(const MailStack& stack, const MailUser& user)
        : m_session(optionsFor(stack))
        , m_user(user)
    {
        QObject::connect(&m_session, &Imap::Session::readyForAuthentication, &m_session,
                         [this] { m_session.authenticate(m_user.name, m_user.password); });
        QObject::connect(&m_session, &Imap::Session::authenticated, &m_session,
                         [this] { m_authenticated = true; });
        QObject::connect(&m_session, &Imap::Session::failed, &m_session,
                         [this](const Imap::SessionError& error) { m_error = error.message; });
    }

    /// Connects with STARTTLS and logs in; false (see error()) when that failed.
    [[nodiscard]] bool open()
    {
        m_session.open();
        return QTest::qWaitFor([this] { return m_authenticated || !m_error.isEmpty(); }, 30000) &&
               m_authenticated;
    }

    /// Runs `task` (owned by the session from now on) and waits for it.
    [[nodiscard]] bool run(Imap::ImapTask* task)
    {
        bool finished = false;
        QObject::connect(task, &Imap::ImapTask::finished, &m_session,
                         [this, &finished](Imap::ImapTask* done) {
                             finished = true;
                             if (!done->succeeded()) {
                                 m_error = done->errorMessage();
                             }
                         });
        m_session.enqueue(task);
        return QTest::qWaitFor([&finished] { return finished; }, 60000) && m_error.isEmpty();
    }

    [[nodiscard]] QString error() const { return m_error; }
    [[nodiscard]] Imap::Session& session() { return m_session; }

private:
    static Imap::SessionOptions optionsFor(const MailStack& stack)
    {
        Imap::SessionOptions options;
        options.channel.host = QStringLiteral("127.0.0.1");
        options.channel.port = stack.ports().imapPlain;
        options.channel.extraCaFile = stack.caFile();
        options.implicitTls = false;
        return options;
    }

    Imap::Session m_session;
    MailUser m_user;
    bool m_authenticated = false;
    QString m_error;
};

} // namespace Latchmail::Test
