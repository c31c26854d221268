// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <optional>

namespace Latchmail::Imap {

/// Encodes a mailbox name in modified UTF-7 (RFC 3501 section 5.1.3, RFC 9051 section 5.1.3):
/// printable US-ASCII stands for itself, "&" becomes "&-", everything else is UTF-16 in
/// modified BASE64 ("," for "/", no padding) between "&" and "-".
[[nodiscard]] QByteArray encodeMailboxName(QStringView name);

/// Decodes modified UTF-7 strictly. Rejected, with a reason in *error: bytes outside
/// 0x20–0x7E, an unterminated or malformed "&…-" run, a run that is not whole UTF-16 or
/// leaves non-zero bits, broken surrogates, and non-canonical forms (printable ASCII inside
/// a run, two adjacent runs) — each name has exactly one valid encoding.
/// Parses untrusted input (mailbox names from LIST and STATUS).
[[nodiscard]] std::optional<QString> decodeMailboxName(QByteArrayView encoded,
                                                       QString* error = nullptr);

/// The wire form of a name for commands: modified UTF-7, or plain UTF-8 when the session has
/// enabled UTF8=ACCEPT (RFC 6855) or speaks IMAP4rev2.
[[nodiscard]] QByteArray mailboxNameToWire(QStringView name, bool utf8Enabled);

/// Decodes a name from the wire in the session's mode; in UTF-8 mode the bytes must be valid
/// UTF-8. Nothing (and *error set) when invalid.
[[nodiscard]] std::optional<QString> mailboxNameFromWire(QByteArrayView wire, bool utf8Enabled,
                                                         QString* error = nullptr);

} // namespace Latchmail::Imap
