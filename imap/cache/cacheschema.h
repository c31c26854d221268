// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

class QSqlDatabase;

namespace Latchmail::CacheSchema {

/// The schema version this build writes. Each version is one migration step, recorded in the
/// `schema_migrations` table when applied, so an older cache is upgraded in place.
inline constexpr int kCurrentVersion = 1;

/// The highest migration recorded in `db` (0 for a new, empty database), or -1 on error.
[[nodiscard]] int appliedVersion(QSqlDatabase& db, QString* error);

/// Applies every missing migration, each in its own transaction. Refuses a database written by
/// a newer version (its schema is unknown to this one) with a message saying so.
[[nodiscard]] bool migrate(QSqlDatabase& db, QString* error);

} // namespace Latchmail::CacheSchema
