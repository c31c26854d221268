// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/command.h"
#include "imap/session.h"
#include "imap/tasks/imaptask.h"

namespace Latchmail::Imap {

/// SELECT (or EXAMINE) a mailbox (RFC 9051 6.3.2), with CONDSTORE (RFC 7162 3.1.8) or QRESYNC
/// parameters (RFC 7162 3.2.5). Collects what the server reports while selecting: EXISTS,
/// UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ/NOMODSEQ, and with QRESYNC the UIDs expunged since the
/// known state (VANISHED (EARLIER)) and the flag changes (FETCH). On success the session is in
/// the Selected state.
class SelectTask : public ImapTask
{
    Q_OBJECT

public:
    SelectTask(QString mailbox, SelectOptions options, bool readOnly = false,
               QObject* parent = nullptr);

    [[nodiscard]] const SelectedMailbox& selected() const { return m_selected; }
    [[nodiscard]] bool noModSeq() const { return m_noModSeq; }
    /// QRESYNC: UIDs expunged since the given modification sequence.
    [[nodiscard]] const QList<SequenceSet>& vanished() const { return m_vanished; }
    /// QRESYNC: FETCH responses (UID, FLAGS, MODSEQ) of messages changed since then.
    [[nodiscard]] const QList<FetchData>& changes() const { return m_changes; }

protected:
    void run() override;
    void handleUntaggedStatus(const UntaggedStatus& response) override;
    void handleFlags(const FlagsData& response) override;
    void handleExists(const ExistsData& response) override;
    void handleVanished(const VanishedData& response) override;
    void handleFetch(const FetchData& response) override;
    void handleTagged(const TaggedResponse& response) override;

private:
    SelectOptions m_options;
    bool m_readOnly;
    SelectedMailbox m_selected;
    bool m_noModSeq = false;
    QList<SequenceSet> m_vanished;
    QList<FetchData> m_changes;
};

} // namespace Latchmail::Imap
