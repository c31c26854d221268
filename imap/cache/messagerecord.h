// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/cache/cachetypes.h"
#include "imap/response.h"

namespace Latchmail::Imap {

/// The cache record of a FETCH response that carries a header sync's items (RFC 9051 7.5.2):
/// flags, envelope (RFC 2047 words decoded through GMime for display, the raw form kept),
/// INTERNALDATE, RFC822.SIZE, BODYSTRUCTURE and MODSEQ. `fetch.uid` must be set.
[[nodiscard]] CachedMessage cachedMessageFrom(const FetchData& fetch);

/// The flags of a FETCH response as cache strings.
[[nodiscard]] QStringList flagStrings(const QList<QByteArray>& flags);

/// Display text of an envelope field that may hold RFC 2047 encoded words (RFC 2047 section 6).
[[nodiscard]] QString decodeHeaderText(const QByteArray& raw);

/// "Name <mailbox@host>, …" of an envelope address list, names decoded; group syntax flattened.
[[nodiscard]] QString displayAddresses(const QList<Address>& addresses);

} // namespace Latchmail::Imap
