// SPDX-License-Identifier: GPL-3.0-or-later
#include "sserver.h"

#include "freeport.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>

namespace Latchmail::Test {

namespace {

constexpr int startTimeoutMs = 30'000;
constexpr int portAttempts = 5;

QString protocolFlag(SServer::Protocol protocol)
{
    switch (protocol) {
    case SServer::Protocol::Any:
        return {};
    case SServer::Protocol::Tls1_1:
        return QStringLiteral("-tls1_1");
    case SServer::Protocol::Tls1_2:
        return QStringLiteral("-tls1_2");
    case SServer::Protocol::Tls1_3:
        return QStringLiteral("-tls1_3");
    }
    Q_UNREACHABLE();
}

} // namespace

SServer::SServer()
    : SServer(Options())
{
}

SServer::SServer(Options options)
    : m_options(std::move(options))
{
}

SServer::~SServer()
{
    stop();
}

QString SServer::caFile() const
{
    return TestCertificates::shared().caFile();
}

QList<QSslCertificate> SServer::caCertificates() const
{
    return TestCertificates::shared().caCertificates();
}

bool SServer::start()
{
    const TestCertificates& certificates = TestCertificates::shared();
    if (!certificates.isValid()) {
        m_error = certificates.errorString();
        return false;
    }
    for (int attempt = 0; attempt < portAttempts; ++attempt) {
        if (launch()) {
            writePidFile();
            return true;
        }
        // Another process took the port between picking and binding: pick another one.
        if (!m_errorOutput.contains("Address already in use")) {
            return false;
        }
    }
    return false;
}

QStringList SServer::buildArguments() const
{
    const TestCertificates& certificates = TestCertificates::shared();
    QStringList arguments{
        QStringLiteral("s_server"),
        QStringLiteral("-accept"),
        QStringLiteral("127.0.0.1:%1").arg(m_port),
        QStringLiteral("-cert"),
        certificates.certificateFile(m_options.cert),
        QStringLiteral("-key"),
        certificates.keyFile(m_options.cert),
        QStringLiteral("-dhparam"),
        certificates.dhParametersFile(),
    };
    if (const QString flag = protocolFlag(m_options.protocol); !flag.isEmpty()) {
        arguments << flag;
    }
    if (!m_options.cipher.isEmpty()) {
        arguments << QStringLiteral("-cipher") << m_options.cipher;
    }
    if (!m_options.cipherSuites.isEmpty()) {
        arguments << QStringLiteral("-ciphersuites") << m_options.cipherSuites;
    }
    if (m_options.acceptCount > 0) {
        arguments << QStringLiteral("-naccept") << QString::number(m_options.acceptCount);
    }
    if (m_options.trace) {
        arguments << QStringLiteral("-trace");
    }
    return arguments + m_options.extraArguments;
}

// Starts one s_server on a fresh port and waits for "ACCEPT" (printed once it listens).
bool SServer::launch()
{
    stop();
    m_port = pickFreePort();
    m_arguments = buildArguments();
    m_output.clear();
    m_errorOutput.clear();
    m_process = std::make_unique<QProcess>();
    // Standard input stays an open pipe: s_server exits when it closes.
    m_process->start(QStringLiteral("openssl"), m_arguments);
    if (!m_process->waitForStarted(startTimeoutMs)) {
        m_error = QStringLiteral("cannot run openssl: ") + m_process->errorString();
        return false;
    }

    const QDeadlineTimer deadline(startTimeoutMs);
    while (!output().contains("ACCEPT")) {
        if (m_process->state() != QProcess::Running || deadline.hasExpired()) {
            m_process->waitForFinished(100);
            errorOutput();
            m_error = QStringLiteral("openssl s_server did not start listening: ") +
                      QString::fromLocal8Bit(m_errorOutput);
            return false;
        }
        m_process->waitForReadyRead(100);
    }
    return true;
}

void SServer::stop()
{
    if (!m_process) {
        return;
    }
    output();
    errorOutput();
    if (m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(10'000);
    }
    m_process.reset();
    removePidFile();
}

bool SServer::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

QByteArray SServer::output()
{
    if (m_process) {
        m_output += m_process->readAllStandardOutput();
    }
    return m_output;
}

QByteArray SServer::errorOutput()
{
    if (m_process) {
        m_errorOutput += m_process->readAllStandardError();
    }
    return m_errorOutput;
}

void SServer::send(const QByteArray& data)
{
    if (m_process) {
        m_process->write(data);
        // Hand the bytes to the pipe now: a test may next block on its client socket, which runs
        // no event loop for QProcess.
        m_process->waitForBytesWritten(10'000);
    }
}

// Leaves "PID OWNER" where "mailstack.sh reap" finds it, should this process die without
// running its destructors while s_server somehow keeps running.
void SServer::writePidFile()
{
    const QString dir = testRunRoot() + QStringLiteral("/sserver");
    QDir().mkpath(dir);
    m_pidFile = dir + QLatin1Char('/') + QString::number(m_process->processId());
    QFile file(m_pidFile);
    if (file.open(QIODevice::WriteOnly)) {
        file.write(QByteArray::number(m_process->processId()) + ' ' +
                   QByteArray::number(QCoreApplication::applicationPid()) + '\n');
    }
}

void SServer::removePidFile()
{
    if (!m_pidFile.isEmpty()) {
        QFile::remove(m_pidFile);
        m_pidFile.clear();
    }
}

} // namespace Latchmail::Test
