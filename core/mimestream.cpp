// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mimestream.h"

#include <QIODevice>

namespace {

struct LatchmailDeviceStream
{
    GMimeStream parent;
    QIODevice* device;
    qint64 written;
    gboolean failed;
};

struct LatchmailDeviceStreamClass
{
    GMimeStreamClass parentClass;
};

G_DEFINE_TYPE(LatchmailDeviceStream, latchmail_device_stream, GMIME_TYPE_STREAM)

LatchmailDeviceStream* asDeviceStream(GMimeStream* stream)
{
    return G_TYPE_CHECK_INSTANCE_CAST(stream, latchmail_device_stream_get_type(),
                                      LatchmailDeviceStream);
}

ssize_t deviceWrite(GMimeStream* stream, const char* buffer, size_t length)
{
    LatchmailDeviceStream* self = asDeviceStream(stream);
    qint64 done = 0;
    while (done < static_cast<qint64>(length)) {
        const qint64 n = self->device->write(buffer + done, static_cast<qint64>(length) - done);
        if (n <= 0) {
            self->failed = TRUE;
            return -1;
        }
        done += n;
    }
    self->written += done;
    stream->position += done;
    return static_cast<ssize_t>(done);
}

ssize_t deviceRead(GMimeStream*, char*, size_t)
{
    return -1;
}

int deviceFlush(GMimeStream*)
{
    return 0;
}

int deviceClose(GMimeStream*)
{
    return 0;
}

gboolean deviceEos(GMimeStream*)
{
    return TRUE;
}

int deviceReset(GMimeStream*)
{
    return -1;
}

gint64 deviceSeek(GMimeStream*, gint64, GMimeSeekWhence)
{
    return -1;
}

gint64 deviceTell(GMimeStream* stream)
{
    return stream->position;
}

gint64 deviceLength(GMimeStream*)
{
    return -1;
}

GMimeStream* deviceSubstream(GMimeStream*, gint64, gint64)
{
    return nullptr;
}

void latchmail_device_stream_class_init(LatchmailDeviceStreamClass* klass)
{
    GMimeStreamClass* streamClass = GMIME_STREAM_CLASS(klass);
    streamClass->read = deviceRead;
    streamClass->write = deviceWrite;
    streamClass->flush = deviceFlush;
    streamClass->close = deviceClose;
    streamClass->eos = deviceEos;
    streamClass->reset = deviceReset;
    streamClass->seek = deviceSeek;
    streamClass->tell = deviceTell;
    streamClass->length = deviceLength;
    streamClass->substream = deviceSubstream;
}

void latchmail_device_stream_init(LatchmailDeviceStream* self)
{
    self->device = nullptr;
    self->written = 0;
    self->failed = FALSE;
}

} // namespace

namespace Latchmail::GMimeSupport {

GMimeStream* newDeviceStream(QIODevice* device)
{
    auto* self = static_cast<LatchmailDeviceStream*>(
        g_object_new(latchmail_device_stream_get_type(), nullptr));
    self->device = device;
    g_mime_stream_construct(GMIME_STREAM(self), 0, -1);
    return GMIME_STREAM(self);
}

qint64 deviceStreamWritten(GMimeStream* stream)
{
    return asDeviceStream(stream)->written;
}

bool deviceStreamFailed(GMimeStream* stream)
{
    return asDeviceStream(stream)->failed != FALSE;
}

} // namespace Latchmail::GMimeSupport
