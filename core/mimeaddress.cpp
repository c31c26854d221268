// SPDX-License-Identifier: GPL-3.0-or-later
// Checks mailbox addresses typed by users or taken from received messages (untrusted input).
#include "core/mimeaddress.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QUrl>

namespace Latchmail {

namespace {

constexpr qsizetype kMaxLocalPartOctets = 64; // RFC 5321 4.5.3.1.1
constexpr qsizetype kMaxDomainOctets = 255;   // RFC 5321 4.5.3.1.2
constexpr qsizetype kMaxAddressOctets = 254;  // RFC 5321 4.5.3.1.3 path minus the brackets
constexpr qsizetype kMaxLabelOctets = 63;

QString tr(const char* text)
{
    return QCoreApplication::translate("Latchmail::MailboxCheck", text);
}

// The first character that can never appear in an address, described; empty when none.
QString forbiddenCharacter(const QString& address)
{
    for (const QChar c : address) {
        const char16_t u = c.unicode();
        if (u == '\r' || u == '\n') {
            return tr("contains a line break");
        }
        if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0)) {
            return tr("contains a control character");
        }
        if (c.isSpace()) {
            return tr("contains a space");
        }
        if (u == '<' || u == '>') {
            return tr("contains an angle bracket");
        }
    }
    return {};
}

// RFC 5322 3.2.3 atext, extended by RFC 6531 3.3 to every non-ASCII character.
bool isAtext(QChar c)
{
    if (c.unicode() >= 0x80) {
        return true;
    }
    static const QLatin1String specials("!#$%&'*+-/=?^_`{|}~");
    return c.isLetterOrNumber() || specials.contains(c);
}

QString checkLocalPart(const QString& local)
{
    if (local.isEmpty()) {
        return tr("has nothing before the @");
    }
    if (local.toUtf8().size() > kMaxLocalPartOctets) {
        return tr("has a local part longer than 64 octets");
    }
    if (local.startsWith(QLatin1Char('.')) || local.endsWith(QLatin1Char('.')) ||
        local.contains(QLatin1String(".."))) {
        return tr("has a misplaced dot before the @");
    }
    for (const QChar c : local) {
        if (c != QLatin1Char('.') && !isAtext(c)) {
            return tr("contains the character '%1' before the @, which is not allowed there")
                .arg(c);
        }
    }
    return {};
}

QString checkAddressLiteral(const QString& domain)
{
    QString inner = domain.mid(1, domain.size() - 2);
    if (inner.startsWith(QLatin1String("IPv6:"), Qt::CaseInsensitive)) {
        inner = inner.mid(5);
        if (QHostAddress(inner).protocol() == QAbstractSocket::IPv6Protocol) {
            return {};
        }
    } else if (QHostAddress(inner).protocol() == QAbstractSocket::IPv4Protocol &&
               inner.count(QLatin1Char('.')) == 3) {
        return {};
    }
    return tr("has an address literal that is not an IP address");
}

QString checkAsciiDomain(const QString& domain)
{
    if (domain.size() > kMaxDomainOctets) {
        return tr("has a domain longer than 255 octets");
    }
    const QStringList labels = domain.split(QLatin1Char('.'));
    for (const QString& label : labels) {
        if (label.isEmpty()) {
            return tr("has an empty label in the domain");
        }
        if (label.size() > kMaxLabelOctets) {
            return tr("has a domain label longer than 63 octets");
        }
        if (label.startsWith(QLatin1Char('-')) || label.endsWith(QLatin1Char('-'))) {
            return tr("has a domain label that starts or ends with a hyphen");
        }
        for (const QChar c : label) {
            const bool ldh = (c.unicode() < 0x80 && c.isLetterOrNumber()) || c == QLatin1Char('-');
            if (!ldh) {
                return tr("contains the character '%1' in the domain").arg(c);
            }
        }
    }
    return {};
}

// Returns the ASCII form of the domain in `ascii`, or an error.
QString checkDomain(const QString& domain, QString* ascii)
{
    if (domain.isEmpty()) {
        return tr("has nothing after the @");
    }
    if (domain.startsWith(QLatin1Char('[')) && domain.endsWith(QLatin1Char(']'))) {
        *ascii = domain;
        return checkAddressLiteral(domain);
    }

    *ascii = domain;
    const bool international =
        std::any_of(domain.begin(), domain.end(), [](QChar c) { return c.unicode() >= 0x80; });
    if (international) {
        *ascii = QString::fromLatin1(QUrl::toAce(domain, QUrl::AceProcessingOption{}));
        if (ascii->isEmpty()) {
            return tr("has an internationalised domain that cannot be converted (IDNA)");
        }
    }
    return checkAsciiDomain(*ascii);
}

} // namespace

MailboxCheck checkMailboxAddress(const QString& address)
{
    MailboxCheck check;
    const auto fail = [&](const QString& reason) {
        check.error = tr("The address \"%1\" %2.").arg(address.left(100), reason);
        return check;
    };

    if (address.isEmpty()) {
        check.error = tr("The address is empty.");
        return check;
    }
    const QString forbidden = forbiddenCharacter(address);
    if (!forbidden.isEmpty()) {
        return fail(forbidden);
    }
    const qsizetype at = address.lastIndexOf(QLatin1Char('@'));
    if (at < 0) {
        return fail(tr("has no @"));
    }

    const QString local = address.left(at);
    QString reason = checkLocalPart(local);
    QString asciiDomain;
    if (reason.isEmpty()) {
        reason = checkDomain(address.mid(at + 1), &asciiDomain);
    }
    if (reason.isEmpty() && (local + asciiDomain).toUtf8().size() + 1 > kMaxAddressOctets) {
        reason = tr("is longer than 254 octets");
    }
    if (!reason.isEmpty()) {
        return fail(reason);
    }

    check.valid = true;
    check.normalized = local + QLatin1Char('@') + asciiDomain;
    check.nonAsciiLocalPart =
        std::any_of(local.begin(), local.end(), [](QChar c) { return c.unicode() >= 0x80; });
    return check;
}

} // namespace Latchmail
