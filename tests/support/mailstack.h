// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "testcertificates.h"

#include <QByteArrayList>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

class QProcess;
class QTemporaryDir;

namespace Latchmail::Test {

/// A mailbox user of a MailStack: logs in as `name` (IMAP LOGIN, SASL PLAIN); receives mail
/// as name@example.test and name@localhost.
struct MailUser
{
    QString name;
    QString password;

    QString address() const { return name + QStringLiteral("@example.test"); }
};

/// A private mail stack on 127.0.0.1, started by tests/support/mailstack/mailstack.sh and
/// stopped (every process reaped) by stop() or the destructor, also when the test fails:
/// - Dovecot: IMAP with STARTTLS on ports().imapPlain, implicit TLS on ports().imapTls;
/// - with Options::postfix, Postfix: message submission with STARTTLS on ports().submission
///   (AUTH only after TLS, SASL through Dovecot, DSN, Received headers with the TLS details)
///   and implicit TLS on ports().submissionTls; it delivers to the users' Dovecot mailboxes,
///   bounces mail for bounceRecipient() (failure report) and defers mail for deferRecipient()
///   (delay report within seconds).
/// Ports are picked at run time; certificates come from TestCertificates::shared(); all files
/// live in a temporary directory under testRunRoot(), kept after a failed test for diagnosis.
/// Needs root. Tests using it declare `FIXTURES mailstack` in latchmail_add_test(): CTest then
/// runs the reaper (tests/integration/mailstack/CMakeLists.txt) after them.
class MailStack
{
public:
    struct Options
    {
        bool postfix = false;
        bool tls12Only = false; ///< the servers offer at most TLS 1.2
        QString cipherList;     ///< OpenSSL cipher list for TLS 1.2 and below
        bool ssl = true;        ///< false: no STARTTLS and no implicit-TLS listeners at all
        bool dsn = true;        ///< false: Postfix's submission services do not announce DSN
        /// The mailbox Dovecot marks \Sent (RFC 6154). Any other name than "Sent" leaves a
        /// mailbox "Sent" without the attribute beside it. Letters, digits, spaces, _ and -.
        QString sentMailbox = QStringLiteral("Sent");
        CertVariant cert = CertVariant::CaSigned;
        /// "name" (random password) or "name:password".
        QStringList users{QStringLiteral("alice"), QStringLiteral("bob")};
    };

    /// 0 means the listener does not exist (no Postfix, or ssl = false).
    struct Ports
    {
        quint16 imapPlain = 0;
        quint16 imapTls = 0;
        quint16 submission = 0;
        quint16 submissionTls = 0;
    };

    MailStack();
    explicit MailStack(Options options);
    ~MailStack();
    MailStack(const MailStack&) = delete;
    MailStack& operator=(const MailStack&) = delete;

    /// Starts the servers and waits until each greets. On failure errorString() holds the
    /// servers' log tails.
    [[nodiscard]] bool start();
    /// Stops every server and waits until all of its processes are gone.
    void stop();
    bool isRunning() const;
    QString errorString() const { return m_error; }

    Ports ports() const { return m_ports; }
    QString caFile() const;
    QList<QSslCertificate> caCertificates() const;
    QList<MailUser> users() const { return m_users; }
    /// The user called `name`; an empty MailUser when there is none.
    MailUser user(const QString& name) const;
    QString bounceRecipient() const { return QStringLiteral("bounce@example.test"); }
    QString deferRecipient() const { return QStringLiteral("defer@example.test"); }

    /// The stack's directory (configuration, logs, mail).
    QString directory() const;
    /// The Maildir++ directory of a user's mailbox ("INBOX" or a folder name such as "Archive").
    QString maildir(const QString& user, const QString& mailbox = QStringLiteral("INBOX")) const;
    /// Dovecot's and Postfix's logs so far, for failure messages.
    QString logs() const;

    /// Writes messages straight into a mailbox's cur/ directory (owned by the mail uid 5000),
    /// bypassing SMTP: the fast way to fill a mailbox with thousands of messages. Dovecot
    /// assigns UIDs in the order given. `flags` are Maildir info flags, e.g. "S" for \Seen.
    bool addMessages(const QString& user, const QByteArrayList& messages,
                     const QString& mailbox = QStringLiteral("INBOX"), const QString& flags = {});
    /// The same for `count` messages produced by `generate(index)`, index 0 first.
    bool addMessages(const QString& user, int count,
                     const std::function<QByteArray(int index)>& generate,
                     const QString& mailbox = QStringLiteral("INBOX"), const QString& flags = {});
    /// A plausible RFC 5322 message numbered `index` ("Subject: Test message <index>"), padded
    /// to about `size` bytes.
    static QByteArray generateMessage(int index, int size = 4096);

    /// The contents of every message in a mailbox's new/ and cur/, oldest file name first.
    QByteArrayList messages(const QString& user,
                            const QString& mailbox = QStringLiteral("INBOX")) const;

private:
    bool prepareDirectory();
    QStringList scriptArguments() const;
    bool waitUntilReady();
    bool readStackEnvironment();

    Options m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_supervisor;
    QList<MailUser> m_users;
    Ports m_ports;
    QString m_error;
    int m_nextMessage = 0;
};

} // namespace Latchmail::Test
