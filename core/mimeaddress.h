// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace Latchmail {

/// The outcome of checking one mailbox address (RFC 5321 4.1.2 Mailbox, RFC 6531 3.3 for
/// UTF-8 local parts and domains).
struct MailboxCheck
{
    bool valid = false;
    QString error;                  // why not, in plain language; empty when valid
    QString normalized;             // local-part@domain with the domain in ASCII (IDNA A-labels)
    bool nonAsciiLocalPart = false; // the address needs SMTPUTF8 (RFC 6531) to be sent
};

/// Checks an address a user typed or a message carried before it is put into a header field or
/// an SMTP envelope: no line breaks, control characters, spaces or angle brackets; a dot-atom
/// local part of at most 64 octets; a domain of LDH labels (internationalised names converted
/// to A-labels) or an address literal.
/// Limitation: quoted-string local parts ("john doe"@example.org) are refused — they are legal
/// but nearly unused, and refusing them keeps every envelope command unambiguous.
[[nodiscard]] MailboxCheck checkMailboxAddress(const QString& address);

} // namespace Latchmail
