// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/tasks/imaptask.h"

#include <optional>

namespace Latchmail::Imap {

/// STATUS mailbox (MESSAGES UIDNEXT UIDVALIDITY UNSEEN [HIGHESTMODSEQ]) (RFC 9051 6.3.11,
/// RFC 7162 3.1.6): a mailbox's counters without selecting it.
class StatusTask : public ImapTask
{
    Q_OBJECT

public:
    explicit StatusTask(QString mailbox, QObject* parent = nullptr);

    /// The STATUS data for the mailbox, when the server sent it.
    [[nodiscard]] const std::optional<StatusData>& status() const { return m_status; }

protected:
    void run() override;
    void handleStatus(const StatusData& response) override;
    void handleTagged(const TaggedResponse& response) override;

private:
    QString m_mailbox;
    QByteArray m_wireName;
    std::optional<StatusData> m_status;
};

} // namespace Latchmail::Imap
