// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayList>
#include <QList>
#include <QSslCertificate>
#include <QSslError>
#include <QSslSocket>

/// A blocking, line-based IMAP/SMTP client over QSslSocket that speaks the raw protocol, so that
/// the mail-stack smoke test depends on nothing but Qt. It trusts only the given CA
/// certificates and verifies the peer as "localhost".
class LineClient
{
public:
    explicit LineClient(const QList<QSslCertificate>& caCertificates);

    /// Accept any certificate, but still record the verification errors.
    void setIgnoreSslErrors(bool ignore) { m_ignoreSslErrors = ignore; }

    bool connectPlain(quint16 port);
    bool connectTls(quint16 port);
    /// Starts the TLS handshake on a connected plaintext socket (after STARTTLS was accepted).
    bool startTls();

    /// One line without its line end; empty when none arrived within the timeout.
    QByteArray readLine(int timeoutMs = 15'000);
    void writeLine(const QByteArray& line);

    /// Sends "<tag> <command>" and returns every line up to and including the tagged reply.
    QByteArrayList imap(const QByteArray& command);
    /// Sends an SMTP command (none when empty) and returns the lines of its reply.
    QByteArrayList smtp(const QByteArray& command);

    QSslSocket& socket() { return m_socket; }
    /// The certificate verification errors of the last handshake.
    QList<QSslError> sslErrors() const { return m_socket.sslHandshakeErrors(); }

private:
    bool waitForEncrypted();

    QSslSocket m_socket;
    bool m_ignoreSslErrors = false;
    int m_tag = 0;
};
