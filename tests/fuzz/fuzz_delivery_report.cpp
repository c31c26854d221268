// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzzes delivery report reading: whole messages and bare message/delivery-status content.
#include "submission/deliveryreport.h"
#include "submission/transitsecurity.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace Latchmail;
    const QByteArrayView input(reinterpret_cast<const char*>(data), qsizetype(size));

    const std::optional<DeliveryReport> report = parseDeliveryReport(input);
    if (report) {
        for (const DsnRecipientReport& recipient : report->recipients) {
            (void)recipient.reason();
            (void)recipient.isRecipient(QStringLiteral("bob@example.test"));
        }
        (void)report->matches(QStringLiteral("lm-7f3a9c"), QStringLiteral("bob@example.test"));
        (void)readTransitSecurityClaims(report->returnedHeaders).summary();
    }

    DeliveryReport status;
    if (parseDeliveryStatus(input, &status)) {
        (void)status.recipients.first().reason();
    }
    return 0;
}
