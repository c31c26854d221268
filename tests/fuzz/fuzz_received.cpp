// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzzes Received field reading: one field value, and the input as a whole header block.
#include "submission/transitsecurity.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace Latchmail;
    const QByteArrayView input(reinterpret_cast<const char*>(data), qsizetype(size));

    const ReceivedHopClaim hop = parseReceivedField(input);
    (void)hop.describe();
    (void)readTransitSecurityClaims(input).summary();
    (void)readTransitSecurityClaims(QList<QByteArray>{input.toByteArray()}).summary();
    return 0;
}
