// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/appendtask.h"

#include "imap/authmessages.h"
#include "imap/command.h"
#include "imap/mailboxname.h"
#include "imap/session.h"

namespace Latchmail::Imap {

AppendTask::AppendTask(QString mailbox, QByteArray message, QList<QByteArray> flags,
                       std::optional<QDateTime> internalDate, QObject* parent)
    : ImapTask(parent)
    , m_mailbox(std::move(mailbox))
    , m_message(std::move(message))
    , m_flags(std::move(flags))
    , m_internalDate(std::move(internalDate))
{
}

void AppendTask::run()
{
    send(Commands::append(session()->nextTag(), mailboxNameToWire(m_mailbox, false), m_flags,
                          m_internalDate, m_message, session()->commandOptions()));
    m_message.clear();
}

void AppendTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(
            QStringLiteral("Storing the message in \u201c%1\u201d").arg(m_mailbox), response));
        return;
    }
    if (response.code && response.code->kind == ResponseCodeKind::AppendUid &&
        response.code->number <= 0xffffffffu) {
        const std::optional<QList<quint32>> uids = response.code->destinationUids.toList(1);
        if (uids && uids->size() == 1) {
            m_uidValidity = quint32(response.code->number);
            m_uid = uids->first();
        }
    }
    finishOk();
}

} // namespace Latchmail::Imap
