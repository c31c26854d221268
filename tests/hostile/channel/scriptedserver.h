// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QSsl>
#include <QStringList>
#include <QTcpServer>

#include <memory>

class QSslSocket;

namespace Latchmail::Test {

/// One step of a scripted plaintext exchange: when the client's next line starts with `expect`
/// (case-insensitively, after the IMAP tag when the script uses tags), the server answers
/// `reply`, in which "%TAG%" stands for the client's tag. With `startTls` the server then
/// starts its side of the TLS handshake.
struct ScriptStep
{
    QByteArray expect;
    QByteArray reply;
    bool startTls = false;
};

/// What a scripted server says and how it does TLS.
struct Script
{
    QByteArray greeting; // sent on connect (after the handshake with implicitTls); may be empty
    QList<ScriptStep> steps;
    bool imapTags = false;
    bool implicitTls = false;
    QString certificateFile; // PEM certificate and RSA key for the server side of TLS
    QString keyFile;
    QSsl::SslProtocol protocol = QSsl::TlsV1_2OrLater;
};

/// A scripted mail server on 127.0.0.1, port 0, for hostile and broken peers. Records every
/// byte each connection received: in plaintext (raw, so a TLS ClientHello sent where none
/// belongs shows up there) and, once the server side is encrypted, the decrypted application
/// bytes. Lines that do not match the script are recorded as problems and answered with
/// nothing.
class ScriptedServer : public QTcpServer
{
    Q_OBJECT

public:
    explicit ScriptedServer(Script script, QObject* parent = nullptr);
    ~ScriptedServer() override;

    [[nodiscard]] bool listenOnLoopback();

    [[nodiscard]] int connectionCount() const { return int(m_connections.size()); }
    /// Per connection (-1: the latest).
    [[nodiscard]] QByteArray plaintextReceived(int connection = -1) const;
    [[nodiscard]] QByteArray tlsReceived(int connection = -1) const;
    [[nodiscard]] bool handshakeCompleted(int connection = -1) const;
    [[nodiscard]] bool clientClosed(int connection = -1) const;
    [[nodiscard]] QStringList problems() const { return m_problems; }

    /// Writes `bytes` to the latest connection now, flushed to the kernel before returning.
    void sendNow(const QByteArray& bytes);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    struct Connection;

    void handleReadyRead(Connection* connection);
    void handleLine(Connection* connection, const QByteArray& line);
    void startServerTls(Connection* connection);
    [[nodiscard]] const Connection* at(int connection) const;

    Script m_script;
    QList<Connection*> m_connections;
    QStringList m_problems;
};

} // namespace Latchmail::Test
