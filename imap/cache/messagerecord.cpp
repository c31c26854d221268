// SPDX-License-Identifier: GPL-3.0-or-later
// Turns FETCH data (untrusted server input, already parsed) into cache records. GMime decodes
// the RFC 2047 words; this file only chooses what to keep and bounds it.
#include "imap/cache/messagerecord.h"

#include "core/gmimeinit.h"
#include "core/mimeheaders.h"
#include "imap/cache/structureserialization.h"

#include <gmime/gmime.h>

namespace Latchmail::Imap {

namespace {

// A display field longer than this is cut: no real subject or address list comes near it.
constexpr qsizetype kMaxDisplayBytes = 64 * 1024;

QString fromGChar(char* text)
{
    if (text == nullptr) {
        return {};
    }
    const QString result = QString::fromUtf8(text);
    g_free(text);
    return result;
}

QString decodePhrase(const QByteArray& raw)
{
    if (raw.isEmpty()) {
        return {};
    }
    ensureGMimeInitialized();
    return fromGChar(
               g_mime_utils_header_decode_phrase(nullptr, raw.left(kMaxDisplayBytes).constData()))
        .trimmed();
}

QString withoutAngleBrackets(const QByteArray& raw)
{
    QString id = QString::fromUtf8(raw.left(1000)).trimmed();
    if (id.startsWith(QLatin1Char('<')) && id.endsWith(QLatin1Char('>'))) {
        id = id.mid(1, id.size() - 2);
    }
    return id;
}

} // namespace

QString decodeHeaderText(const QByteArray& raw)
{
    if (raw.isEmpty()) {
        return {};
    }
    ensureGMimeInitialized();
    return fromGChar(
               g_mime_utils_header_decode_text(nullptr, raw.left(kMaxDisplayBytes).constData()))
        .simplified();
}

QString displayAddresses(const QList<Address>& addresses)
{
    QStringList shown;
    for (const Address& address : addresses) {
        if (address.isGroupStart() || address.isGroupEnd()) {
            continue;
        }
        MimeAddress mailbox;
        mailbox.name = decodePhrase(address.name);
        mailbox.address = QString::fromUtf8(address.addrSpec());
        shown.append(mailbox.toDisplayString());
    }
    return shown.join(QStringLiteral(", ")).left(kMaxDisplayBytes);
}

QStringList flagStrings(const QList<QByteArray>& flags)
{
    QStringList result;
    for (const QByteArray& flag : flags) {
        result.append(QString::fromUtf8(flag));
    }
    return result;
}

CachedMessage cachedMessageFrom(const FetchData& fetch)
{
    CachedMessage message;
    message.uid = fetch.uid.value_or(0);
    message.flags = flagStrings(fetch.flags.value_or(QList<QByteArray>()));
    if (fetch.envelope) {
        const Envelope& envelope = *fetch.envelope;
        message.subject = decodeHeaderText(envelope.subject);
        message.from = displayAddresses(envelope.from);
        message.to = displayAddresses(envelope.to);
        message.cc = displayAddresses(envelope.cc);
        message.date = parseMimeDate(envelope.date);
        message.messageId = withoutAngleBrackets(envelope.messageId);
        message.inReplyTo = withoutAngleBrackets(envelope.inReplyTo);
        message.envelopeRaw = serializeEnvelope(envelope);
    }
    if (fetch.internalDate) {
        message.internalDate = fetch.internalDate->toUTC();
    }
    message.size = qint64(qMin<quint64>(fetch.rfc822Size.value_or(0), quint64(LLONG_MAX)));
    if (fetch.bodyStructure) {
        message.bodyStructure = serializeBodyStructure(*fetch.bodyStructure);
    }
    message.modSeq = fetch.modSeq.value_or(0);
    return message;
}

} // namespace Latchmail::Imap
