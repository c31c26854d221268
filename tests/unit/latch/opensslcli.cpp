// SPDX-License-Identifier: GPL-3.0-or-later
#include "opensslcli.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QUuid>

namespace LatchmailTest {

namespace {

constexpr int ProcessDeadlineMs = 60000;

} // namespace

QByteArray runOpenSsl(const QStringList& arguments, QString* error)
{
    error->clear();
    const QString program = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (program.isEmpty()) {
        *error = QStringLiteral("the openssl command-line tool is not installed");
        return {};
    }

    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(ProcessDeadlineMs)) {
        *error = QStringLiteral("openssl %1 did not finish: %2")
                     .arg(arguments.join(u' '), process.errorString());
        process.kill();
        process.waitForFinished();
        return {};
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        *error =
            QStringLiteral("openssl %1 failed: %2")
                .arg(arguments.join(u' '), QString::fromLocal8Bit(process.readAllStandardError()));
        return {};
    }
    return process.readAllStandardOutput();
}

QSslCertificate makeSelfSignedCertificate(const QString& directory, const QString& subject,
                                          const QString& subjectAltName, QString* error)
{
    const QString stem =
        QDir(directory).filePath(QUuid::createUuid().toString(QUuid::WithoutBraces));
    QStringList arguments{QStringLiteral("req"),
                          QStringLiteral("-x509"),
                          QStringLiteral("-newkey"),
                          QStringLiteral("ec"),
                          QStringLiteral("-pkeyopt"),
                          QStringLiteral("ec_paramgen_curve:P-256"),
                          QStringLiteral("-nodes"),
                          QStringLiteral("-days"),
                          QStringLiteral("30"),
                          QStringLiteral("-subj"),
                          subject,
                          QStringLiteral("-keyout"),
                          stem + QStringLiteral(".key"),
                          QStringLiteral("-out"),
                          stem + QStringLiteral(".pem")};
    if (!subjectAltName.isEmpty()) {
        arguments << QStringLiteral("-addext")
                  << QStringLiteral("subjectAltName=") + subjectAltName;
    }

    // req writes its results to files; only the error matters here.
    static_cast<void>(runOpenSsl(arguments, error));
    if (!error->isEmpty()) {
        return QSslCertificate();
    }

    const QList<QSslCertificate> certificates =
        QSslCertificate::fromPath(stem + QStringLiteral(".pem"), QSsl::Pem);
    if (certificates.size() != 1) {
        *error = QStringLiteral("openssl wrote %1 certificates to %2.pem")
                     .arg(certificates.size())
                     .arg(stem);
        return QSslCertificate();
    }
    return certificates.first();
}

} // namespace LatchmailTest
