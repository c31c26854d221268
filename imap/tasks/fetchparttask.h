// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/tasks/imaptask.h"

#include <memory>

namespace Latchmail {
class MessageCache;
class PartWriter;
} // namespace Latchmail

namespace Latchmail::Imap {

/// Fetches one body part, BODY.PEEK[section] (RFC 9051 6.4.5; PEEK leaves \Seen alone), into
/// the cache of a selected mailbox. A large literal streams from the parser straight into a
/// PartWriter, so memory stays bounded whatever the part's size; the part becomes visible in
/// the cache only once the whole response arrived.
class FetchPartTask : public ImapTask
{
    Q_OBJECT

public:
    FetchPartTask(MessageCache* cache, QString mailbox, quint32 uid, QString section,
                  QObject* parent = nullptr);
    ~FetchPartTask() override;

    [[nodiscard]] qint64 storedSize() const { return m_storedSize; }

protected:
    void run() override;
    void handleLiteralChunk(const LiteralChunk& chunk) override;
    void handleFetch(const FetchData& response) override;
    void handleTagged(const TaggedResponse& response) override;
    void handleAborted() override;

private:
    void storeSection(const BodySectionData& section);

    MessageCache* m_cache;
    QString m_mailbox;
    quint32 m_uid;
    QString m_section;
    std::unique_ptr<PartWriter> m_writer;
    QString m_writeError;
    bool m_stored = false;
    qint64 m_storedSize = 0;
};

} // namespace Latchmail::Imap
