// SPDX-License-Identifier: GPL-3.0-or-later
#include "smtpscriptedserver.h"

#include "tests/support/testcertificates.h"

#include <QHostAddress>
#include <QSslConfiguration>
#include <QSslSocket>

namespace Latchmail::Test {

namespace {

// RFC 5321 4.5.2: a line of message data that begins with a dot had one added.
QByteArray unstuff(const QByteArray& content)
{
    QByteArray out;
    out.reserve(content.size());
    qsizetype start = 0;
    while (start < content.size()) {
        qsizetype end = content.indexOf("\r\n", start);
        end = end < 0 ? content.size() : end + 2;
        const qsizetype skip = content.at(start) == '.' ? 1 : 0;
        out += content.mid(start + skip, end - start - skip);
        start = end;
    }
    return out;
}

} // namespace

SmtpScriptedServer::SmtpScriptedServer(SmtpScript script, QObject* parent)
    : QTcpServer(parent)
    , m_script(std::move(script))
{
}

SmtpScriptedServer::~SmtpScriptedServer()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

bool SmtpScriptedServer::listenOnLoopback()
{
    return listen(QHostAddress::LocalHost, 0);
}

void SmtpScriptedServer::incomingConnection(qintptr descriptor)
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    ++m_connectionCount;
    m_nextStep = 0;
    m_buffer.clear();
    m_readingData = false;
    m_closed = false;

    m_socket = new QSslSocket(this);
    if (!m_socket->setSocketDescriptor(descriptor)) {
        m_problems.append(QStringLiteral("cannot adopt the connection: ") +
                          m_socket->errorString());
        return;
    }
    connect(m_socket, &QIODevice::readyRead, this, &SmtpScriptedServer::handleReadyRead);
    connect(m_socket, &QAbstractSocket::disconnected, this, [this] { m_closed = true; });
    connect(m_socket, &QSslSocket::encrypted, this, [this] {
        m_encrypted = true;
        if (m_script.implicitTls) {
            write(m_script.greeting);
        }
    });

    if (m_script.implicitTls) {
        startServerTls();
    } else {
        write(m_script.greeting);
    }
}

void SmtpScriptedServer::startServerTls()
{
    const TestCertificates& certificates = TestCertificates::shared();
    QSslConfiguration configuration = m_socket->sslConfiguration();
    configuration.setProtocol(m_script.protocol);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_socket->setSslConfiguration(configuration);
    m_socket->setLocalCertificate(certificates.certificateFile(CertVariant::CaSigned));
    m_socket->setPrivateKey(certificates.keyFile(CertVariant::CaSigned));
    m_socket->startServerEncryption();
}

void SmtpScriptedServer::write(const QByteArray& bytes)
{
    if (!bytes.isEmpty()) {
        m_socket->write(bytes);
        m_socket->flush();
    }
    ++m_replies;
}

void SmtpScriptedServer::handleReadyRead()
{
    const QByteArray bytes = m_socket->readAll();
    (m_socket->isEncrypted() ? m_tls : m_plaintext) += bytes;
    m_repliesAtArrival = m_replies;
    m_buffer += bytes;

    while (m_socket && !m_buffer.isEmpty()) {
        if (m_readingData) {
            readData();
            if (m_readingData) {
                return;
            }
            continue;
        }
        const qsizetype end = m_buffer.indexOf("\r\n");
        if (end < 0) {
            return;
        }
        const QByteArray line = m_buffer.left(end);
        m_buffer.remove(0, end + 2);
        handleLine(line);
    }
}

void SmtpScriptedServer::readData()
{
    m_data += m_buffer;
    m_buffer.clear();
    qsizetype contentEnd = -1;
    qsizetype restStart = -1;
    if (m_data.startsWith(".\r\n")) {
        contentEnd = 0;
        restStart = 3;
    } else if (const qsizetype at = m_data.indexOf("\r\n.\r\n"); at >= 0) {
        contentEnd = at + 2;
        restStart = at + 5;
    }
    if (contentEnd < 0) {
        return;
    }
    m_messages.append(unstuff(m_data.left(contentEnd)));
    m_buffer = m_data.mid(restStart);
    m_data.clear();
    m_readingData = false;
    handleLine(QByteArrayLiteral("."));
}

void SmtpScriptedServer::handleLine(const QByteArray& line)
{
    m_lines.append(ReceivedLine{line, m_repliesAtArrival, m_socket->isEncrypted()});
    if (m_nextStep >= m_script.steps.size()) {
        m_problems.append(QStringLiteral("unexpected line: ") + QString::fromLatin1(line));
        return;
    }
    const SmtpStep& step = m_script.steps.at(m_nextStep);
    if (!line.toUpper().startsWith(step.expect.toUpper())) {
        m_problems.append(QStringLiteral("expected %1, got: %2")
                              .arg(QString::fromLatin1(step.expect), QString::fromLatin1(line)));
        return;
    }

    ++m_nextStep;
    write(step.reply);
    switch (step.then) {
    case SmtpStep::Then::Continue:
        break;
    case SmtpStep::Then::StartTls:
        if (!m_buffer.isEmpty()) {
            m_problems.append(QStringLiteral("client pipelined after STARTTLS"));
        }
        m_buffer.clear();
        startServerTls();
        break;
    case SmtpStep::Then::ReadData:
        m_readingData = true;
        break;
    case SmtpStep::Then::Close:
        m_socket->disconnectFromHost();
        m_buffer.clear();
        break;
    }
}

} // namespace Latchmail::Test
