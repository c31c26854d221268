// SPDX-License-Identifier: GPL-3.0-or-later
#include "lineclient.h"

#include <QDeadlineTimer>
#include <QSslConfiguration>

namespace {

constexpr int connectTimeoutMs = 15'000;
const QString loopback = QStringLiteral("127.0.0.1");
const QString peerName = QStringLiteral("localhost");

} // namespace

LineClient::LineClient(const QList<QSslCertificate>& caCertificates)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates(caCertificates);
    m_socket.setSslConfiguration(configuration);
    QObject::connect(&m_socket, &QSslSocket::sslErrors, &m_socket, [this] {
        if (m_ignoreSslErrors) {
            m_socket.ignoreSslErrors();
        }
    });
}

bool LineClient::connectPlain(quint16 port)
{
    m_socket.connectToHost(loopback, port);
    return m_socket.waitForConnected(connectTimeoutMs);
}

bool LineClient::connectTls(quint16 port)
{
    m_socket.connectToHostEncrypted(loopback, port, peerName);
    return waitForEncrypted();
}

bool LineClient::startTls()
{
    m_socket.setPeerVerifyName(peerName);
    m_socket.startClientEncryption();
    return waitForEncrypted();
}

bool LineClient::waitForEncrypted()
{
    const QDeadlineTimer deadline(connectTimeoutMs);
    while (!m_socket.isEncrypted() && m_socket.state() != QAbstractSocket::UnconnectedState &&
           !deadline.hasExpired()) {
        m_socket.waitForEncrypted(int(qMax<qint64>(1, deadline.remainingTime())));
    }
    return m_socket.isEncrypted();
}

QByteArray LineClient::readLine(int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!m_socket.canReadLine()) {
        if (deadline.hasExpired() || m_socket.state() == QAbstractSocket::UnconnectedState) {
            return {};
        }
        m_socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
    }
    QByteArray line = m_socket.readLine();
    while (line.endsWith('\n') || line.endsWith('\r')) {
        line.chop(1);
    }
    return line;
}

void LineClient::writeLine(const QByteArray& line)
{
    m_socket.write(line + "\r\n");
    m_socket.flush();
}

QByteArrayList LineClient::imap(const QByteArray& command)
{
    const QByteArray tag = 't' + QByteArray::number(++m_tag);
    writeLine(tag + ' ' + command);
    QByteArrayList lines;
    for (;;) {
        const QByteArray line = readLine();
        if (line.isNull()) {
            return lines;
        }
        lines << line;
        if (line.startsWith(QByteArray(tag + ' '))) {
            return lines;
        }
    }
}

QByteArrayList LineClient::smtp(const QByteArray& command)
{
    if (!command.isEmpty()) {
        writeLine(command);
    }
    QByteArrayList lines;
    for (;;) {
        const QByteArray line = readLine();
        if (line.isNull()) {
            return lines;
        }
        lines << line;
        // The last line of a reply has a space (or nothing) after the code (RFC 5321 4.2).
        if (line.size() < 4 || line.at(3) == ' ') {
            return lines;
        }
    }
}
