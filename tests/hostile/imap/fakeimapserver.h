// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QSsl>
#include <QTcpServer>

#include <functional>

class QSslSocket;

namespace Latchmail::Test {

/// A message held by FakeImapServer.
struct FakeMessage
{
    quint32 uid = 0;
    QList<QByteArray> flags;
    QByteArray raw; // RFC 5322 message, CRLF line ends
    quint64 modSeq = 1;
};

/// A mailbox held by FakeImapServer.
struct FakeMailbox
{
    quint32 uidValidity = 1;
    quint32 uidNext = 1;
    QList<FakeMessage> messages;
    QByteArray specialUse; // e.g. "\\Sent"

    void add(const QByteArray& raw, const QList<QByteArray>& flags = {});
};

/// One client command as the server read it: tag, name (uppercased; "UID FETCH" for UID
/// commands), the rest of the line with literal data inlined, and the whole raw text.
struct ImapRequest
{
    QByteArray tag;
    QByteArray name;
    QByteArray arguments;
    QByteArray raw;
};

class FakeImapServer;

/// One accepted connection: plaintext until startTls(), recording every byte received.
class FakeImapConnection : public QObject
{
    Q_OBJECT

public:
    FakeImapConnection(FakeImapServer* server, QSslSocket* socket);

    void send(const QByteArray& bytes);
    void sendLine(const QByteArray& line) { send(line + "\r\n"); }
    void startTls();
    void close();
    void abort();

    [[nodiscard]] bool isEncrypted() const;
    [[nodiscard]] QByteArray plaintextReceived() const { return m_plaintext; }
    [[nodiscard]] QByteArray tlsReceived() const { return m_tls; }
    [[nodiscard]] bool handshakeCompleted() const { return m_handshakeCompleted; }
    [[nodiscard]] bool closedByClient() const { return m_closed; }

    // Protocol state of the default behaviour.
    bool authenticated = false;
    QByteArray selected;
    QByteArray idleTag;
    QByteArray authenticateTag; // waiting for the SASL response line

private:
    void handleReadyRead();
    void handleBytes(const QByteArray& bytes);
    bool takeRequest(ImapRequest* request);

    FakeImapServer* m_server;
    QSslSocket* m_socket;
    QByteArray m_buffer;
    QByteArray m_plaintext;
    QByteArray m_tls;
    bool m_handshakeCompleted = false;
    bool m_closed = false;
    bool m_continuationSent = false;
};

/// A scripted IMAP server on 127.0.0.1 (port 0) for hostile and broken peers. It speaks enough
/// IMAP4rev1 (CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE PLAIN, ENABLE, LIST, SELECT, UID
/// SEARCH/FETCH/STORE/COPY/MOVE/EXPUNGE, APPEND, IDLE, NOOP, LOGOUT) over a few in-memory
/// mailboxes for a client to complete a session, and lets a test intercept any command to
/// misbehave. TLS (STARTTLS or implicit) uses the per-run test certificate for localhost and
/// 127.0.0.1. Every byte received is recorded, in plaintext and, after TLS, decrypted.
class FakeImapServer : public QTcpServer
{
    Q_OBJECT

public:
    using Interceptor =
        std::function<bool(FakeImapConnection& connection, const ImapRequest& request)>;

    struct Script
    {
        bool implicitTls = false;
        QSsl::SslProtocol tlsProtocol = QSsl::TlsV1_2OrLater; ///< what the server side accepts
        QByteArray greeting = "* OK IMAP server ready";
        QByteArray preTlsCapabilities = "IMAP4rev1 STARTTLS LOGINDISABLED";
        QByteArray postTlsCapabilities = "IMAP4rev1 AUTH=PLAIN SASL-IR ENABLE IDLE MOVE UIDPLUS";
        QByteArray userName = "alice";
        QByteArray password = "secret";
        /// Returns true when it handled the request; the default behaviour runs otherwise.
        Interceptor intercept;
        /// Called with the connection right after the TLS handshake completed on it.
        std::function<void(FakeImapConnection&)> afterHandshake;
    };

    explicit FakeImapServer(QObject* parent = nullptr);
    ~FakeImapServer() override;

    [[nodiscard]] bool start();
    [[nodiscard]] quint16 port() const { return serverPort(); }
    /// The CA that signed the server certificate, for ChannelOptions::extraCaFile.
    [[nodiscard]] static QString caFile();

    Script script;
    QMap<QByteArray, FakeMailbox> mailboxes; // "INBOX" exists from the start

    [[nodiscard]] int connectionCount() const { return int(m_connections.size()); }
    [[nodiscard]] FakeImapConnection* connection(int index = -1) const;
    /// Everything received on every connection, plaintext and decrypted TLS.
    [[nodiscard]] QByteArray allPlaintextReceived() const;
    [[nodiscard]] QByteArray allTlsReceived() const;
    [[nodiscard]] QList<ImapRequest> requests() const { return m_requests; }
    [[nodiscard]] QList<QByteArray> requestNames() const;

    /// The default answer to a request (used by interceptors that only watch).
    void respond(FakeImapConnection& connection, const ImapRequest& request);
    /// The default answer to the SASL PLAIN response line of AUTHENTICATE.
    void handleSaslResponse(FakeImapConnection& connection, const QByteArray& line);
    /// The default answer to the line that ends IDLE ("DONE").
    void handleIdleLine(FakeImapConnection& connection, const QByteArray& line);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    friend class FakeImapConnection;
    void handleRequest(FakeImapConnection& connection, const ImapRequest& request);

    QList<QPointer<FakeImapConnection>> m_connections;
    QList<ImapRequest> m_requests;
};

} // namespace Latchmail::Test
