// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace Latchmail::Imap {

/// Which way bytes went on an IMAP connection.
enum class Direction { ClientToServer, ServerToClient };

/// What the redactor remembers between calls on one connection: partial lines, literals still
/// in flight, and whether a LOGIN or AUTHENTICATE exchange is in progress. One per connection;
/// feed it both directions, or AUTHENTICATE never ends and later client lines stay redacted.
class RedactionState
{
public:
    RedactionState() = default;

private:
    struct Stream
    {
        QByteArray head;      // first bytes of the line being assembled (bounded)
        QByteArray tail;      // last bytes of it, to find a literal announcement
        qint64 lineBytes = 0; // full length of that line so far
        qint64 literalRemaining = 0;
        bool literalSecret = false;
        bool afterLiteral = false; // the next line continues the command/response
    };

    Stream m_client;
    Stream m_server;
    bool m_commandSecret = false; // rest of the current client command is a credential
    bool m_authenticating = false;
    QByteArray m_authenticateTag;
    bool m_untracked = false; // bytes went by unread while the category was disabled

    friend QByteArray redactForWireLog(Direction, QByteArrayView, RedactionState&);
    friend void logWire(Direction, QByteArrayView, RedactionState&);
    friend struct WireRedactor;
};

/// The one redacting function for the `latchmail.imap.wire` category. Takes bytes exactly as
/// sent or received, in any chunking, and returns the printable log text of every line
/// completed by them ('\n'-separated, CRLF removed, control and 8-bit bytes escaped):
/// LOGIN arguments, AUTHENTICATE initial responses and every client line until the command's
/// tagged response, and server challenges in between become "<redacted>"; literal data is
/// summarised as "<literal N bytes>" (credential literals only as "<redacted>", no size).
/// Empty when no line was completed, and always for a state logWire() stopped tracking.
[[nodiscard]] QByteArray redactForWireLog(Direction direction, QByteArrayView bytes,
                                          RedactionState& state);

/// Redacts and writes each completed line to lcImapWire as "C: …" or "S: …". While the category
/// is disabled the bytes are not even read; a connection that had any then stays unlogged to its
/// end, because its redaction state no longer knows where a credential would be.
void logWire(Direction direction, QByteArrayView bytes, RedactionState& state);

} // namespace Latchmail::Imap
