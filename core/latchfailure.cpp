// SPDX-License-Identifier: GPL-3.0-or-later
// The words shown to the user when a server no longer meets its security latches (DEEP 3.3).
#include "core/latchfailure.h"

#include <QStringList>

namespace Latchmail {

namespace {

// Version latches from the oldest to the newest.
const QStringList& versionLatches()
{
    static const QStringList versions = {LatchToken::Tls10, LatchToken::Tls11, LatchToken::Tls12,
                                         LatchToken::Tls13};
    return versions;
}

QString versionLatchWords(const QString& token)
{
    if (token == LatchToken::Tls13) {
        return QStringLiteral("TLS 1.3");
    }
    if (token == LatchToken::Tls12) {
        return QStringLiteral("TLS 1.2 or later");
    }
    if (token == LatchToken::Tls11) {
        return QStringLiteral("TLS 1.1 or later");
    }
    return QStringLiteral("TLS encryption with a key of at least 128 bits");
}

QString propertyLatchWords(const QString& token)
{
    if (token == LatchToken::TlsCert) {
        return QStringLiteral("a verified certificate");
    }
    if (token == LatchToken::TlsNoMd5) {
        return QStringLiteral("a cipher suite without MD5");
    }
    if (token == LatchToken::TlsNoRc4) {
        return QStringLiteral("a cipher suite without RC4");
    }
    if (token == LatchToken::TlsPfs) {
        return QStringLiteral("forward secrecy");
    }
    return QStringLiteral("the security property \u201c") + token +
           QStringLiteral("\u201d, which this version of Latchmail cannot check");
}

// "a", "a and b", "a, b and c" (or "a, b or c" after a negation).
QString joinedInWords(const QStringList& items, const QString& conjunction)
{
    if (items.size() <= 1) {
        return items.value(0);
    }
    return QStringList(items.mid(0, items.size() - 1)).join(QLatin1String(", ")) +
           QLatin1Char(' ') + conjunction + QLatin1Char(' ') + items.last();
}

// The latches in words. Of the version latches only one is named: the newest for what the
// server used to provide, the oldest for what it failed, which says the most in each case.
QString latchesInWords(const LatchSet& latches, bool newestVersion)
{
    QStringList words;
    QStringList versions;
    for (const QString& token : versionLatches()) {
        if (latches.contains(token)) {
            versions.append(token);
        }
    }
    if (!versions.isEmpty()) {
        words.append(versionLatchWords(newestVersion ? versions.last() : versions.first()));
    }

    for (const QString& token : latches.toList()) {
        if (!versionLatches().contains(token)) {
            words.append(propertyLatchWords(token));
        }
    }
    return joinedInWords(words, newestVersion ? QStringLiteral("and") : QStringLiteral("or"));
}

QString serviceInWords(Service service)
{
    switch (service) {
    case Service::MessageAccess:
        return QStringLiteral("incoming mail server (IMAP)");
    case Service::MessageSubmission:
        return QStringLiteral("outgoing mail server (submission)");
    }
    return {};
}

QString versionInWords(TlsVersion version)
{
    switch (version) {
    case TlsVersion::Tls10:
        return QStringLiteral("TLS 1.0");
    case TlsVersion::Tls11:
        return QStringLiteral("TLS 1.1");
    case TlsVersion::Tls12:
        return QStringLiteral("TLS 1.2");
    case TlsVersion::Tls13:
        return QStringLiteral("TLS 1.3");
    case TlsVersion::None:
    case TlsVersion::Unknown:
        break;
    }
    return QStringLiteral("an unknown TLS version");
}

// What the server offered this time, from the observation of the completed handshake.
QString offerInWords(const TlsObservation& observation)
{
    const QString suite =
        observation.cipherIana.isEmpty() ? observation.cipherOpenSsl : observation.cipherIana;
    QString words =
        versionInWords(observation.protocol) + QStringLiteral(" with the cipher suite ") + suite +
        QStringLiteral(" (") + QString::number(observation.keyBits) + QStringLiteral("-bit key, ") +
        (observation.forwardSecrecy ? QStringLiteral("with") : QStringLiteral("without")) +
        QStringLiteral(" forward secrecy)");
    if (observation.certificateVerified) {
        return words + QStringLiteral(", and its certificate was verified");
    }
    return words + QStringLiteral(", and its certificate could not be verified: ") +
           observation.verificationErrors.join(QLatin1String("; "));
}

QString offeredThisTime(const LatchFailure& failure)
{
    if (!failure.observation.isEncrypted()) {
        return QStringLiteral("It did not complete a secure connection that provides this.");
    }
    if (failure.handshakeRefused) {
        return QStringLiteral("It refused a connection with these protections. A second "
                              "connection without them, used only to check and closed at once, "
                              "showed that it now offers ") +
               offerInWords(failure.observation) + QLatin1Char('.');
    }
    return QStringLiteral("It offered ") + offerInWords(failure.observation) + QLatin1Char('.');
}

QString contactAdvice(const QString& providerName)
{
    const QString provider = providerName.isEmpty()
                                 ? QStringLiteral("your email service provider")
                                 : providerName + QStringLiteral(", your email service provider,");
    return QStringLiteral("Please contact ") + provider +
           QStringLiteral(" and tell them what this message says. Removing and re-creating the "
                          "account resets these requirements: do that only after your provider "
                          "has confirmed the change.");
}

} // namespace

QString LatchFailure::userMessage(const QString& providerName) const
{
    const QString server = serviceInWords(service) + QLatin1Char(' ') + host +
                           QStringLiteral(" (port ") + QString::number(port) + QLatin1Char(')');
    const QStringList paragraphs = {
        QStringLiteral("Latchmail refused to use the ") + server + QLatin1Char('.'),
        QStringLiteral("Until now this server always provided ") + latchesInWords(required, true) +
            QStringLiteral(". This time it did not provide ") + latchesInWords(failed, false) +
            QStringLiteral(". ") + offeredThisTime(*this),
        QStringLiteral("Nothing was sent to the server: no password and no message."),
        QStringLiteral("This can mean that someone is interfering with your connection to the "
                       "server, for example on a public network."),
        contactAdvice(providerName),
    };
    return paragraphs.join(QLatin1Char('\n'));
}

bool ChannelError::isSecurityRefusal() const
{
    switch (kind) {
    case Kind::StartTlsRefused:
    case Kind::PlaintextInjection:
    case Kind::CleartextRefused:
        return true;
    case Kind::Network:
    case Kind::Timeout:
    case Kind::Tls:
    case Kind::Protocol:
        break;
    }
    return false;
}

} // namespace Latchmail
