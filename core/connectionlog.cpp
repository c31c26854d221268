// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/connectionlog.h"

#include "core/logging.h"

#include <QDateTime>
#include <QFile>

namespace Latchmail {

QString certificateVerdict(const TlsObservation& observation)
{
    if (observation.certificateVerified) {
        return QStringLiteral("verified");
    }
    return QStringLiteral("encrypted, server identity not verified: ") +
           observation.verificationErrors.join(QLatin1String("; "));
}

QString connectionSummary(Service service, const QString& host, quint16 port,
                          const TlsObservation& observation)
{
    const QString suite =
        observation.cipherIana.isEmpty() ? observation.cipherOpenSsl : observation.cipherIana;
    return serviceName(service) + QLatin1Char(' ') + host + QLatin1Char(':') +
           QString::number(port) + QLatin1Char(' ') + transportSecurityName(observation.transport) +
           QLatin1Char(' ') + tlsVersionName(observation.protocol) + QLatin1Char(' ') + suite +
           QLatin1Char(' ') + QString::number(observation.keyBits) + QStringLiteral("-bit pfs=") +
           (observation.forwardSecrecy ? QStringLiteral("yes") : QStringLiteral("no")) +
           QStringLiteral(" certificate=") + certificateVerdict(observation);
}

bool appendConnectionLog(const QString& path, const QString& line)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
        qCWarning(lcTls) << "cannot write the connection log" << path << ':' << file.errorString();
        return false;
    }

    const QString stamped =
        QDateTime::currentDateTimeUtc().toString(Qt::ISODate) + QLatin1Char(' ') + line;
    // One write per line keeps concurrent appenders from interleaving within a line.
    const QByteArray bytes = stamped.toUtf8() + '\n';
    if (file.write(bytes) != bytes.size()) {
        qCWarning(lcTls) << "cannot write the connection log" << path << ':' << file.errorString();
        return false;
    }
    return true;
}

} // namespace Latchmail
