// SPDX-License-Identifier: GPL-3.0-or-later
// Rows of damaged or invalid account documents, each with the error it must produce.
#pragma once

#include "core/accountstore.h"

#include <QByteArray>
#include <QMetaType>

Q_DECLARE_METATYPE(Latchmail::AccountStoreError::Kind)

namespace Latchmail::Fixtures {

/// Adds rows (json, kind, message) derived from the valid document `base` of account "work";
/// `message` is what follows "<file>: " in the error.
void addInvalidContentRows(const QByteArray& base);

} // namespace Latchmail::Fixtures
