// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/tasks/authtaskbase.h"

namespace Latchmail::Imap {

/// AUTHENTICATE PLAIN (RFC 9051 section 6.2.2, RFC 4616), with the initial response on the
/// command line when the server offers SASL-IR (RFC 4959), else after its continuation request.
/// A further challenge is answered with "*" (cancel): PLAIN has a single step.
class AuthenticateTask : public AuthTaskBase
{
    Q_OBJECT

public:
    using AuthTaskBase::AuthTaskBase;

protected:
    void run() override;
    void handleContinuation(const ContinuationRequest& response) override;

private:
    bool m_cancelled = false;
};

} // namespace Latchmail::Imap
