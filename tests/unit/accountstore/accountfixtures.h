// SPDX-License-Identifier: GPL-3.0-or-later
// Accounts shared by the account store tests and the crash-test writer process.
#pragma once

#include "core/account.h"

#include <QTimeZone>

namespace Latchmail::Fixtures {

inline QDateTime utc(int year, int month, int day, int hour = 0, int minute = 0, int ms = 0)
{
    return QDateTime(QDate(year, month, day), QTime(hour, minute, 0, ms), QTimeZone::utc());
}

inline TlsObservation observation()
{
    TlsObservation tls;
    tls.transport = TransportSecurity::ImplicitTls;
    tls.protocol = TlsVersion::Tls13;
    tls.cipherIana = QStringLiteral("TLS_AES_128_GCM_SHA256");
    tls.cipherOpenSsl = QStringLiteral("TLS_AES_128_GCM_SHA256");
    tls.keyBits = 128;
    tls.forwardSecrecy = true;
    tls.certificateVerified = true;
    tls.chain.append(CertificateInfo{QStringLiteral("CN=imap.example.org"),
                                     QStringLiteral("CN=Example CA"), utc(2026, 1, 1),
                                     utc(2027, 1, 1),
                                     QStringLiteral("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"
                                                    "67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
                                                    "23:45:67:89")});
    tls.observedAt = utc(2026, 2, 3, 4, 5, 678);
    return tls;
}

/// A fully populated account: both services, latch records with an observation and failures.
inline Account fullAccount(const QString& id = QStringLiteral("work"))
{
    Account account;
    account.id = id;
    account.displayName = QStringLiteral("Work — Ünïcode");
    account.address = QStringLiteral("ann@example.org");
    account.imap = ServiceSettings{QStringLiteral("imap.example.org"),
                                   993,
                                   TlsMode::Implicit,
                                   QStringLiteral("ann"),
                                   false,
                                   QString()};
    account.submission = ServiceSettings{QStringLiteral("smtp.example.org"),
                                         587,
                                         TlsMode::StartTls,
                                         QStringLiteral("ann"),
                                         false,
                                         QStringLiteral("/etc/ssl/extra-ca.pem")};
    account.requestSuccessDsn = true;

    LatchRecord& imap = account.latchRecordRef(Service::MessageAccess);
    imap.addLatches({LatchToken::Tls10, LatchToken::Tls12, LatchToken::TlsCert}, utc(2026, 1, 2));
    imap.addLatches({LatchToken::TlsPfs}, utc(2026, 1, 5, 9, 30, 250));
    imap.lastObservation = observation();
    imap.hasObservation = true;
    imap.addFailure(LatchFailureRecord{
        utc(2026, 2, 1, 8), {LatchToken::TlsCert}, QStringLiteral("certificate expired")});

    LatchRecord& submission = account.latchRecordRef(Service::MessageSubmission);
    submission.addLatches({LatchToken::Tls10, LatchToken::Tls11}, utc(2026, 1, 3));
    return account;
}

/// Two different versions of one account, for the crash test: B is longer than A so that a torn
/// write of either could never parse as the other.
inline Account crashAccount(bool variantB)
{
    Account account = fullAccount(QStringLiteral("crash"));
    if (!variantB) {
        return account;
    }
    account.displayName = QStringLiteral("Crash test, second version with a longer name");
    LatchRecord& imap = account.latchRecordRef(Service::MessageAccess);
    imap.addLatches({LatchToken::Tls13, LatchToken::TlsNoMd5, LatchToken::TlsNoRc4},
                    utc(2026, 3, 1));
    for (int i = 0; i < 10; ++i) {
        imap.addFailure(LatchFailureRecord{
            utc(2026, 3, 2, i), {LatchToken::Tls13}, QStringLiteral("failure number %1").arg(i)});
    }
    return account;
}

} // namespace Latchmail::Fixtures
