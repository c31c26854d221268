// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A GMime output stream that writes into a QIODevice, so GMime can serialise a message or
// decode a part straight into a file or socket without an intermediate copy. Internal to
// core/mime*: it exposes GMime types.

#include <gmime/gmime.h>

#include <QtGlobal>

class QIODevice;

namespace Latchmail::GMimeSupport {

/// A new write-only stream over `device` (not owned; must outlive the stream). Reading and
/// seeking fail.
[[nodiscard]] GMimeStream* newDeviceStream(QIODevice* device);

/// Bytes written so far through a stream made by newDeviceStream().
[[nodiscard]] qint64 deviceStreamWritten(GMimeStream* stream);

/// True once a write to the device failed.
[[nodiscard]] bool deviceStreamFailed(GMimeStream* stream);

} // namespace Latchmail::GMimeSupport
