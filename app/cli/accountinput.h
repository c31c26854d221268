// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace Latchmail::Cli {

/// A server as given on the command line: `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`.
struct HostPort
{
    QString host;     // lower-case host name, IPv4 address or IPv6 address without brackets
    quint16 port = 0; // 0 when no port was given
};

/// Parses `text` into `out`. Returns an empty string on success, otherwise what is wrong
/// ("port 99999 is out of range (1–65535)").
[[nodiscard]] QString parseHostPort(const QString& text, HostPort* out);

/// Checks `address` against the RFC 5322 section 3.4.1 addr-spec (dot-atom or quoted-string
/// local part, dot-atom or domain-literal domain) and the RFC 5321 section 4.5.3.1 length limits.
/// Returns an empty string when it is acceptable, otherwise what is wrong.
[[nodiscard]] QString checkAddrSpec(const QString& address);

/// True for `localhost`, 127.0.0.0/8 and ::1: the only hosts for which cleartext may be allowed.
[[nodiscard]] bool isLoopbackHost(const QString& host);

} // namespace Latchmail::Cli
