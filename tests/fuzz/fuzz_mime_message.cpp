// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzzes message reading for display: headers, body choice (with HTML reduction) and
// attachment extraction, plus header-block reading for envelopes.
#include "core/mimeheaders.h"
#include "core/mimehtml.h"
#include "core/mimemessage.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace Latchmail;
    const QByteArrayView input(reinterpret_cast<const char*>(data), qsizetype(size));

    const std::optional<MimeMessage> message = MimeMessage::fromBytes(input);
    if (message) {
        (void)message->bodyText();
        for (int i = 0; i < message->attachments().size(); ++i) {
            (void)message->attachments().at(i).safeFileName();
            QByteArray content;
            (void)message->attachmentContent(i, &content);
        }
    }
    (void)parseMimeHeaderBlock(input);
    (void)htmlToPlainText(QString::fromUtf8(input));
    return 0;
}
