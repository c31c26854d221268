// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Conversions between cache values and SQLite column values, shared by the MessageCache files.

#include <QDateTime>
#include <QString>
#include <QVariant>

namespace Latchmail::SqlValues {

/// Null strings would be bound as SQL NULL; the text columns are NOT NULL.
inline QVariant text(const QString& value)
{
    return value.isNull() ? QVariant(QStringLiteral("")) : QVariant(value);
}

/// Dates are stored as milliseconds since the epoch; an invalid date is NULL.
inline QVariant date(const QDateTime& at)
{
    return at.isValid() ? QVariant(at.toMSecsSinceEpoch()) : QVariant();
}

inline QDateTime dateFrom(const QVariant& value)
{
    return value.isNull() ? QDateTime()
                          : QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

} // namespace Latchmail::SqlValues
