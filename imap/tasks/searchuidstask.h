// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/tasks/imaptask.h"

namespace Latchmail::Imap {

/// UID SEARCH of the selected mailbox (RFC 9051 6.4.4), as `UID SEARCH RETURN (ALL)` (RFC 4731
/// ESEARCH, a compact set) when the server offers it. Finds which UIDs exist now.
class SearchUidsTask : public ImapTask
{
    Q_OBJECT

public:
    /// `criteria` such as "ALL" or "UID 1:500".
    explicit SearchUidsTask(QByteArray criteria = "ALL", QObject* parent = nullptr);

    /// The UIDs found, ascending.
    [[nodiscard]] const QList<quint32>& uids() const { return m_uids; }

protected:
    void run() override;
    void handleSearch(const SearchData& response) override;
    void handleESearch(const ESearchData& response) override;
    void handleTagged(const TaggedResponse& response) override;

private:
    QByteArray m_criteria;
    QByteArray m_tag;
    QList<quint32> m_uids;
    bool m_answered = false;
};

} // namespace Latchmail::Imap
