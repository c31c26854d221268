// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/latch.h"
#include "core/tlsobservation.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

namespace Latchmail {

/// The two services of a mail account whose latches are kept apart (DEEP 3.1).
enum class Service { MessageAccess, MessageSubmission };

[[nodiscard]] QString serviceName(Service service); // "imap", "submission"
[[nodiscard]] bool serviceFromName(const QString& name, Service* out);

/// How a connection becomes encrypted: implicit TLS (993/465), STARTTLS (143/587), or `auto`,
/// which tries implicit TLS first and STARTTLS second.
enum class TlsMode { Auto, Implicit, StartTls };

[[nodiscard]] QString tlsModeName(TlsMode mode); // "auto", "implicit", "starttls"
[[nodiscard]] bool tlsModeFromName(const QString& name, TlsMode* out);

/// Connection settings of one service as the user configured them.
struct ServiceSettings
{
    QString host; // as configured, before any DNS lookup: the latch key
    quint16 port = 0; // 0: the default port for the TLS mode
    TlsMode tlsMode = TlsMode::Auto;
    QString userName;
    bool allowCleartext = false;
    QString extraCaFile; // optional PEM file of extra trusted CAs

    friend bool operator==(const ServiceSettings&, const ServiceSettings&) = default;
};

/// The default port of a service for a TLS mode (993/143, 465/587).
[[nodiscard]] quint16 defaultPort(Service service, TlsMode mode);

/// A latch failure as recorded with the account: when, which latches, what was observed.
struct LatchFailureRecord
{
    QDateTime at;
    LatchSet failed;
    QString detail;

    friend bool operator==(const LatchFailureRecord&, const LatchFailureRecord&) = default;
};

/// Latch state for one (service, host): the latches with the time each was first set, the last
/// TLS observation, and the most recent failures (bounded).
struct LatchRecord
{
    QMap<QString, QDateTime> latches; // token -> first set
    TlsObservation lastObservation;
    bool hasObservation = false;
    QList<LatchFailureRecord> recentFailures; // newest last, at most kMaxRecentFailures

    static constexpr int kMaxRecentFailures = 20;

    [[nodiscard]] LatchSet latchSet() const;
    /// Adds tokens not yet present, stamping them with `now`. Returns true if anything changed.
    bool addLatches(const LatchSet& tokens, const QDateTime& now);
    void addFailure(const LatchFailureRecord& failure);

    friend bool operator==(const LatchRecord&, const LatchRecord&) = default;
};

/// One mail account: identity, the two services' settings, and their latch records.
struct Account
{
    QString id; // file name stem; letters, digits, '-', '_', '.'
    QString displayName;
    QString address;
    ServiceSettings imap;
    ServiceSettings submission;
    bool requestSuccessDsn = true;
    QMap<QString, LatchRecord> latchRecords; // key: recordKey(service, host)

    [[nodiscard]] const ServiceSettings& settings(Service service) const;
    [[nodiscard]] ServiceSettings& settings(Service service);

    [[nodiscard]] static QString recordKey(Service service, const QString& host);
    /// The record for the service's configured host (empty record when none yet).
    [[nodiscard]] LatchRecord latchRecord(Service service) const;
    [[nodiscard]] LatchRecord& latchRecordRef(Service service);

    friend bool operator==(const Account&, const Account&) = default;
};

} // namespace Latchmail
