// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace Latchmail {

/// Turns an HTML body (untrusted input) into plain text for display: tags are removed, the
/// content of script, style, title and template elements is dropped, character references are
/// decoded and block elements become line breaks. Nothing is ever loaded: no images, style
/// sheets or links are followed. Runs in time linear in the input and never grows the text.
[[nodiscard]] QString htmlToPlainText(const QString& html);

} // namespace Latchmail
