// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/tasks/imaptask.h"

#include <optional>

namespace Latchmail::Imap {

/// Common part of LoginTask and AuthenticateTask: the credentials (wiped once the command is
/// built) and the tagged response that ended the exchange, for RFC 5530 messages and for a
/// CAPABILITY response code.
class AuthTaskBase : public ImapTask
{
    Q_OBJECT

public:
    AuthTaskBase(QString userName, QString password, QObject* parent = nullptr);
    ~AuthTaskBase() override;

    /// The final tagged response, when one arrived.
    [[nodiscard]] const std::optional<TaggedResponse>& response() const { return m_response; }

protected:
    void handleTagged(const TaggedResponse& response) override;
    /// Overwrites the password held by the task.
    void wipePassword();

    QString m_userName;
    QString m_password;

private:
    std::optional<TaggedResponse> m_response;
};

} // namespace Latchmail::Imap
