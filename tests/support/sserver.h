// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "testcertificates.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>

class QProcess;

namespace Latchmail::Test {

/// A real `openssl s_server` on 127.0.0.1 as a controllable TLS peer: chosen protocol version,
/// cipher suites and certificate variant, on a port picked at run time. Whatever a client sends
/// after the handshake, s_server prints to its standard output, so tests can assert which
/// application bytes reached the server (and that none did). Bytes given to send() go from the
/// server to the client. The server is stopped (and reaped) by stop() or the destructor; when
/// the test process dies, s_server sees its standard input close and exits by itself. Tests
/// using it declare `FIXTURES mailstack` (see MailStack).
class SServer
{
public:
    enum class Protocol {
        Any,    ///< whatever the local OpenSSL allows (TLS 1.2 and 1.3)
        Tls1_1, ///< -tls1_1; needs "@SECLEVEL=0" in the cipher string
        Tls1_2, ///< -tls1_2
        Tls1_3, ///< -tls1_3
    };

    struct Options
    {
        Protocol protocol = Protocol::Any;
        QString cipher;       ///< -cipher: TLS 1.2-and-below suites in OpenSSL names
        QString cipherSuites; ///< -ciphersuites: TLS 1.3 suites
        CertVariant cert = CertVariant::CaSigned;
        int acceptCount = 0; ///< -naccept: exit after that many connections; 0 = no limit
        bool trace = false;  ///< -trace: print every handshake message (offered suites, versions)
        QStringList extraArguments;
    };

    SServer();
    explicit SServer(Options options);
    ~SServer();
    SServer(const SServer&) = delete;
    SServer& operator=(const SServer&) = delete;

    /// Starts s_server and waits until it accepts connections. On failure, errorString() says
    /// why and output() holds what it printed.
    [[nodiscard]] bool start();
    void stop();
    bool isRunning() const;
    QString errorString() const { return m_error; }

    quint16 port() const { return m_port; }
    /// The command line, for failure messages.
    QStringList arguments() const { return m_arguments; }
    QString caFile() const;
    QList<QSslCertificate> caCertificates() const;

    /// Everything s_server printed on standard output so far: handshake summary ("CIPHER is
    /// …"), with -trace the handshake messages, and the application data it received.
    QByteArray output();
    /// Everything s_server printed on standard error so far.
    QByteArray errorOutput();
    /// Sends bytes to the connected client.
    void send(const QByteArray& data);

private:
    bool launch();
    QStringList buildArguments() const;
    void writePidFile();
    void removePidFile();

    Options m_options;
    std::unique_ptr<QProcess> m_process;
    QStringList m_arguments;
    QByteArray m_output;
    QByteArray m_errorOutput;
    QString m_pidFile;
    QString m_error;
    quint16 m_port = 0;
};

} // namespace Latchmail::Test
