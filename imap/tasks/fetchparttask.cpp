// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/fetchparttask.h"

#include "imap/authmessages.h"
#include "imap/cache/messagecache.h"
#include "imap/command.h"
#include "imap/session.h"

namespace Latchmail::Imap {

FetchPartTask::FetchPartTask(MessageCache* cache, QString mailbox, quint32 uid, QString section,
                             QObject* parent)
    : ImapTask(parent)
    , m_cache(cache)
    , m_mailbox(std::move(mailbox))
    , m_uid(uid)
    , m_section(section.toUpper())
{
}

FetchPartTask::~FetchPartTask() = default;

void FetchPartTask::run()
{
    const QByteArray item = "BODY.PEEK[" + m_section.toLatin1() + ']';
    send(Commands::uidFetch(session()->nextTag(), SequenceSet(m_uid), {"UID", item}));
}

void FetchPartTask::handleLiteralChunk(const LiteralChunk& chunk)
{
    if (chunk.binary || chunk.section != m_section.toLatin1()) {
        return;
    }
    if (chunk.offset == 0) {
        m_writer = m_cache->beginPart(m_mailbox, m_uid, m_section);
        if (!m_writer) {
            m_writeError = m_cache->lastError();
        }
    }
    if (m_writer && !m_writer->append(chunk.data)) {
        m_writeError = m_writer->error();
        m_writer.reset();
    }
}

void FetchPartTask::handleFetch(const FetchData& response)
{
    for (const BodySectionData& section : response.bodySections) {
        if (section.binary || section.section != m_section.toLatin1() || section.origin) {
            continue;
        }
        if (response.uid != m_uid || m_stored) {
            // Streamed data of another message (unsolicited): not this part.
            if (section.streamed) {
                m_writer.reset();
            }
            continue;
        }
        storeSection(section);
    }
}

void FetchPartTask::storeSection(const BodySectionData& section)
{
    if (section.isNil) {
        m_writeError =
            QStringLiteral("the server has no part %1 in message %2").arg(m_section).arg(m_uid);
        return;
    }
    if (!section.streamed) {
        if (!m_cache->storePart(m_mailbox, m_uid, m_section, section.data)) {
            m_writeError = m_cache->lastError();
            return;
        }
        m_stored = true;
        m_storedSize = section.data.size();
        return;
    }
    if (!m_writer || m_writer->size() != section.size) {
        if (m_writeError.isEmpty()) {
            m_writeError = QStringLiteral("part %1 of message %2 arrived incomplete")
                               .arg(m_section)
                               .arg(m_uid);
        }
        m_writer.reset();
        return;
    }
    if (!m_writer->commit()) {
        m_writeError = m_writer->error();
        m_writer.reset();
        return;
    }
    m_stored = true;
    m_storedSize = section.size;
    m_writer.reset();
}

void FetchPartTask::handleTagged(const TaggedResponse& response)
{
    m_writer.reset();
    if (response.status != Status::Ok) {
        finishWithError(commandFailureMessage(
            QStringLiteral("Fetching part %1 of message %2").arg(m_section).arg(m_uid), response));
        return;
    }
    if (!m_stored) {
        finishWithError(m_writeError.isEmpty()
                            ? QStringLiteral("the server did not send part %1 of message %2")
                                  .arg(m_section)
                                  .arg(m_uid)
                            : m_writeError);
        return;
    }
    finishOk();
}

void FetchPartTask::handleAborted()
{
    m_writer.reset(); // an incomplete part never becomes visible
}

} // namespace Latchmail::Imap
