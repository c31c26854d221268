// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

namespace Latchmail {

/// The one place SMTP traffic is written to `latchmail.submission.wire`. It follows the
/// conversation and redacts what must never be logged: the AUTH command's arguments (RFC 4954
/// 4 initial response), every line the client sends while an authentication exchange is open,
/// and every 334 challenge; message content (after a 354 reply to DATA, or the octets of a
/// BDAT chunk, RFC 3030) is summarised as an octet count. Server text is escaped so it cannot
/// forge log lines. One instance per connection; feed it every byte in both directions.
class SmtpWireLog
{
public:
    enum class Direction { ClientToServer, ServerToClient };

    /// Records bytes as sent or received. Complete lines are logged at once; a partial line is
    /// kept until its end arrives. Returns the lines logged by this call (for tests).
    QStringList record(Direction direction, QByteArrayView bytes);

    /// The redacted form of everything logged so far (bounded to the most recent lines).
    [[nodiscard]] const QStringList& transcript() const { return m_transcript; }

private:
    enum class ClientState { Commands, Authenticating, MessageContent, ChunkContent };
    enum class Pending { Other, Auth, Data };

    void recordClient(QByteArrayView bytes, QStringList* logged);
    void recordServer(QByteArrayView bytes, QStringList* logged);
    void clientLine(const QByteArray& line, QStringList* logged);
    void serverLine(const QByteArray& line, QStringList* logged);
    qsizetype consumeContent(QByteArrayView bytes, QStringList* logged);
    void log(const QString& line, QStringList* logged);

    ClientState m_client = ClientState::Commands;
    QList<Pending> m_pending; // commands awaiting their reply, oldest first
    QByteArray m_clientPartial;
    QByteArray m_serverPartial;
    qint64 m_contentOctets = 0;
    qint64 m_chunkRemaining = 0;
    int m_endOfDataMatched = 0; // octets of "\r\n.\r\n" matched at the end of content
    QStringList m_transcript;
};

} // namespace Latchmail
