// SPDX-License-Identifier: GPL-3.0-or-later
// The copy of each sent message in the Sent mailbox, made exactly once (see sentcopy.h).
// Mailbox names and search results come from the IMAP server (untrusted input) through the
// IMAP engine's parsed responses.
#include "submission/sentcopy.h"

#include "core/logging.h"
#include "imap/authmessages.h"
#include "imap/command.h"
#include "imap/mailboxname.h"
#include "imap/session.h"
#include "imap/tasks/appendtask.h"
#include "imap/tasks/listmailboxestask.h"
#include "imap/tasks/searchuidstask.h"
#include "imap/tasks/selecttask.h"
#include "submission/outbox.h"

#include <QFile>
#include <QRegularExpression>

namespace Latchmail {

namespace {

const QString kSentName = QStringLiteral("Sent");

/// CREATE (RFC 9051 6.3.4), with USE (\Sent) where the server offers CREATE-SPECIAL-USE
/// (RFC 6154 3).
class CreateSentMailboxTask : public Imap::ImapTask
{
public:
    explicit CreateSentMailboxTask(QString name)
        : m_name(std::move(name))
    {
    }

protected:
    void run() override
    {
        Imap::CommandBuilder builder(session()->nextTag(), "CREATE", session()->commandOptions());
        builder.astring(Imap::mailboxNameToWire(m_name, false));
        if (session()->capabilities().has("CREATE-SPECIAL-USE")) {
            builder.token("(USE (\\Sent))");
        }
        send(builder.build());
    }

    void handleTagged(const Imap::TaggedResponse& response) override
    {
        if (response.status != Imap::Status::Ok) {
            finishWithError(Imap::commandFailureMessage(
                QStringLiteral("Creating the mailbox \u201c%1\u201d").arg(m_name), response));
            return;
        }
        finishOk();
    }

private:
    QString m_name;
};

// The mailbox to keep sent messages in: \Sent, else a mailbox called "Sent" at any level.
QString chooseSentMailbox(const Imap::ListMailboxesTask& listing)
{
    const QString specialUse = listing.mailboxWithSpecialUse(QStringLiteral("\\Sent"));
    if (!specialUse.isEmpty()) {
        return specialUse;
    }
    for (const CachedMailbox& mailbox : listing.mailboxes()) {
        const QString leaf = mailbox.delimiter.isEmpty()
                                 ? mailbox.name
                                 : mailbox.name.section(mailbox.delimiter, -1);
        if (leaf.compare(kSentName, Qt::CaseInsensitive) == 0 &&
            !mailbox.attributes.contains(QStringLiteral("\\Noselect"), Qt::CaseInsensitive)) {
            return mailbox.name;
        }
    }
    return {};
}

} // namespace

QByteArray messageIdSearchCriterion(const QString& messageId)
{
    // RFC 5322 msg-id characters that are safe inside an IMAP quoted string.
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]+$"));
    if (messageId.size() > 900 || !safe.match(messageId).hasMatch()) {
        return {};
    }
    return "HEADER Message-ID \"<" + messageId.toLatin1() + ">\"";
}

SentCopy::SentCopy(Imap::Session* session, Outbox* outbox, QList<OutboxEntry> entries,
                   QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_outbox(outbox)
    , m_entries(std::move(entries))
{
}

void SentCopy::start()
{
    if (m_entries.isEmpty()) {
        Q_EMIT finished();
        return;
    }
    run(new Imap::ListMailboxesTask(), &SentCopy::handleListed);
}

void SentCopy::run(Imap::ImapTask* task, void (SentCopy::*handler)(Imap::ImapTask*))
{
    if (!m_session) {
        delete task;
        stop(QStringLiteral("the connection to the IMAP server was lost"));
        return;
    }
    connect(task, &Imap::ImapTask::finished, this,
            [this, handler](Imap::ImapTask* done) { (this->*handler)(done); });
    m_session->enqueue(task);
}

void SentCopy::handleListed(Imap::ImapTask* task)
{
    if (!task->succeeded()) {
        stop(task->errorMessage());
        return;
    }
    m_mailbox = chooseSentMailbox(*static_cast<Imap::ListMailboxesTask*>(task));
    if (!m_mailbox.isEmpty()) {
        nextEntry();
        return;
    }
    m_mailbox = kSentName;
    run(new CreateSentMailboxTask(m_mailbox), &SentCopy::handleCreated);
}

void SentCopy::handleCreated(Imap::ImapTask* task)
{
    if (!task->succeeded()) {
        stop(task->errorMessage());
        return;
    }
    nextEntry();
}

void SentCopy::nextEntry()
{
    if (!m_error.isEmpty()) {
        return; // stopped (and finished() emitted) while recording the previous entry
    }
    ++m_current;
    if (m_current >= m_entries.size()) {
        Q_EMIT finished();
        return;
    }
    const OutboxEntry& entry = m_entries.at(m_current);
    if (!entry.sentCopy.started) {
        append();
        return;
    }

    // Interrupted after `started` was recorded: the copy may exist already.
    if (messageIdSearchCriterion(entry.messageId).isEmpty()) {
        markDone(0, 0,
                 QStringLiteral("An earlier copy to %1 was interrupted and cannot be checked; "
                                "to avoid a duplicate no second copy was made, so the copy may "
                                "be missing.")
                     .arg(m_mailbox));
        nextEntry();
        return;
    }
    if (m_selected) {
        run(new Imap::SearchUidsTask(messageIdSearchCriterion(entry.messageId)),
            &SentCopy::handleSearched);
        return;
    }
    run(new Imap::SelectTask(m_mailbox, Imap::SelectOptions(), true), &SentCopy::handleSelected);
}

void SentCopy::handleSelected(Imap::ImapTask* task)
{
    if (!task->succeeded()) {
        stop(task->errorMessage());
        return;
    }
    m_selected = true;
    run(new Imap::SearchUidsTask(messageIdSearchCriterion(m_entries.at(m_current).messageId)),
        &SentCopy::handleSearched);
}

void SentCopy::handleSearched(Imap::ImapTask* task)
{
    if (!task->succeeded()) {
        stop(task->errorMessage());
        return;
    }
    const QList<quint32>& uids = static_cast<Imap::SearchUidsTask*>(task)->uids();
    if (uids.isEmpty()) {
        append();
        return;
    }
    qCInfo(lcSubmission).noquote() << "the copy of" << m_entries.at(m_current).id << "is already"
                                   << "in" << m_mailbox << "(UID" << uids.last() << ")";
    markDone(0, uids.last());
    nextEntry();
}

void SentCopy::append()
{
    OutboxEntry& entry = m_entries[m_current];
    QFile file(m_outbox->messageFilePath(entry.id));
    if (!file.open(QIODevice::ReadOnly)) {
        stop(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        return;
    }
    QByteArray content = file.readAll();

    // Recorded before APPEND goes out: from here on a crash may leave a copy behind.
    entry.sentCopy.started = true;
    entry.sentCopy.mailbox = m_mailbox;
    if (!saveCurrent()) {
        return;
    }
    const QDateTime date =
        entry.acceptedAt.isValid() ? entry.acceptedAt : QDateTime::currentDateTimeUtc();
    run(new Imap::AppendTask(m_mailbox, std::move(content), {QByteArrayLiteral("\\Seen")}, date),
        &SentCopy::handleAppended);
}

void SentCopy::handleAppended(Imap::ImapTask* task)
{
    if (!task->succeeded()) {
        stop(task->errorMessage());
        return;
    }
    const auto* append = static_cast<Imap::AppendTask*>(task);
    markDone(append->uidValidity().value_or(0), append->uid().value_or(0));
    nextEntry();
}

void SentCopy::markDone(quint32 uidValidity, quint32 uid, const QString& note)
{
    OutboxEntry& entry = m_entries[m_current];
    entry.sentCopy.done = true;
    entry.sentCopy.mailbox = m_mailbox;
    entry.sentCopy.uidValidity = uidValidity;
    entry.sentCopy.uid = uid;
    entry.sentCopy.note = note;
    saveCurrent();
}

bool SentCopy::saveCurrent()
{
    QString error;
    if (!m_outbox->save(m_entries.at(m_current), &error)) {
        stop(error);
        return false;
    }
    return true;
}

void SentCopy::stop(const QString& error)
{
    if (!m_error.isEmpty()) {
        return;
    }
    m_error = error;
    qCWarning(lcSubmission).noquote() << "copying sent messages stopped:" << error;
    Q_EMIT finished();
}

} // namespace Latchmail
