// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// GMime-typed entry points of mimeheaders.cpp, shared by the other core/mime* files only.

#include "core/mimeheaders.h"

#include <gmime/gmime.h>

namespace Latchmail {

/// The decoded display header fields of a parsed message.
[[nodiscard]] MimeHeaders readMimeHeaders(GMimeMessage* message);

/// Appends the unfolded fields of `list` to `out` until it holds `maxFields`.
void appendHeaderFields(GMimeHeaderList* list, QList<MimeHeaderField>* out, qsizetype maxFields);

} // namespace Latchmail
