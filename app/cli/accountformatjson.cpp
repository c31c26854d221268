// SPDX-License-Identifier: GPL-3.0-or-later
// JSON renderings of accounts for `--json` (shapes documented in the README; only ever extended
// by new keys).
#include "app/cli/accountformat.h"

#include "core/latch.h"

#include <QJsonArray>

namespace Latchmail::Cli {

namespace {

constexpr Service kServices[] = {Service::MessageAccess, Service::MessageSubmission};

QJsonValue isoTime(const QDateTime& time)
{
    if (!time.isValid()) {
        return QJsonValue::Null;
    }
    return time.toUTC().toString(Qt::ISODate);
}

QString errorKindName(AccountStoreError::Kind kind)
{
    switch (kind) {
    case AccountStoreError::Kind::NotFound:
        return QStringLiteral("not-found");
    case AccountStoreError::Kind::Unreadable:
        return QStringLiteral("unreadable");
    case AccountStoreError::Kind::Corrupt:
        return QStringLiteral("corrupt");
    case AccountStoreError::Kind::UnknownVersion:
        return QStringLiteral("unknown-version");
    case AccountStoreError::Kind::Invalid:
        return QStringLiteral("invalid");
    case AccountStoreError::Kind::WriteFailed:
        return QStringLiteral("write-failed");
    }
    return {};
}

QJsonObject settingsJson(const ServiceSettings& settings, const LatchRecord& record)
{
    return QJsonObject{
        {QStringLiteral("host"), settings.host},
        {QStringLiteral("port"), settings.port},
        {QStringLiteral("tls"), tlsModeName(settings.tlsMode)},
        {QStringLiteral("user"), settings.userName},
        {QStringLiteral("allowCleartext"), settings.allowCleartext},
        {QStringLiteral("caFile"), settings.extraCaFile.isEmpty()
                                       ? QJsonValue(QJsonValue::Null)
                                       : QJsonValue(settings.extraCaFile)},
        {QStringLiteral("latches"), QJsonArray::fromStringList(record.latchSet().toList())},
    };
}

QJsonObject certificateJson(const CertificateInfo& certificate)
{
    return QJsonObject{
        {QStringLiteral("subject"), certificate.subject},
        {QStringLiteral("issuer"), certificate.issuer},
        {QStringLiteral("notBefore"), isoTime(certificate.notBefore)},
        {QStringLiteral("notAfter"), isoTime(certificate.notAfter)},
        {QStringLiteral("sha256"), certificate.sha256},
    };
}

QJsonValue observationJson(const LatchRecord& record)
{
    if (!record.hasObservation) {
        return QJsonValue::Null;
    }
    const TlsObservation& observation = record.lastObservation;
    QJsonArray chain;
    for (const CertificateInfo& certificate : observation.chain) {
        chain.append(certificateJson(certificate));
    }
    return QJsonObject{
        {QStringLiteral("observedAt"), isoTime(observation.observedAt)},
        {QStringLiteral("transport"), transportSecurityName(observation.transport)},
        {QStringLiteral("protocol"), tlsVersionName(observation.protocol)},
        {QStringLiteral("cipherSuite"), observation.cipherIana},
        {QStringLiteral("cipherOpenSsl"), observation.cipherOpenSsl},
        {QStringLiteral("keyBits"), observation.keyBits},
        {QStringLiteral("forwardSecrecy"), observation.forwardSecrecy},
        {QStringLiteral("cipherUsesMd5"), observation.cipherUsesMd5},
        {QStringLiteral("cipherUsesRc4"), observation.cipherUsesRc4},
        {QStringLiteral("certificateVerified"), observation.certificateVerified},
        {QStringLiteral("verificationErrors"),
         QJsonArray::fromStringList(observation.verificationErrors)},
        {QStringLiteral("certificate"),
         chain.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(chain.first())},
        {QStringLiteral("chain"), chain},
    };
}

QJsonArray latchesJson(const LatchRecord& record)
{
    QJsonArray latches;
    for (const QString& token : record.latchSet().toList()) {
        latches.append(QJsonObject{
            {QStringLiteral("token"), token},
            {QStringLiteral("firstSet"), isoTime(record.latches.value(token))},
            {QStringLiteral("known"), isKnownLatch(token)},
            {QStringLiteral("meaning"), latchMeaning(token)},
        });
    }
    return latches;
}

QJsonArray failuresJson(const LatchRecord& record)
{
    QJsonArray failures;
    for (const LatchFailureRecord& failure : record.recentFailures) {
        failures.append(QJsonObject{
            {QStringLiteral("at"), isoTime(failure.at)},
            {QStringLiteral("failed"), QJsonArray::fromStringList(failure.failed.toList())},
            {QStringLiteral("detail"), failure.detail},
        });
    }
    return failures;
}

QJsonObject serviceSecurityJson(const Account& account, Service service)
{
    const ServiceSettings& settings = account.settings(service);
    const LatchRecord record = account.latchRecord(service);
    return QJsonObject{
        {QStringLiteral("host"), settings.host},
        {QStringLiteral("port"), settings.port},
        {QStringLiteral("tls"), tlsModeName(settings.tlsMode)},
        {QStringLiteral("latches"), latchesJson(record)},
        {QStringLiteral("lastObservation"), observationJson(record)},
        {QStringLiteral("recentFailures"), failuresJson(record)},
    };
}

} // namespace

QJsonObject listEntryJson(const QString& id, const AccountLoadResult& result)
{
    if (!result.account) {
        const AccountStoreError& error = *result.error;
        return QJsonObject{
            {QStringLiteral("id"), id},
            {QStringLiteral("ok"), false},
            {QStringLiteral("error"),
             QJsonObject{{QStringLiteral("kind"), errorKindName(error.kind)},
                         {QStringLiteral("file"), error.filePath},
                         {QStringLiteral("message"), errorText(error)}}},
        };
    }
    const Account& account = *result.account;
    QJsonObject services;
    for (const Service service : kServices) {
        const ServiceSettings& settings = account.settings(service);
        services.insert(serviceName(service),
                        QJsonObject{{QStringLiteral("host"), settings.host},
                                    {QStringLiteral("port"), settings.port},
                                    {QStringLiteral("latches"),
                                     QJsonArray::fromStringList(
                                         account.latchRecord(service).latchSet().toList())}});
    }
    return QJsonObject{
        {QStringLiteral("id"), id},
        {QStringLiteral("ok"), true},
        {QStringLiteral("address"), account.address},
        {QStringLiteral("displayName"), account.displayName},
        {QStringLiteral("services"), services},
        {QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings)},
    };
}

QJsonObject accountJson(const Account& account, const QString& filePath)
{
    QJsonObject services;
    for (const Service service : kServices) {
        services.insert(serviceName(service),
                        settingsJson(account.settings(service), account.latchRecord(service)));
    }
    return QJsonObject{
        {QStringLiteral("id"), account.id},
        {QStringLiteral("displayName"), account.displayName},
        {QStringLiteral("address"), account.address},
        {QStringLiteral("requestSuccessDsn"), account.requestSuccessDsn},
        {QStringLiteral("file"), filePath},
        {QStringLiteral("services"), services},
    };
}

QJsonObject securityJson(const Account& account)
{
    QJsonObject services;
    for (const Service service : kServices) {
        services.insert(serviceName(service), serviceSecurityJson(account, service));
    }
    return QJsonObject{
        {QStringLiteral("id"), account.id},
        {QStringLiteral("address"), account.address},
        {QStringLiteral("services"), services},
    };
}

} // namespace Latchmail::Cli
