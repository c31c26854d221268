// SPDX-License-Identifier: GPL-3.0-or-later
// Short descriptions of latch states for the account list.
#include "ui/latchtext.h"

#include "core/latch.h"

#include <QMap>

namespace Latchmail::Ui {

namespace {

const QString kSeparator = QStringLiteral(" · ");

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

// The newest failure when it happened after the last good observation: the server's current
// state, as far as Latchmail knows.
const LatchFailureRecord* currentFailure(const LatchRecord& record)
{
    if (record.recentFailures.isEmpty()) {
        return nullptr;
    }
    const LatchFailureRecord& newest = record.recentFailures.last();
    if (record.hasObservation && record.lastObservation.observedAt > newest.at) {
        return nullptr;
    }
    return &newest;
}

QString latchedText(const LatchSet& latches)
{
    QStringList parts;
    if (const QString version = highestVersion(latches); !version.isEmpty()) {
        parts << version;
    }
    parts << (latches.contains(LatchToken::TlsCert) ? QStringLiteral("verified certificate")
                                                    : QStringLiteral("identity not verified"));
    if (latches.contains(LatchToken::TlsPfs)) {
        parts << QStringLiteral("forward secrecy");
    }
    if (const qsizetype unknown = latches.unknownTokens().size(); unknown > 0) {
        parts << (unknown == 1 ? QStringLiteral("1 latch from a newer version — connections "
                                                "refused")
                               : QStringLiteral("%1 latches from a newer version — connections "
                                                "refused")
                                     .arg(unknown));
    }
    return parts.join(kSeparator);
}

} // namespace

QString serviceTitle(Service service)
{
    return service == Service::MessageAccess ? QStringLiteral("Message access (IMAP)")
                                             : QStringLiteral("Message submission (SMTP)");
}

QString latchStatusText(const LatchRecord& record)
{
    QString text;
    const LatchSet latches = record.latchSet();
    if (!latches.isEmpty()) {
        text = latchedText(latches);
    } else if (record.hasObservation && !record.lastObservation.isEncrypted()) {
        text = QStringLiteral("no latches — last connection was not encrypted");
    } else {
        text = QStringLiteral("no latches yet — first connection pending");
    }

    if (const LatchFailureRecord* failure = currentFailure(record)) {
        text = QStringLiteral("refused %1 (%2)")
                   .arg(displayTime(failure->at), failure->failed.toString()) +
               kSeparator + text;
    }
    return text;
}

LatchTone latchTone(const LatchRecord& record)
{
    const LatchSet latches = record.latchSet();
    if (currentFailure(record) != nullptr || !latches.unknownTokens().isEmpty()) {
        return LatchTone::Problem;
    }
    if (latches.isEmpty()) {
        return LatchTone::Pending;
    }
    return latches.contains(LatchToken::TlsCert) ? LatchTone::Verified : LatchTone::Unverified;
}

QString displayTime(const QDateTime& time)
{
    if (!time.isValid()) {
        return QStringLiteral("unknown");
    }
    return time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

} // namespace Latchmail::Ui
