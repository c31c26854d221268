// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/tasks/authtaskbase.h"

namespace Latchmail::Imap {

/// LOGIN (RFC 9051 section 6.2.3); the session uses it only when the post-TLS capabilities
/// offer no AUTH=PLAIN and do not announce LOGINDISABLED.
class LoginTask : public AuthTaskBase
{
    Q_OBJECT

public:
    using AuthTaskBase::AuthTaskBase;

protected:
    void run() override;
};

} // namespace Latchmail::Imap
