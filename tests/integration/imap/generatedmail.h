// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Varied generated messages for IMAP tests and benchmarks: plain text with RFC 2047 encoded
// subjects and names, multipart/alternative, attachments with RFC 2231 file names, and one
// message with a large attachment. Deterministic: the same index gives the same message.

#include <QByteArray>
#include <QString>

namespace Latchmail::Test {

/// Message `index` (LF line ends, as Maildir stores them).
[[nodiscard]] QByteArray generatedMail(int index);

/// What a client should show for generatedMail(index).
[[nodiscard]] QString generatedSubject(int index);
[[nodiscard]] QString generatedFrom(int index);
/// The attachment's file name for indexes that have one (index % 4 == 2 or 3), else empty.
[[nodiscard]] QString generatedAttachmentName(int index);

/// A multipart/mixed message with a text part ("1") and a base64 attachment ("2",
/// "dataset.bin") of `attachmentBytes` decoded bytes.
[[nodiscard]] QByteArray mailWithLargeAttachment(qint64 attachmentBytes);

} // namespace Latchmail::Test
