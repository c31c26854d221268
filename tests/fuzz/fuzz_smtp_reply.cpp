// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzzes the SMTP reply parser, EHLO reading, user messages and the wire log with server
// input split at a point chosen by the input itself.
#include "submission/ehlocapabilities.h"
#include "submission/smtpreply.h"
#include "submission/smtpwirelog.h"
#include "submission/statusmessages.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace Latchmail;
    const QByteArrayView input(reinterpret_cast<const char*>(data), qsizetype(size));
    const qsizetype split = size > 0 ? qsizetype(data[0]) % (qsizetype(size) + 1) : 0;

    SmtpReplyParser parser;
    parser.feed(input.first(split));
    SmtpReply reply;
    while (parser.takeReply(&reply)) {
        (void)EhloCapabilities::fromReply(reply);
        (void)describeReply(reply).text();
    }
    parser.feed(input.sliced(split));
    while (parser.takeReply(&reply)) {
        (void)EhloCapabilities::fromReply(reply);
        (void)describeReply(reply).text();
    }
    (void)parser.errorString();
    (void)EnhancedStatusCode::fromString(input);

    SmtpWireLog log;
    (void)log.record(SmtpWireLog::Direction::ServerToClient, input);
    (void)log.record(SmtpWireLog::Direction::ClientToServer, input);
    return 0;
}
