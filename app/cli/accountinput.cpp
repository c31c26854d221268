// SPDX-License-Identifier: GPL-3.0-or-later
// Validation of the server and address arguments of `account add`. Every function returns a
// precise reason instead of a bare "invalid".
#include "app/cli/accountinput.h"

#include <QHostAddress>
#include <QRegularExpression>

#include <algorithm>

namespace Latchmail::Cli {

namespace {

constexpr qsizetype kMaxHostLength = 253; // RFC 1035 section 2.3.4, without the final dot
constexpr qsizetype kMaxLabelLength = 63;

bool isAllDigits(QStringView text)
{
    return !text.isEmpty() &&
           std::all_of(text.begin(), text.end(), [](QChar c) { return c.isDigit(); });
}

// A host name per RFC 1123 section 2.1 (letters, digits, hyphens; labels of 1–63), or an IPv4
// address in dotted-quad form.
QString checkHostName(const QString& host)
{
    if (host.size() > kMaxHostLength) {
        return QStringLiteral("host name is longer than %1 characters").arg(kMaxHostLength);
    }
    static const QRegularExpression label(QStringLiteral("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"));
    const QStringList labels = host.split(QLatin1Char('.'));
    for (const QString& part : labels) {
        if (part.isEmpty()) {
            return QStringLiteral("host name '%1' has an empty label").arg(host);
        }
        if (part.size() > kMaxLabelLength) {
            return QStringLiteral("label '%1' is longer than %2 characters")
                .arg(part, QString::number(kMaxLabelLength));
        }
        if (!label.match(part).hasMatch()) {
            return QStringLiteral("'%1' is not a valid host name (letters, digits and '-' "
                                  "between dots)")
                .arg(host);
        }
    }

    // A name whose last label is numeric can only be meant as an IPv4 address.
    if (isAllDigits(labels.last())) {
        QHostAddress address;
        if (labels.size() != 4 || !address.setAddress(host) ||
            address.protocol() != QAbstractSocket::IPv4Protocol) {
            return QStringLiteral("'%1' is not a valid IPv4 address").arg(host);
        }
    }
    return {};
}

QString parsePort(const QString& text, quint16* port)
{
    if (text.isEmpty()) {
        return QStringLiteral("missing port after ':'");
    }
    if (!isAllDigits(text)) {
        return QStringLiteral("port '%1' is not a number").arg(text);
    }
    bool ok = false;
    const uint value = text.toUInt(&ok);
    if (!ok || value < 1 || value > 65535) {
        return QStringLiteral("port %1 is out of range (1–65535)").arg(text);
    }
    *port = static_cast<quint16>(value);
    return {};
}

QString parseBracketedIpv6(const QString& text, HostPort* out)
{
    const qsizetype close = text.indexOf(QLatin1Char(']'));
    if (close < 0) {
        return QStringLiteral("missing ']' after the IPv6 address");
    }
    const QString inner = text.mid(1, close - 1);
    QHostAddress address;
    if (!address.setAddress(inner) || address.protocol() != QAbstractSocket::IPv6Protocol) {
        return QStringLiteral("'%1' is not a valid IPv6 address").arg(inner);
    }
    if (!address.scopeId().isEmpty()) {
        return QStringLiteral("IPv6 scope ids ('%1') are not supported").arg(inner);
    }

    const QString rest = text.mid(close + 1);
    quint16 port = 0;
    if (!rest.isEmpty()) {
        if (!rest.startsWith(QLatin1Char(':'))) {
            return QStringLiteral("unexpected '%1' after the IPv6 address").arg(rest);
        }
        if (QString error = parsePort(rest.mid(1), &port); !error.isEmpty()) {
            return error;
        }
    }
    out->host = address.toString();
    out->port = port;
    return {};
}

} // namespace

QString parseHostPort(const QString& text, HostPort* out)
{
    if (text.isEmpty()) {
        return QStringLiteral("the server is empty");
    }
    if (text.startsWith(QLatin1Char('['))) {
        return parseBracketedIpv6(text, out);
    }
    if (text.count(QLatin1Char(':')) > 1) {
        return QStringLiteral("write an IPv6 address in brackets, as in [::1]:993");
    }

    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    const QString host = (colon < 0 ? text : text.left(colon)).toLower();
    if (host.isEmpty()) {
        return QStringLiteral("missing host before ':'");
    }
    if (QString error = checkHostName(host); !error.isEmpty()) {
        return error;
    }
    quint16 port = 0;
    if (colon >= 0) {
        if (QString error = parsePort(text.mid(colon + 1), &port); !error.isEmpty()) {
            return error;
        }
    }
    out->host = host;
    out->port = port;
    return {};
}

QString checkAddrSpec(const QString& address)
{
    // Limitation: only ASCII addresses are accepted — internationalised addresses (RFC 6532)
    // would need SMTPUTF8 on submission, which Latchmail does not negotiate.
    static const QRegularExpression dotAtom(
        QStringLiteral("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$"));
    static const QRegularExpression quotedString(
        QStringLiteral("^\"([\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]|\\\\[\\x20-\\x7E])*\"$"));
    static const QRegularExpression domainLiteral(
        QStringLiteral("^\\[[\\x21-\\x5A\\x5E-\\x7E]*\\]$"));

    // The local part may itself contain '@' inside quotes; the domain never does.
    const qsizetype at = address.lastIndexOf(QLatin1Char('@'));
    if (at < 0) {
        return QStringLiteral("'%1' has no '@'").arg(address);
    }
    const QString local = address.left(at);
    const QString domain = address.mid(at + 1);
    if (local.isEmpty()) {
        return QStringLiteral("'%1' has nothing before the '@'").arg(address);
    }
    if (domain.isEmpty()) {
        return QStringLiteral("'%1' has no domain after the '@'").arg(address);
    }
    if (!dotAtom.match(local).hasMatch() && !quotedString.match(local).hasMatch()) {
        return QStringLiteral("the local part '%1' is not a valid dot-atom or quoted string")
            .arg(local);
    }
    if (!dotAtom.match(domain).hasMatch() && !domainLiteral.match(domain).hasMatch()) {
        return QStringLiteral("the domain '%1' is not valid").arg(domain);
    }
    if (local.size() > 64) {
        return QStringLiteral("the local part is longer than 64 characters");
    }
    if (address.size() > 254) {
        return QStringLiteral("the address is longer than 254 characters");
    }
    return {};
}

bool isLoopbackHost(const QString& host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0) {
        return true;
    }
    QHostAddress address;
    return address.setAddress(host) && address.isLoopback();
}

} // namespace Latchmail::Cli
