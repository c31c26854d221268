// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/listmailboxestask.h"

#include "core/logging.h"
#include "imap/authmessages.h"
#include "imap/cache/messagecache.h"
#include "imap/command.h"
#include "imap/session.h"

namespace Latchmail::Imap {

namespace {

// The RFC 6154 attributes a mail client needs, in the order one is chosen when a server
// (wrongly) marks a mailbox with several.
const QList<QByteArray>& specialUses()
{
    static const QList<QByteArray> uses = {"\\SENT",    "\\DRAFTS", "\\TRASH",  "\\JUNK",
                                           "\\ARCHIVE", "\\ALL",    "\\FLAGGED"};
    return uses;
}

QString canonicalSpecialUse(const QByteArray& upper)
{
    QString use = QString::fromLatin1(upper.toLower());
    use[1] = use.at(1).toUpper();
    return use; // "\\Sent"
}

} // namespace

QString specialUseOf(const QList<QByteArray>& flags)
{
    for (const QByteArray& use : specialUses()) {
        for (const QByteArray& flag : flags) {
            if (flag.toUpper() == use) {
                return canonicalSpecialUse(use);
            }
        }
    }
    return {};
}

ListMailboxesTask::ListMailboxesTask(MessageCache* cache, QObject* parent)
    : ImapTask(parent)
    , m_cache(cache)
{
}

QString ListMailboxesTask::mailboxWithSpecialUse(const QString& use) const
{
    for (const CachedMailbox& mailbox : m_mailboxes) {
        if (mailbox.specialUse.compare(use, Qt::CaseInsensitive) == 0) {
            return mailbox.name;
        }
    }
    return {};
}

void ListMailboxesTask::run()
{
    // RFC 9051 6.3.9: IMAP4rev2 includes the LIST return options of RFC 5258 and RFC 6154.
    const Capabilities& capabilities = session()->capabilities();
    const bool specialUse =
        session()->imap4rev2Enabled() || (capabilities.specialUse() && capabilities.listExtended());
    send(
        Commands::list(session()->nextTag(), "", "*", specialUse, {}, session()->commandOptions()));
}

void ListMailboxesTask::handleList(const ListData& response)
{
    if (response.isLsub) {
        return;
    }
    if (!response.nameValid) {
        // Limitation: a mailbox whose name is not valid modified UTF-7 is left out — it could
        // not be named again in a command without guessing its bytes.
        qCInfo(lcImap) << "skipped a mailbox with an invalid name encoding";
        return;
    }
    // RFC 9051 7.3.1: \NonExistent names a mailbox that does not exist (it only has children
    // or a subscription); it cannot be selected or cached.
    for (const QByteArray& flag : response.flags) {
        if (flag.compare("\\NonExistent", Qt::CaseInsensitive) == 0) {
            return;
        }
    }
    CachedMailbox mailbox;
    mailbox.name = response.name;
    mailbox.delimiter = response.delimiter ? QString(QLatin1Char(*response.delimiter)) : QString();
    for (const QByteArray& flag : response.flags) {
        mailbox.attributes.append(QString::fromLatin1(flag));
    }
    mailbox.specialUse = specialUseOf(response.flags);
    if (response.name.compare(QStringLiteral("INBOX"), Qt::CaseInsensitive) == 0) {
        mailbox.name = QStringLiteral("INBOX"); // RFC 9051 5.1: INBOX is case-insensitive
    }
    m_mailboxes.append(mailbox);
}

void ListMailboxesTask::handleTagged(const TaggedResponse& response)
{
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(QStringLiteral("Listing the mailboxes"), response));
        return;
    }
    if (m_cache && !m_cache->replaceMailboxList(m_mailboxes)) {
        finishWithError(m_cache->lastError());
        return;
    }
    finishOk();
}

} // namespace Latchmail::Imap
