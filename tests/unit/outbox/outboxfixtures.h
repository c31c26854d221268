// SPDX-License-Identifier: GPL-3.0-or-later
// Message content shared by the outbox tests and their writer process: derived from the id alone,
// so a reader can tell a complete message file from a torn one.
#pragma once

#include <QByteArray>
#include <QCryptographicHash>
#include <QString>

namespace Latchmail::OutboxFixtures {

/// An RFC 5322 message of roughly `size` octets whose every byte follows from `seed`.
inline QByteArray messageContent(const QString& seed, int size)
{
    QByteArray message =
        "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: " + seed.toUtf8() +
        "\r\n\r\n";
    QByteArray line = QCryptographicHash::hash(seed.toUtf8(), QCryptographicHash::Sha256).toHex();
    while (message.size() < size) {
        message += line + "\r\n";
        line = QCryptographicHash::hash(line, QCryptographicHash::Sha256).toHex();
    }
    return message;
}

} // namespace Latchmail::OutboxFixtures
