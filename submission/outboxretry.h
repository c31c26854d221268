// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>

namespace Latchmail {

/// When a message that met a transient failure (a 4xx reply, network or TLS trouble) is tried
/// again: after `initialDelaySeconds`, doubling with every further attempt up to
/// `maximumDelaySeconds`; once the message has waited `giveUpAfterSeconds` since it was queued,
/// it fails for good, so no message stays in the outbox forever (RFC 5321 4.5.4.1 suggests
/// giving up after four to five days).
struct OutboxRetryPolicy
{
    qint64 initialDelaySeconds = 60;
    qint64 maximumDelaySeconds = 3600;
    qint64 giveUpAfterSeconds = 5 * 24 * 3600;

    /// The time of the next attempt after `attempts` failed ones (attempts ≥ 1).
    [[nodiscard]] QDateTime nextAttempt(int attempts, const QDateTime& now) const;
    /// The delay before the next attempt after `attempts` failed ones, in seconds.
    [[nodiscard]] qint64 delaySeconds(int attempts) const;
    /// Whether a message queued at `queuedAt` has waited too long at `now`.
    [[nodiscard]] bool shouldGiveUp(const QDateTime& queuedAt, const QDateTime& now) const;
};

} // namespace Latchmail
