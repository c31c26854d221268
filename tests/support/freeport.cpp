// SPDX-License-Identifier: GPL-3.0-or-later
#include "freeport.h"

#include <QMutex>
#include <QRandomGenerator>
#include <QSet>
#include <QTcpServer>

namespace Latchmail::Test {

namespace {

// The same range as mailstack.sh: below Linux's default ephemeral range (32768–60999).
constexpr quint16 firstPort = 20000;
constexpr quint16 portCount = 12000;

bool isBindable(quint16 port)
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, port);
}

} // namespace

quint16 pickFreePort()
{
    static QMutex mutex;
    static QSet<quint16> handedOut;
    const QMutexLocker lock(&mutex);

    for (int attempt = 0; attempt < 1000; ++attempt) {
        const auto port = quint16(firstPort + QRandomGenerator::global()->bounded(portCount));
        if (!handedOut.contains(port) && isBindable(port)) {
            handedOut.insert(port);
            return port;
        }
    }

    // Practically unreachable: let the kernel choose from its ephemeral range.
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0)) {
        qFatal("pickFreePort: cannot bind any port on 127.0.0.1");
    }
    handedOut.insert(probe.serverPort());
    return probe.serverPort();
}

} // namespace Latchmail::Test
