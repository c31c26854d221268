// SPDX-License-Identifier: GPL-3.0-or-later
// The account model: service and TLS-mode names, default ports (RFC 8314 section 3.3 for
// implicit TLS, RFC 3501 / RFC 6409 for STARTTLS), and the per-(service, host) latch records
// (DEEP section 3.1).
#include "core/account.h"

#include "core/logging.h"

namespace Latchmail {

QString serviceName(Service service)
{
    switch (service) {
    case Service::MessageAccess:
        return QStringLiteral("imap");
    case Service::MessageSubmission:
        return QStringLiteral("submission");
    }
    return {};
}

bool serviceFromName(const QString& name, Service* out)
{
    for (const Service service : {Service::MessageAccess, Service::MessageSubmission}) {
        if (name == serviceName(service)) {
            *out = service;
            return true;
        }
    }
    return false;
}

QString tlsModeName(TlsMode mode)
{
    switch (mode) {
    case TlsMode::Auto:
        return QStringLiteral("auto");
    case TlsMode::Implicit:
        return QStringLiteral("implicit");
    case TlsMode::StartTls:
        return QStringLiteral("starttls");
    }
    return {};
}

bool tlsModeFromName(const QString& name, TlsMode* out)
{
    for (const TlsMode mode : {TlsMode::Auto, TlsMode::Implicit, TlsMode::StartTls}) {
        if (name == tlsModeName(mode)) {
            *out = mode;
            return true;
        }
    }
    return false;
}

quint16 defaultPort(Service service, TlsMode mode)
{
    // `auto` tries implicit TLS first (RFC 8314 section 3.3), so its default is the TLS port.
    const bool startTls = mode == TlsMode::StartTls;
    switch (service) {
    case Service::MessageAccess:
        return startTls ? 143 : 993;
    case Service::MessageSubmission:
        return startTls ? 587 : 465;
    }
    return 0;
}

LatchSet LatchRecord::latchSet() const
{
    return LatchSet::fromList(latches.keys());
}

bool LatchRecord::addLatches(const LatchSet& tokens, const QDateTime& now)
{
    bool changed = false;
    for (const QString& token : tokens.toList()) {
        if (latches.contains(token)) {
            continue; // the first time a latch was set is what the record keeps
        }
        if (!isValidLatchToken(token)) {
            // A malformed token could never be read back from the account file.
            qCWarning(lcCore) << "ignoring malformed latch token" << token;
            continue;
        }
        latches.insert(token, now);
        changed = true;
    }
    return changed;
}

void LatchRecord::addFailure(const LatchFailureRecord& failure)
{
    recentFailures.append(failure);
    while (recentFailures.size() > kMaxRecentFailures) {
        recentFailures.removeFirst();
    }
}

const ServiceSettings& Account::settings(Service service) const
{
    return service == Service::MessageAccess ? imap : submission;
}

ServiceSettings& Account::settings(Service service)
{
    return service == Service::MessageAccess ? imap : submission;
}

QString Account::recordKey(Service service, const QString& host)
{
    // Host names compare case-insensitively (RFC 4343); the configured spelling is the key.
    return serviceName(service) + QLatin1Char(':') + host.toLower();
}

LatchRecord Account::latchRecord(Service service) const
{
    return latchRecords.value(recordKey(service, settings(service).host));
}

LatchRecord& Account::latchRecordRef(Service service)
{
    return latchRecords[recordKey(service, settings(service).host)];
}

} // namespace Latchmail
