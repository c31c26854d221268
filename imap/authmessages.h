// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/response.h"

#include <QString>

namespace Latchmail::Imap {

/// What a response code means for the user, in plain language (RFC 5530 section 3, RFC 9051
/// section 7.1); empty for codes that carry no advice.
[[nodiscard]] QString responseCodeMeaning(ResponseCodeKind kind);

/// The message shown when LOGIN or AUTHENTICATE failed: a plain-language sentence chosen from
/// the RFC 5530 response code, followed by the server's own text, quoted and attributed. Only
/// called for responses received over TLS (or over an explicitly allowed cleartext session).
[[nodiscard]] QString authenticationFailureMessage(const TaggedResponse& response,
                                                   const QString& host);

/// "<what> failed: <meaning>; the server said “…”" for a NO or BAD to another command.
[[nodiscard]] QString commandFailureMessage(const QString& what, const TaggedResponse& response);

} // namespace Latchmail::Imap
