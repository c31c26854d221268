// SPDX-License-Identifier: GPL-3.0-or-later
#include "submission/outboxretry.h"

#include <QtGlobal>

namespace Latchmail {

qint64 OutboxRetryPolicy::delaySeconds(int attempts) const
{
    qint64 delay = qMax<qint64>(0, initialDelaySeconds);
    const qint64 cap = qMax(delay, maximumDelaySeconds);
    // Doubling stops at the cap, so the loop is short and cannot overflow.
    for (int i = 1; i < attempts && delay < cap; ++i) {
        delay = delay == 0 ? 0 : delay * 2;
    }
    return qMin(delay, cap);
}

QDateTime OutboxRetryPolicy::nextAttempt(int attempts, const QDateTime& now) const
{
    return now.addSecs(delaySeconds(qMax(1, attempts)));
}

bool OutboxRetryPolicy::shouldGiveUp(const QDateTime& queuedAt, const QDateTime& now) const
{
    return queuedAt.isValid() && queuedAt.secsTo(now) >= giveUpAfterSeconds;
}

} // namespace Latchmail
