// SPDX-License-Identifier: GPL-3.0-or-later
// Connections of the scripted IMAP server: TLS, recording, and reading commands with literals.
#include "fakeimapserver.h"

#include "tests/support/testcertificates.h"

#include <QRegularExpression>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>

namespace Latchmail::Test {

void FakeMailbox::add(const QByteArray& raw, const QList<QByteArray>& flags)
{
    messages.append(FakeMessage{uidNext++, flags, raw, 1});
}

FakeImapConnection::FakeImapConnection(FakeImapServer* server, QSslSocket* socket)
    : QObject(server)
    , m_server(server)
    , m_socket(socket)
{
    connect(socket, &QIODevice::readyRead, this, &FakeImapConnection::handleReadyRead);
    connect(socket, &QAbstractSocket::disconnected, this, [this] { m_closed = true; });
    connect(socket, &QSslSocket::encrypted, this, [this] {
        m_handshakeCompleted = true;
        if (m_server->script.implicitTls) {
            sendLine(m_server->script.greeting);
        }
        if (m_server->script.afterHandshake) {
            m_server->script.afterHandshake(*this);
        }
    });
    connect(socket, &QSslSocket::sslErrors, socket, [socket] { socket->ignoreSslErrors(); });
}

bool FakeImapConnection::isEncrypted() const
{
    return m_socket->isEncrypted();
}

void FakeImapConnection::send(const QByteArray& bytes)
{
    if (m_socket->state() == QAbstractSocket::ConnectedState) {
        m_socket->write(bytes);
        m_socket->flush();
    }
}

void FakeImapConnection::startTls()
{
    const TestCertificates& certificates = TestCertificates::shared();
    QSslConfiguration configuration = m_socket->sslConfiguration();
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    configuration.setProtocol(m_server->script.tlsProtocol);
    m_socket->setSslConfiguration(configuration);
    m_socket->setLocalCertificate(certificates.certificateFile(CertVariant::CaSigned));
    m_socket->setPrivateKey(certificates.keyFile(CertVariant::CaSigned));
    m_socket->startServerEncryption();
}

void FakeImapConnection::close()
{
    m_socket->disconnectFromHost();
}

void FakeImapConnection::abort()
{
    m_socket->abort();
}

void FakeImapConnection::handleReadyRead()
{
    const QByteArray bytes = m_socket->readAll();
    if (m_socket->isEncrypted()) {
        m_tls += bytes;
    } else {
        m_plaintext += bytes;
    }
    handleBytes(bytes);
}

void FakeImapConnection::handleBytes(const QByteArray& bytes)
{
    m_buffer += bytes;
    for (;;) {
        if (!authenticateTag.isEmpty() || !idleTag.isEmpty()) {
            const qsizetype end = m_buffer.indexOf("\r\n");
            if (end < 0) {
                return;
            }
            const QByteArray line = m_buffer.left(end);
            m_buffer.remove(0, end + 2);
            if (!authenticateTag.isEmpty()) {
                m_server->handleSaslResponse(*this, line);
            } else {
                m_server->handleIdleLine(*this, line);
            }
            continue;
        }
        ImapRequest request;
        if (!takeRequest(&request)) {
            return;
        }
        m_server->handleRequest(*this, request);
        if (m_socket->state() != QAbstractSocket::ConnectedState) {
            return;
        }
    }
}

// Reads one command, with its literals ({n} answered by a continuation request, {n+} not).
bool FakeImapConnection::takeRequest(ImapRequest* request)
{
    static const QRegularExpression literal(QStringLiteral("\\{(\\d+)(\\+?)\\}$"));
    QByteArray text;
    qsizetype pos = 0;
    for (;;) {
        const qsizetype end = m_buffer.indexOf("\r\n", pos);
        if (end < 0) {
            return false;
        }
        const QByteArray line = m_buffer.mid(pos, end - pos);
        const QRegularExpressionMatch match = literal.match(QString::fromLatin1(line));
        if (!match.hasMatch()) {
            text += line;
            pos = end + 2;
            break;
        }
        const qsizetype size = match.captured(1).toLongLong();
        if (m_buffer.size() < end + 2 + size) {
            if (match.captured(2).isEmpty() && !m_continuationSent) {
                m_continuationSent = true;
                sendLine("+ Ready for literal data");
            }
            return false;
        }
        m_continuationSent = false;
        text += line.left(match.capturedStart(0)) + m_buffer.mid(end + 2, size);
        pos = end + 2 + size;
    }
    m_buffer.remove(0, pos);

    request->raw = text;
    const QList<QByteArray> words = text.split(' ');
    request->tag = words.value(0);
    QByteArray name = words.value(1).toUpper();
    qsizetype argumentsAt = request->tag.size() + 1 + words.value(1).size() + 1;
    if (name == "UID" && words.size() > 2) {
        name += ' ' + words.value(2).toUpper();
        argumentsAt += words.value(2).size() + 1;
    }
    request->name = name;
    request->arguments = text.mid(argumentsAt);
    return true;
}

FakeImapServer::FakeImapServer(QObject* parent)
    : QTcpServer(parent)
{
    mailboxes.insert("INBOX", FakeMailbox());
}

FakeImapServer::~FakeImapServer() = default;

bool FakeImapServer::start()
{
    return TestCertificates::shared().isValid() && listen(QHostAddress::LocalHost, 0);
}

QString FakeImapServer::caFile()
{
    return TestCertificates::shared().caFile();
}

FakeImapConnection* FakeImapServer::connection(int index) const
{
    if (m_connections.isEmpty()) {
        return nullptr;
    }
    return m_connections.value(index < 0 ? m_connections.size() - 1 : index);
}

QByteArray FakeImapServer::allPlaintextReceived() const
{
    QByteArray all;
    for (const QPointer<FakeImapConnection>& connection : m_connections) {
        if (connection) {
            all += connection->plaintextReceived();
        }
    }
    return all;
}

QByteArray FakeImapServer::allTlsReceived() const
{
    QByteArray all;
    for (const QPointer<FakeImapConnection>& connection : m_connections) {
        if (connection) {
            all += connection->tlsReceived();
        }
    }
    return all;
}

QList<QByteArray> FakeImapServer::requestNames() const
{
    QList<QByteArray> names;
    for (const ImapRequest& request : m_requests) {
        names.append(request.name);
    }
    return names;
}

void FakeImapServer::incomingConnection(qintptr descriptor)
{
    auto* socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    auto* connection = new FakeImapConnection(this, socket);
    m_connections.append(connection);
    if (script.implicitTls) {
        connection->startTls();
    } else if (!script.greeting.isEmpty()) {
        connection->sendLine(script.greeting);
    }
}

void FakeImapServer::handleRequest(FakeImapConnection& connection, const ImapRequest& request)
{
    m_requests.append(request);
    if (script.intercept && script.intercept(connection, request)) {
        return;
    }
    respond(connection, request);
}

} // namespace Latchmail::Test
