// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/statustask.h"

#include "imap/authmessages.h"
#include "imap/command.h"
#include "imap/mailboxname.h"
#include "imap/session.h"

namespace Latchmail::Imap {

StatusTask::StatusTask(QString mailbox, QObject* parent)
    : ImapTask(parent)
    , m_mailbox(std::move(mailbox))
{
}

void StatusTask::run()
{
    m_wireName = mailboxNameToWire(m_mailbox, false);
    QList<QByteArray> items = {"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN"};
    if (session()->capabilities().condStore()) {
        items.append("HIGHESTMODSEQ");
    }
    send(Commands::status(session()->nextTag(), m_wireName, items, session()->commandOptions()));
}

void StatusTask::handleStatus(const StatusData& response)
{
    // Only the mailbox asked about; STATUS data for others is not ours to apply.
    if (response.rawName == m_wireName ||
        (m_mailbox == QStringLiteral("INBOX") && response.rawName.toUpper() == "INBOX")) {
        m_status = response;
    }
}

void StatusTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(
            QStringLiteral("Reading the status of \u201c%1\u201d").arg(m_mailbox), response));
        return;
    }
    finishOk();
}

} // namespace Latchmail::Imap
