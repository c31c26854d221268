// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/latch.h"

#include <QTest>

namespace Latchmail {

// Found by argument-dependent lookup, so QCOMPARE failures show the tokens.
inline char* toString(const LatchSet& set)
{
    return QTest::toString(QStringLiteral("{") + set.toString() + QStringLiteral("}"));
}

} // namespace Latchmail
