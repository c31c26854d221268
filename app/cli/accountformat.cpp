// SPDX-License-Identifier: GPL-3.0-or-later
// Plain-text renderings of accounts for `account list|show` and `security`.
#include "app/cli/accountformat.h"

#include "core/latch.h"

namespace Latchmail::Cli {

namespace {

constexpr Service kServices[] = {Service::MessageAccess, Service::MessageSubmission};

QString yesNo(bool value)
{
    return value ? QStringLiteral("yes") : QStringLiteral("no");
}

QString transportText(TransportSecurity transport)
{
    switch (transport) {
    case TransportSecurity::Cleartext:
        return QStringLiteral("cleartext (not encrypted)");
    case TransportSecurity::ImplicitTls:
        return QStringLiteral("implicit TLS");
    case TransportSecurity::StartTls:
        return QStringLiteral("STARTTLS");
    }
    return {};
}

QString highestVersion(const LatchSet& latches)
{
    const std::pair<QString, const char*> versions[] = {
        {LatchToken::Tls13, "TLS 1.3"},
        {LatchToken::Tls12, "TLS 1.2"},
        {LatchToken::Tls11, "TLS 1.1"},
        {LatchToken::Tls10, "TLS 1.0"},
    };
    for (const auto& [token, name] : versions) {
        if (latches.contains(token)) {
            return QString::fromLatin1(name);
        }
    }
    return {};
}

void printSettings(QTextStream& out, Service service, const Account& account)
{
    const ServiceSettings& settings = account.settings(service);
    out << serviceTitle(service) << QLatin1Char('\n');
    out << QStringLiteral("  Server:        ") << endpointText(settings) << QLatin1Char('\n');
    out << QStringLiteral("  TLS:           ") << tlsModeName(settings.tlsMode)
        << QLatin1Char('\n');
    out << QStringLiteral("  User:          ") << settings.userName << QLatin1Char('\n');
    out << QStringLiteral("  Cleartext:     ")
        << (settings.allowCleartext ? QStringLiteral("allowed (loopback only)")
                                    : QStringLiteral("refused"))
        << QLatin1Char('\n');
    if (!settings.extraCaFile.isEmpty()) {
        out << QStringLiteral("  Extra CAs:     ") << settings.extraCaFile << QLatin1Char('\n');
    }
    const LatchSet latches = account.latchRecord(service).latchSet();
    out << QStringLiteral("  Latches:       ")
        << (latches.isEmpty() ? QStringLiteral("none yet — the first connection sets them")
                              : latches.toString())
        << QLatin1String("\n\n");
}

void printLatches(QTextStream& out, const LatchRecord& record)
{
    if (record.latches.isEmpty()) {
        out << QStringLiteral("  Latches: none yet — the first successful connection sets them.\n");
        return;
    }
    out << QStringLiteral("  Latches (required on every connection):\n");
    for (const QString& token : record.latchSet().toList()) {
        out << QStringLiteral("    %1 since %2  %3\n")
                   .arg(token, -10)
                   .arg(textTime(record.latches.value(token)), latchMeaning(token));
    }
}

void printCertificate(QTextStream& out, const TlsObservation& observation)
{
    out << QStringLiteral("    Certificate:     ")
        << (observation.certificateVerified ? QStringLiteral("verified")
                                            : QStringLiteral("NOT verified — server identity "
                                                             "unknown"))
        << QLatin1Char('\n');
    if (!observation.chain.isEmpty()) {
        const CertificateInfo& leaf = observation.chain.first();
        out << QStringLiteral("      Subject:       ") << leaf.subject << QLatin1Char('\n');
        out << QStringLiteral("      Issuer:        ") << leaf.issuer << QLatin1Char('\n');
        out << QStringLiteral("      Valid from:    ") << textTime(leaf.notBefore) << '\n';
        out << QStringLiteral("      Expires:       ") << textTime(leaf.notAfter) << '\n';
        out << QStringLiteral("      SHA-256:       ") << leaf.sha256 << QLatin1Char('\n');
    }
    for (const QString& error : observation.verificationErrors) {
        out << QStringLiteral("      Error:         ") << error << QLatin1Char('\n');
    }
}

void printObservation(QTextStream& out, const LatchRecord& record)
{
    if (!record.hasObservation) {
        out << QStringLiteral("  Last connection: none recorded\n");
        return;
    }
    const TlsObservation& observation = record.lastObservation;
    out << QStringLiteral("  Last connection: ") << textTime(observation.observedAt) << '\n';
    out << QStringLiteral("    Transport:       ") << transportText(observation.transport) << '\n';
    if (!observation.isEncrypted()) {
        return;
    }
    out << QStringLiteral("    Protocol:        ") << tlsVersionName(observation.protocol) << '\n';
    out << QStringLiteral("    Cipher suite:    ") << observation.cipherIana
        << QStringLiteral(" (OpenSSL: ") << observation.cipherOpenSsl << QStringLiteral(")\n");
    out << QStringLiteral("    Key bits:        ") << observation.keyBits << QLatin1Char('\n');
    out << QStringLiteral("    Forward secrecy: ") << yesNo(observation.forwardSecrecy) << '\n';
    printCertificate(out, observation);
}

void printFailures(QTextStream& out, const LatchRecord& record)
{
    if (record.recentFailures.isEmpty()) {
        out << QStringLiteral("  Recent latch failures: none\n");
        return;
    }
    out << QStringLiteral("  Recent latch failures (newest last):\n");
    for (const LatchFailureRecord& failure : record.recentFailures) {
        out << QStringLiteral("    %1  failed: %2")
                   .arg(textTime(failure.at), failure.failed.toString());
        if (!failure.detail.isEmpty()) {
            out << QStringLiteral(" — ") << failure.detail;
        }
        out << QLatin1Char('\n');
    }
}

} // namespace

QString serviceTitle(Service service)
{
    return service == Service::MessageAccess ? QStringLiteral("Message access (IMAP)")
                                             : QStringLiteral("Message submission (SMTP)");
}

QString endpointText(const ServiceSettings& settings)
{
    const QString host = settings.host.contains(QLatin1Char(':'))
                             ? QLatin1Char('[') + settings.host + QLatin1Char(']')
                             : settings.host;
    if (settings.port == 0) {
        return host;
    }
    return host + QLatin1Char(':') + QString::number(settings.port);
}

QString textTime(const QDateTime& time)
{
    if (!time.isValid()) {
        return QStringLiteral("unknown");
    }
    return time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
}

QString latchSummary(const LatchRecord& record)
{
    const LatchSet latches = record.latchSet();
    if (latches.isEmpty()) {
        return QStringLiteral("no latches yet");
    }
    QStringList parts;
    if (const QString version = highestVersion(latches); !version.isEmpty()) {
        parts << version;
    }
    parts << (latches.contains(LatchToken::TlsCert) ? QStringLiteral("cert")
                                                    : QStringLiteral("cert not verified"));
    if (latches.contains(LatchToken::TlsPfs)) {
        parts << QStringLiteral("PFS");
    }
    if (const qsizetype unknown = latches.unknownTokens().size(); unknown > 0) {
        parts << QStringLiteral("%1 unknown latch(es): connections refused").arg(unknown);
    }
    return parts.join(QStringLiteral(", "));
}

QString errorText(const AccountStoreError& error)
{
    // The store's message names the file; make sure of it for every kind of error.
    if (error.filePath.isEmpty() || error.message.contains(error.filePath)) {
        return error.message;
    }
    return error.filePath + QStringLiteral(": ") + error.message;
}

QStringList listEntryColumns(const QString& id, const AccountLoadResult& result)
{
    if (!result.account) {
        return {id, QStringLiteral("ERROR: ") + errorText(*result.error)};
    }
    const Account& account = *result.account;
    return {id, account.address, endpointText(account.imap), endpointText(account.submission),
            QStringLiteral("imap: %1; submission: %2")
                .arg(latchSummary(account.latchRecord(Service::MessageAccess)),
                     latchSummary(account.latchRecord(Service::MessageSubmission)))};
}

void printAccount(QTextStream& out, const Account& account, const QString& filePath)
{
    out << QStringLiteral("Account:         ") << account.id << QLatin1Char('\n');
    out << QStringLiteral("Display name:    ") << account.displayName << QLatin1Char('\n');
    out << QStringLiteral("Address:         ") << account.address << QLatin1Char('\n');
    out << QStringLiteral("Success DSN:     ")
        << (account.requestSuccessDsn ? QStringLiteral("requested")
                                      : QStringLiteral("not requested"))
        << QLatin1Char('\n');
    out << QStringLiteral("File:            ") << filePath << QLatin1String("\n\n");
    for (const Service service : kServices) {
        printSettings(out, service, account);
    }
    out << QStringLiteral("Dates, observations and failures: latchmail-cli security ") << account.id
        << QLatin1Char('\n');
}

void printSecurity(QTextStream& out, const Account& account)
{
    out << QStringLiteral("Security of account ") << account.id << QStringLiteral(" (")
        << account.address << QStringLiteral(")\n");
    for (const Service service : kServices) {
        const LatchRecord record = account.latchRecord(service);
        out << QLatin1Char('\n') << serviceTitle(service) << QStringLiteral(": ")
            << endpointText(account.settings(service)) << QLatin1Char('\n');
        printLatches(out, record);
        printObservation(out, record);
        printFailures(out, record);
    }
    if (std::any_of(std::begin(kServices), std::end(kServices), [&](Service service) {
            return !account.latchRecord(service).latchSet().unknownTokens().isEmpty();
        })) {
        out << QStringLiteral("\nSome latches were recorded by a newer version of Latchmail. "
                              "They cannot be checked, so every connection is refused (fail "
                              "closed).\n");
    }
}

} // namespace Latchmail::Cli
