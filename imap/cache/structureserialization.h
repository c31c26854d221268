// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/bodystructure.h"
#include "imap/envelope.h"

#include <QByteArray>

#include <optional>

namespace Latchmail::Imap {

/// Compact CBOR forms (RFC 8949) of the parsed ENVELOPE and BODYSTRUCTURE (RFC 9051 section
/// 7.5.2) for the message cache; the readers also take the JSON form of earlier caches. Byte
/// strings keep every byte (mapped through Latin-1) and the NIL/empty distinction (null / ""),
/// so reading gives back exactly what was parsed.
[[nodiscard]] QByteArray serializeEnvelope(const Envelope& envelope);
[[nodiscard]] std::optional<Envelope> deserializeEnvelope(const QByteArray& stored);

[[nodiscard]] QByteArray serializeBodyStructure(const BodyPart& root);
/// Reads what serializeBodyStructure() wrote; part numbers are assigned again. Nothing for
/// malformed or absurdly deep input (the cache file may have been damaged).
[[nodiscard]] std::optional<BodyPart> deserializeBodyStructure(const QByteArray& stored);

} // namespace Latchmail::Imap
