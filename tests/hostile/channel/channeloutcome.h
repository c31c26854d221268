// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/securechannel.h"
#include "core/starttlspreamble.h"

#include <QObject>
#include <QString>

namespace Latchmail::Test {

/// The wire-style name of a channel error kind, used as the expected outcome in test tables.
inline QString channelErrorKindName(ChannelError::Kind kind)
{
    switch (kind) {
    case ChannelError::Kind::Network:
        return QStringLiteral("network");
    case ChannelError::Kind::Timeout:
        return QStringLiteral("timeout");
    case ChannelError::Kind::Tls:
        return QStringLiteral("tls");
    case ChannelError::Kind::StartTlsRefused:
        return QStringLiteral("starttls-refused");
    case ChannelError::Kind::PlaintextInjection:
        return QStringLiteral("plaintext-injection");
    case ChannelError::Kind::CleartextRefused:
        return QStringLiteral("cleartext-refused");
    case ChannelError::Kind::Protocol:
        return QStringLiteral("protocol");
    }
    return QStringLiteral("?");
}

/// Records how a channel (and optionally the STARTTLS preamble driving it) ended. `kind` is
/// empty until the first outcome: "secured", "latch-failure", "cleartext", "disconnected" or
/// the channelErrorKindName() of a failure. Later outcomes are counted in `outcomes`.
struct ChannelOutcome
{
    QString kind;
    int outcomes = 0;
    TlsObservation observation;
    LatchFailure latchFailure;
    ChannelError error;
    bool handedOver = false;

    void record(const QString& outcome)
    {
        if (kind.isEmpty()) {
            kind = outcome;
        }
        ++outcomes;
    }

    void watch(SecureChannel* channel)
    {
        QObject::connect(channel, &SecureChannel::secured, channel,
                         [this](const TlsObservation& secured) {
                             observation = secured;
                             record(QStringLiteral("secured"));
                         });
        QObject::connect(channel, &SecureChannel::latchViolated, channel,
                         [this](const LatchFailure& failure) {
                             latchFailure = failure;
                             record(QStringLiteral("latch-failure"));
                         });
        QObject::connect(channel, &SecureChannel::failed, channel,
                         [this](const ChannelError& failure) {
                             error = failure;
                             record(channelErrorKindName(failure.kind));
                         });
        QObject::connect(channel, &SecureChannel::disconnected, channel,
                         [this] { record(QStringLiteral("disconnected")); });
    }

    void watch(StartTlsPreamble* preamble)
    {
        QObject::connect(preamble, &StartTlsPreamble::handedOver, preamble,
                         [this] { handedOver = true; });
        QObject::connect(preamble, &StartTlsPreamble::cleartextOnly, preamble,
                         [this] { record(QStringLiteral("cleartext")); });
        QObject::connect(preamble, &StartTlsPreamble::failed, preamble,
                         [this](const ChannelError& failure) {
                             error = failure;
                             record(channelErrorKindName(failure.kind));
                         });
    }
};

} // namespace Latchmail::Test
