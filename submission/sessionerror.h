// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/latchfailure.h"

#include <QMetaType>
#include <QString>

#include <optional>

namespace Latchmail {

/// Why a submission session ended before its work was done. The message is a complete sentence
/// for the user in one of three voices: "the server said …" (only ever text received over TLS),
/// "protocol error: …" (our own detection), or connection and TLS trouble.
struct SubmissionError
{
    enum class Kind {
        Network,                   ///< connect refused, reset, closed unexpectedly
        Timeout,                   ///< no progress within the deadline
        Tls,                       ///< TLS handshake failed for another reason than a latch
        LatchFailure,              ///< a security latch is no longer met (latchFailure is set)
        SecurityRefusal,           ///< STARTTLS missing/refused/garbled, injection, cleartext
        AuthenticationFailed,      ///< the server rejected the credentials (RFC 4954 535)
        AuthenticationUnavailable, ///< no mechanism Latchmail supports, or a temporary 454
        Protocol,                  ///< the server broke the protocol
        ServerClosed,              ///< 421, or the server closed the connection
        Cancelled,                 ///< the caller aborted the session
    };

    Kind kind = Kind::Network;
    QString message;
    std::optional<LatchFailure> latchFailure;

    /// True for the kinds that map to exit status 3 (refused for security reasons).
    [[nodiscard]] bool isSecurityRefusal() const
    {
        return kind == Kind::LatchFailure || kind == Kind::SecurityRefusal;
    }
};

} // namespace Latchmail

Q_DECLARE_METATYPE(Latchmail::SubmissionError)
