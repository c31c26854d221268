// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/tasks/imaptask.h"

#include <QDateTime>

#include <optional>

namespace Latchmail::Imap {

/// APPEND a message to a mailbox (RFC 9051 6.3.12), e.g. a sent message to Sent or a draft to
/// Drafts; the session sends the message literal after the server's continuation request.
/// With UIDPLUS the new message's UID is known (RFC 4315 APPENDUID).
class AppendTask : public ImapTask
{
    Q_OBJECT

public:
    AppendTask(QString mailbox, QByteArray message, QList<QByteArray> flags = {},
               std::optional<QDateTime> internalDate = std::nullopt, QObject* parent = nullptr);

    [[nodiscard]] std::optional<quint32> uidValidity() const { return m_uidValidity; }
    [[nodiscard]] std::optional<quint32> uid() const { return m_uid; }

protected:
    void run() override;
    void handleTagged(const TaggedResponse& response) override;

private:
    QString m_mailbox;
    QByteArray m_message;
    QList<QByteArray> m_flags;
    std::optional<QDateTime> m_internalDate;
    std::optional<quint32> m_uidValidity;
    std::optional<quint32> m_uid;
};

} // namespace Latchmail::Imap
