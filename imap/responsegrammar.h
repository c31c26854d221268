// SPDX-License-Identifier: GPL-3.0-or-later
// Internal to the IMAP response parser: the RFC 9051 grammar over one assembled response.
// Parses untrusted input.
#pragma once

#include "imap/responsereader.h"

#include <optional>

namespace Latchmail::Imap::Detail {

/// Parses one complete response; on failure returns nothing and sets *error.
std::optional<Response> parseResponse(const AssembledResponse& response, const Limits& limits,
                                      bool utf8MailboxNames, ParseError* error);

/// Untagged data named `name` (uppercased) after "* ": CAPABILITY, LIST, STATUS, SEARCH, …;
/// anything unknown becomes UnknownData.
std::optional<Response> parseMailboxData(ResponseReader& reader, const QByteArray& name,
                                         bool utf8MailboxNames);

/// `msg-att` list after "* n FETCH " (RFC 9051 section 7.5.2).
std::optional<FetchData> parseFetch(ResponseReader& reader, quint32 sequence);

/// `envelope` (RFC 9051 section 9).
std::optional<Envelope> parseEnvelope(ResponseReader& reader);

/// `body` — BODYSTRUCTURE or BODY (RFC 9051 section 9), part numbers not yet assigned.
std::optional<BodyPart> parseBody(ResponseReader& reader);

} // namespace Latchmail::Imap::Detail
