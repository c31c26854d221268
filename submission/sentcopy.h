// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "submission/outboxentry.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

namespace Latchmail {

class Outbox;

namespace Imap {
class ImapTask;
class Session;
} // namespace Imap

/// Puts a copy of each accepted message into the Sent mailbox exactly once, on an authenticated
/// IMAP session.
///
/// The mailbox is the one LIST marks \Sent (RFC 6154); else one named "Sent" (any case, at any
/// level); else "Sent" is created. For each message the sidecar records `sentCopy.started`
/// before APPEND is sent and `sentCopy.done` (with RFC 4315 APPENDUID when given) after its OK.
/// A message found with `started` but not `done` was interrupted between the two writes: the
/// copy may exist. It is looked up by its Message-ID (UID SEARCH HEADER Message-ID, RFC 9051
/// 6.4.4) and appended only when absent — so no crash can produce a second copy. When the
/// lookup is impossible (a Message-ID that cannot be searched for), no second APPEND is made
/// and the sidecar says the copy may be missing: a missing copy is preferred to a duplicate.
class SentCopy : public QObject
{
    Q_OBJECT

public:
    /// `entries`: accepted messages whose copy is not done. The outbox must be locked.
    SentCopy(Imap::Session* session, Outbox* outbox, QList<OutboxEntry> entries,
             QObject* parent = nullptr);

    void start();

    /// The entries as they are now (copies recorded in their sidecars).
    [[nodiscard]] const QList<OutboxEntry>& entries() const { return m_entries; }
    /// Why the copies stopped early; empty when every entry was handled.
    [[nodiscard]] const QString& error() const { return m_error; }
    [[nodiscard]] const QString& mailbox() const { return m_mailbox; }

Q_SIGNALS:
    void finished();

private:
    void handleListed(Imap::ImapTask* task);
    void handleCreated(Imap::ImapTask* task);
    void handleSelected(Imap::ImapTask* task);
    void handleSearched(Imap::ImapTask* task);
    void handleAppended(Imap::ImapTask* task);
    void nextEntry();
    void append();
    void markDone(quint32 uidValidity, quint32 uid, const QString& note = {});
    bool saveCurrent();
    void stop(const QString& error);
    void run(Imap::ImapTask* task, void (SentCopy::*handler)(Imap::ImapTask*));

    QPointer<Imap::Session> m_session;
    Outbox* m_outbox;
    QList<OutboxEntry> m_entries;
    qsizetype m_current = -1;
    QString m_mailbox;
    QString m_error;
    bool m_selected = false;
};

/// The UID SEARCH criterion that finds a message by Message-ID, or empty when `messageId`
/// holds characters that cannot be searched for safely (a quoted string allows no '"' or '\').
[[nodiscard]] QByteArray messageIdSearchCriterion(const QString& messageId);

} // namespace Latchmail
