// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/sessionobservation.h"

#include "core/ciphersuites.h"
#include "core/serveridentity.h"

#include <QCryptographicHash>
#include <QSslCipher>
#include <QSslSocket>
#include <QStringList>

namespace Latchmail {

namespace {

QString distinguishedName(const QSslCertificate& certificate, bool issuer)
{
    const QList<QByteArray> attributes =
        issuer ? certificate.issuerInfoAttributes() : certificate.subjectInfoAttributes();

    QStringList parts;
    for (const QByteArray& attribute : attributes) {
        const QStringList values =
            issuer ? certificate.issuerInfo(attribute) : certificate.subjectInfo(attribute);
        for (const QString& value : values) {
            parts.append(QString::fromLatin1(attribute) + QLatin1Char('=') + value);
        }
    }
    return parts.join(QLatin1String(", "));
}

TlsVersion versionOf(QSsl::SslProtocol protocol)
{
    switch (protocol) {
    case QSsl::TlsV1_3:
        return TlsVersion::Tls13;
    case QSsl::TlsV1_2:
        return TlsVersion::Tls12;
        QT_WARNING_PUSH
        QT_WARNING_DISABLE_DEPRECATED
    case QSsl::TlsV1_1:
        return TlsVersion::Tls11;
    case QSsl::TlsV1_0:
        return TlsVersion::Tls10;
        QT_WARNING_POP
    default:
        break;
    }
    return TlsVersion::Unknown;
}

// Why the certificate is not verified, in words a user can act on.
QStringList verificationProblems(const QSslSocket& socket, const QString& configuredHost,
                                 const QList<QSslError>& chainErrors)
{
    QStringList problems;
    for (const QSslError& error : chainErrors) {
        problems.append(error.errorString());
    }

    const IdentityResult identity = checkServerIdentity(configuredHost, socket.peerCertificate());
    if (identity != IdentityResult::Matched) {
        problems.append(identityResultText(identity));
    }
    problems.removeDuplicates();
    return problems;
}

} // namespace

CertificateInfo certificateInfo(const QSslCertificate& certificate)
{
    CertificateInfo info;
    info.subject = distinguishedName(certificate, false);
    info.issuer = distinguishedName(certificate, true);
    info.notBefore = certificate.effectiveDate().toUTC();
    info.notAfter = certificate.expiryDate().toUTC();
    info.sha256 =
        QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
    return info;
}

QList<QSslError> chainErrorsOnly(const QList<QSslError>& errors)
{
    QList<QSslError> chainErrors;
    for (const QSslError& error : errors) {
        if (error.error() != QSslError::HostNameMismatch && !chainErrors.contains(error)) {
            chainErrors.append(error);
        }
    }
    return chainErrors;
}

TlsObservation observeSession(const QSslSocket& socket, TransportSecurity transport,
                              const QString& configuredHost, const QList<QSslError>& chainErrors)
{
    TlsObservation observation;
    observation.transport = transport;
    observation.protocol = versionOf(socket.sessionProtocol());

    const CipherFacts facts = cipherFacts(socket.sessionCipher());
    observation.cipherIana = facts.iana;
    observation.cipherOpenSsl = facts.openSsl;
    observation.keyBits = facts.keyBits;
    observation.forwardSecrecy = facts.forwardSecrecy;
    observation.cipherUsesMd5 = facts.usesMd5;
    observation.cipherUsesRc4 = facts.usesRc4;

    for (const QSslCertificate& certificate : socket.peerCertificateChain()) {
        observation.chain.append(certificateInfo(certificate));
    }

    observation.verificationErrors = verificationProblems(socket, configuredHost, chainErrors);
    observation.certificateVerified =
        !observation.chain.isEmpty() && observation.verificationErrors.isEmpty();
    observation.observedAt = QDateTime::currentDateTimeUtc();
    return observation;
}

} // namespace Latchmail
