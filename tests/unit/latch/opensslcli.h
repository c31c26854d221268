// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QSslCertificate>
#include <QString>
#include <QStringList>

namespace LatchmailTest {

/// Runs the `openssl` command-line tool. Returns its standard output, or sets `error` (missing
/// tool, failure to start, non-zero exit with its standard error) and returns nothing.
[[nodiscard]] QByteArray runOpenSsl(const QStringList& arguments, QString* error);

/// Generates a self-signed P-256 certificate in `directory` with `subject` (OpenSSL "/CN=…"
/// syntax) and, when not empty, the subjectAltName extension `subjectAltName` ("DNS:a,IP:…").
/// Returns a null certificate and sets `error` on failure.
[[nodiscard]] QSslCertificate makeSelfSignedCertificate(const QString& directory,
                                                        const QString& subject,
                                                        const QString& subjectAltName,
                                                        QString* error);

} // namespace LatchmailTest
