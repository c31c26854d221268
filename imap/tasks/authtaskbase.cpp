// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/tasks/authtaskbase.h"

namespace Latchmail::Imap {

AuthTaskBase::AuthTaskBase(QString userName, QString password, QObject* parent)
    : ImapTask(parent)
    , m_userName(std::move(userName))
    , m_password(std::move(password))
{
}

AuthTaskBase::~AuthTaskBase()
{
    wipePassword();
}

void AuthTaskBase::wipePassword()
{
    m_password.fill(QChar(u'\0'));
    m_password.clear();
}

void AuthTaskBase::handleTagged(const TaggedResponse& response)
{
    m_response = response;
    if (response.status == Status::Ok) {
        finishOk();
    } else {
        finishWithError(QStringLiteral("the server rejected the login"));
    }
}

} // namespace Latchmail::Imap
