// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/bodystructure.h"
#include "imap/envelope.h"

#include <QByteArray>

#include <optional>

namespace Latchmail::Imap {

/// Compact JSON forms of the parsed ENVELOPE and BODYSTRUCTURE (RFC 9051 section 7.5.2) for the
/// message cache. Byte strings keep every byte (mapped through Latin-1) and the NIL/empty
/// distinction (JSON null / ""), so reading gives back exactly what was parsed.
[[nodiscard]] QByteArray serializeEnvelope(const Envelope& envelope);
[[nodiscard]] std::optional<Envelope> deserializeEnvelope(const QByteArray& json);

[[nodiscard]] QByteArray serializeBodyStructure(const BodyPart& root);
/// Reads what serializeBodyStructure() wrote; part numbers are assigned again. Nothing for
/// malformed or absurdly deep input (the cache file may have been damaged).
[[nodiscard]] std::optional<BodyPart> deserializeBodyStructure(const QByteArray& json);

} // namespace Latchmail::Imap
