// SPDX-License-Identifier: GPL-3.0-or-later
#include "scriptedserver.h"

#include <QHostAddress>
#include <QSslConfiguration>
#include <QSslSocket>

namespace Latchmail::Test {

struct ScriptedServer::Connection
{
    QSslSocket* socket = nullptr;
    QByteArray plaintext;
    QByteArray tls;
    QByteArray lineBuffer;
    int nextStep = 0;
    bool encrypted = false;
    bool closed = false;
};

ScriptedServer::ScriptedServer(Script script, QObject* parent)
    : QTcpServer(parent)
    , m_script(std::move(script))
{
}

ScriptedServer::~ScriptedServer()
{
    for (Connection* connection : std::as_const(m_connections)) {
        connection->socket->disconnect(this);
        connection->socket->abort();
        delete connection;
    }
}

bool ScriptedServer::listenOnLoopback()
{
    return listen(QHostAddress::LocalHost, 0);
}

const ScriptedServer::Connection* ScriptedServer::at(int connection) const
{
    if (m_connections.isEmpty()) {
        return nullptr;
    }
    return connection < 0 ? m_connections.last() : m_connections.value(connection);
}

QByteArray ScriptedServer::plaintextReceived(int connection) const
{
    const Connection* c = at(connection);
    return c ? c->plaintext : QByteArray();
}

QByteArray ScriptedServer::tlsReceived(int connection) const
{
    const Connection* c = at(connection);
    return c ? c->tls : QByteArray();
}

bool ScriptedServer::handshakeCompleted(int connection) const
{
    const Connection* c = at(connection);
    return c && c->encrypted;
}

bool ScriptedServer::clientClosed(int connection) const
{
    const Connection* c = at(connection);
    return c && c->closed;
}

void ScriptedServer::sendNow(const QByteArray& bytes)
{
    if (m_connections.isEmpty()) {
        return;
    }
    QSslSocket* socket = m_connections.last()->socket;
    socket->write(bytes);
    socket->flush();
}

void ScriptedServer::incomingConnection(qintptr descriptor)
{
    auto* connection = new Connection;
    connection->socket = new QSslSocket(this);
    m_connections.append(connection);
    QSslSocket* socket = connection->socket;
    if (!socket->setSocketDescriptor(descriptor)) {
        m_problems.append(QStringLiteral("cannot adopt the connection: ") + socket->errorString());
        return;
    }

    connect(socket, &QIODevice::readyRead, this,
            [this, connection] { handleReadyRead(connection); });
    connect(socket, &QAbstractSocket::disconnected, this,
            [connection] { connection->closed = true; });
    connect(socket, &QSslSocket::encrypted, this, [this, connection] {
        connection->encrypted = true;
        if (m_script.implicitTls && !m_script.greeting.isEmpty()) {
            connection->socket->write(m_script.greeting);
        }
    });

    if (m_script.implicitTls) {
        startServerTls(connection);
    } else if (!m_script.greeting.isEmpty()) {
        socket->write(m_script.greeting);
    }
}

void ScriptedServer::startServerTls(Connection* connection)
{
    QSslSocket* socket = connection->socket;
    QSslConfiguration configuration = socket->sslConfiguration();
    configuration.setProtocol(m_script.protocol);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    socket->setSslConfiguration(configuration);
    socket->setLocalCertificate(m_script.certificateFile);
    socket->setPrivateKey(m_script.keyFile);
    socket->startServerEncryption();
}

void ScriptedServer::handleReadyRead(Connection* connection)
{
    const QByteArray bytes = connection->socket->readAll();
    if (connection->socket->isEncrypted()) {
        connection->tls += bytes;
        return;
    }
    connection->plaintext += bytes;
    connection->lineBuffer += bytes;

    qsizetype end = 0;
    while ((end = connection->lineBuffer.indexOf("\r\n")) >= 0) {
        const QByteArray line = connection->lineBuffer.left(end);
        connection->lineBuffer.remove(0, end + 2);
        handleLine(connection, line);
    }
}

void ScriptedServer::handleLine(Connection* connection, const QByteArray& line)
{
    if (connection->nextStep >= m_script.steps.size()) {
        m_problems.append(QStringLiteral("unexpected line: ") + QString::fromLatin1(line));
        return;
    }
    const ScriptStep& step = m_script.steps.at(connection->nextStep);

    QByteArray tag;
    QByteArray command = line;
    if (m_script.imapTags) {
        const qsizetype space = line.indexOf(' ');
        tag = space < 0 ? line : line.left(space);
        command = space < 0 ? QByteArray() : line.mid(space + 1);
    }
    if (!command.toUpper().startsWith(step.expect.toUpper())) {
        m_problems.append(QStringLiteral("expected %1, got: %2")
                              .arg(QString::fromLatin1(step.expect), QString::fromLatin1(line)));
        return;
    }

    ++connection->nextStep;
    QByteArray reply = step.reply;
    connection->socket->write(reply.replace("%TAG%", tag));
    if (step.startTls) {
        if (!connection->lineBuffer.isEmpty()) {
            m_problems.append(QStringLiteral("client pipelined after STARTTLS"));
        }
        connection->lineBuffer.clear();
        startServerTls(connection);
    }
}

} // namespace Latchmail::Test
