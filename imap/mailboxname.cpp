// SPDX-License-Identifier: GPL-3.0-or-later
// Parses untrusted input: mailbox names sent by the server.
// Modified UTF-7 is written out here because neither Qt nor any library on the platform
// offers it; the BASE64 itself is Qt's.
#include "imap/mailboxname.h"

#include <QStringDecoder>

namespace Latchmail::Imap {

namespace {

bool isDirect(char16_t c)
{
    return c >= 0x20 && c <= 0x7e;
}

bool isModifiedBase64Char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == ',';
}

void flushShifted(QByteArray& out, QByteArray& utf16)
{
    if (utf16.isEmpty()) {
        return;
    }
    QByteArray base64 = utf16.toBase64(QByteArray::OmitTrailingEquals);
    base64.replace('/', ',');
    out += '&' + base64 + '-';
    utf16.clear();
}

bool setError(QString* error, const QString& message)
{
    if (error) {
        *error = message;
    }
    return false;
}

// Decodes one "&…-" run (without the delimiters) into UTF-16 code units appended to out.
bool decodeRun(QByteArrayView run, QString& out, QString* error)
{
    QByteArray base64 = run.toByteArray();
    base64.replace(',', '/');
    const auto decoded =
        QByteArray::fromBase64Encoding(base64, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || run.size() % 4 == 1) {
        return setError(error, QStringLiteral("malformed modified BASE64"));
    }
    if (decoded.decoded.size() % 2 != 0) {
        return setError(error, QStringLiteral("modified BASE64 run is not whole UTF-16"));
    }
    for (qsizetype i = 0; i < decoded.decoded.size(); i += 2) {
        const auto high = uchar(decoded.decoded.at(i));
        const auto low = uchar(decoded.decoded.at(i + 1));
        out.append(QChar(char16_t((high << 8) | low)));
    }
    return true;
}

bool validSurrogates(const QString& text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.isHighSurrogate()) {
            if (i + 1 >= text.size() || !text.at(i + 1).isLowSurrogate()) {
                return false;
            }
            ++i;
        } else if (c.isLowSurrogate()) {
            return false;
        }
    }
    return true;
}

std::optional<QString> decodeSyntax(QByteArrayView encoded, QString* error)
{
    QString out;
    qsizetype i = 0;
    while (i < encoded.size()) {
        const char c = encoded.at(i);
        if (uchar(c) < 0x20 || uchar(c) > 0x7e) {
            setError(error, QStringLiteral("byte 0x%1 at %2 is not allowed in modified UTF-7")
                                .arg(uchar(c), 2, 16, QLatin1Char('0'))
                                .arg(i));
            return std::nullopt;
        }
        if (c != '&') {
            out.append(QLatin1Char(c));
            ++i;
            continue;
        }
        qsizetype end = i + 1;
        while (end < encoded.size() && isModifiedBase64Char(encoded.at(end))) {
            ++end;
        }
        if (end >= encoded.size() || encoded.at(end) != '-') {
            setError(error,
                     QStringLiteral("'&' run starting at %1 is not terminated by '-'").arg(i));
            return std::nullopt;
        }
        if (end == i + 1) {
            out.append(QLatin1Char('&'));
        } else if (!decodeRun(encoded.sliced(i + 1, end - i - 1), out, error)) {
            return std::nullopt;
        }
        i = end + 1;
    }
    return out;
}

} // namespace

QByteArray encodeMailboxName(QStringView name)
{
    QByteArray out;
    QByteArray utf16;
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        if (isDirect(u)) {
            flushShifted(out, utf16);
            out += u == u'&' ? QByteArray("&-") : QByteArray(1, char(u));
        } else {
            utf16 += char(u >> 8);
            utf16 += char(u & 0xff);
        }
    }
    flushShifted(out, utf16);
    return out;
}

std::optional<QString> decodeMailboxName(QByteArrayView encoded, QString* error)
{
    std::optional<QString> decoded = decodeSyntax(encoded, error);
    if (!decoded) {
        return std::nullopt;
    }
    if (!validSurrogates(*decoded)) {
        setError(error, QStringLiteral("broken UTF-16 surrogate pair"));
        return std::nullopt;
    }
    if (decoded->contains(QChar(0))) {
        setError(error, QStringLiteral("NUL character in mailbox name"));
        return std::nullopt;
    }

    // Exactly one encoding per name: anything else (ASCII in a run, adjacent runs, stray
    // trailing bits) is how filters are bypassed, so reject it.
    if (encodeMailboxName(*decoded) != encoded) {
        setError(error, QStringLiteral("non-canonical modified UTF-7"));
        return std::nullopt;
    }
    return decoded;
}

QByteArray mailboxNameToWire(QStringView name, bool utf8Enabled)
{
    return utf8Enabled ? name.toUtf8() : encodeMailboxName(name);
}

std::optional<QString> mailboxNameFromWire(QByteArrayView wire, bool utf8Enabled, QString* error)
{
    if (!utf8Enabled) {
        return decodeMailboxName(wire, error);
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString name = decoder.decode(wire);
    if (decoder.hasError() || name.contains(QChar(0))) {
        setError(error, QStringLiteral("mailbox name is not valid UTF-8"));
        return std::nullopt;
    }
    return name;
}

} // namespace Latchmail::Imap
