// SPDX-License-Identifier: GPL-3.0-or-later
#include "submission/smtpcommand.h"

#include "core/mimeaddress.h"

#include <QCoreApplication>
#include <QStringList>

namespace Latchmail {

namespace {

constexpr qsizetype kMaxEnvelopeIdLength = 100; // RFC 3461 4.4

QString tr(const char* text)
{
    return QCoreApplication::translate("Latchmail::SmtpCommand", text);
}

SmtpCommandLine failed(const QString& error)
{
    return {{}, error};
}

// RFC 5321 4.1.1.1 / 4.1.3: a domain name or an address literal, nothing that could end the
// command line.
bool isEhloDomain(const QString& domain)
{
    if (domain.isEmpty() || domain.size() > 255) {
        return false;
    }
    if (domain.startsWith(QLatin1Char('[')) && domain.endsWith(QLatin1Char(']'))) {
        return std::all_of(domain.begin() + 1, domain.end() - 1, [](QChar c) {
            return c.unicode() < 0x80 &&
                   (c.isLetterOrNumber() || c == QLatin1Char(':') || c == QLatin1Char('.'));
        });
    }
    return std::all_of(domain.begin(), domain.end(), [](QChar c) {
        return c.unicode() < 0x80 &&
               (c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('.'));
    });
}

bool isPrintableAscii(const QString& text)
{
    return std::all_of(text.begin(), text.end(),
                       [](QChar c) { return c.unicode() >= 0x20 && c.unicode() < 0x7f; });
}

QByteArray notifyKeyword(DsnNotifyFlags notify)
{
    if (notify.testFlag(DsnNotify::Never)) {
        return "NEVER";
    }
    QByteArrayList conditions;
    if (notify.testFlag(DsnNotify::Success)) {
        conditions.append("SUCCESS");
    }
    if (notify.testFlag(DsnNotify::Delay)) {
        conditions.append("DELAY");
    }
    if (notify.testFlag(DsnNotify::Failure)) {
        conditions.append("FAILURE");
    }
    return conditions.join(',');
}

// RFC 3461 4.2 (and RFC 6533 3 for a non-ASCII local part): ORCPT=addr-type;xtext.
QByteArray originalRecipientParameter(const MailboxCheck& check)
{
    if (check.nonAsciiLocalPart) {
        return " ORCPT=utf-8;" + encodeUtf8AddressXtext(check.normalized);
    }
    return " ORCPT=rfc822;" + encodeXtext(check.normalized.toUtf8());
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

} // namespace

QString validateEnvelopeAddress(const QString& address)
{
    const MailboxCheck check = checkMailboxAddress(address);
    return check.valid ? QString() : check.error;
}

namespace SmtpCommand {

SmtpCommandLine ehlo(const QString& domain)
{
    if (!isEhloDomain(domain)) {
        return failed(tr("\"%1\" is not a domain name or address literal usable in EHLO.")
                          .arg(domain.left(100)));
    }
    return {"EHLO " + domain.toLatin1() + "\r\n", {}};
}

QByteArray startTls()
{
    return "STARTTLS\r\n";
}

SmtpCommandLine authPlain(const QString& user, const QString& password,
                          const QString& authorizationId)
{
    // RFC 4616 2: the three fields are separated by NUL, so none may contain one.
    for (const QString* field : {&user, &password, &authorizationId}) {
        if (field->contains(QChar(0))) {
            return failed(tr("The user name or password contains a NUL character, which "
                             "PLAIN authentication cannot carry."));
        }
    }
    if (user.isEmpty()) {
        return failed(tr("The user name is empty."));
    }

    QByteArray message = authorizationId.toUtf8() + '\0' + user.toUtf8() + '\0' + password.toUtf8();
    SmtpCommandLine line{"AUTH PLAIN " + message.toBase64() + "\r\n", {}};
    message.fill('\0');
    return line;
}

QByteArray authLogin()
{
    return "AUTH LOGIN\r\n";
}

QByteArray authResponse(const QString& value)
{
    return value.toUtf8().toBase64() + "\r\n";
}

QByteArray authCancel()
{
    return "*\r\n";
}

// RFC 5321 4.1.1.2 with SIZE (RFC 1870 3), BODY (RFC 6152 2), SMTPUTF8 (RFC 6531 3.4), RET and
// ENVID (RFC 3461 4.3, 4.4).
SmtpCommandLine mailFrom(const MailFromParameters& parameters)
{
    const MailboxCheck check = checkMailboxAddress(parameters.reversePath);
    if (!check.valid) {
        return failed(check.error);
    }
    if (check.nonAsciiLocalPart && !parameters.smtpUtf8) {
        return failed(tr("The sender address has non-ASCII characters, which need SMTPUTF8."));
    }
    if (parameters.envelopeId.size() > kMaxEnvelopeIdLength ||
        !isPrintableAscii(parameters.envelopeId)) {
        return failed(tr("The envelope identifier must be printable ASCII of at most 100 "
                         "characters."));
    }

    QByteArray line = "MAIL FROM:<" + check.normalized.toUtf8() + '>';
    if (parameters.size >= 0) {
        line += " SIZE=" + QByteArray::number(parameters.size);
    }
    if (parameters.body8BitMime) {
        line += " BODY=8BITMIME";
    }
    if (parameters.smtpUtf8) {
        line += " SMTPUTF8";
    }
    if (parameters.dsnReturn != DsnReturn::Unspecified) {
        line += parameters.dsnReturn == DsnReturn::Headers ? " RET=HDRS" : " RET=FULL";
    }
    if (!parameters.envelopeId.isEmpty()) {
        line += " ENVID=" + encodeXtext(parameters.envelopeId.toLatin1());
    }
    return {line + "\r\n", {}};
}

// RFC 5321 4.1.1.3 with NOTIFY and ORCPT (RFC 3461 4.1, 4.2).
SmtpCommandLine rcptTo(const RcptToParameters& parameters)
{
    const MailboxCheck check = checkMailboxAddress(parameters.forwardPath);
    if (!check.valid) {
        return failed(check.error);
    }
    const DsnNotifyFlags conditions = DsnNotify::Success | DsnNotify::Failure | DsnNotify::Delay;
    if (parameters.notify.testFlag(DsnNotify::Never) && (parameters.notify & conditions)) {
        return failed(tr("NOTIFY=NEVER cannot be combined with other conditions (RFC 3461 4.1)."));
    }

    QByteArray line = "RCPT TO:<" + check.normalized.toUtf8() + '>';
    if (parameters.notify != DsnNotifyFlags(DsnNotify::Unspecified)) {
        line += " NOTIFY=" + notifyKeyword(parameters.notify);
    }
    if (parameters.originalRecipient) {
        line += originalRecipientParameter(check);
    }
    return {line + "\r\n", {}};
}

QByteArray data()
{
    return "DATA\r\n";
}

QByteArray rset()
{
    return "RSET\r\n";
}

QByteArray quit()
{
    return "QUIT\r\n";
}

} // namespace SmtpCommand

QByteArray encodeXtext(QByteArrayView value)
{
    QByteArray encoded;
    encoded.reserve(value.size());
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= '!' && u <= '~' && u != '+' && u != '=') {
            encoded.append(c);
        } else {
            encoded.append('+').append(QByteArray::number(u, 16).rightJustified(2, '0').toUpper());
        }
    }
    return encoded;
}

QByteArray decodeXtext(QByteArrayView value)
{
    QByteArray decoded;
    decoded.reserve(value.size());
    for (qsizetype i = 0; i < value.size(); ++i) {
        if (value[i] == '+' && i + 2 < value.size() && hexValue(value[i + 1]) >= 0 &&
            hexValue(value[i + 2]) >= 0) {
            decoded.append(static_cast<char>(hexValue(value[i + 1]) * 16 + hexValue(value[i + 2])));
            i += 2;
        } else {
            decoded.append(value[i]);
        }
    }
    return decoded;
}

QByteArray encodeUtf8AddressXtext(const QString& address)
{
    QByteArray encoded;
    const QList<uint> codePoints = address.toUcs4();
    for (const uint codePoint : codePoints) {
        const bool plain = codePoint >= 0x21 && codePoint <= 0x7e && codePoint != '+' &&
                           codePoint != '=' && codePoint != '\\';
        if (plain) {
            encoded.append(static_cast<char>(codePoint));
        } else {
            encoded.append("\\x{" + QByteArray::number(codePoint, 16).toUpper() + '}');
        }
    }
    return encoded;
}

QString decodeUtf8AddressXtext(QByteArrayView value)
{
    const QByteArray plain = decodeXtext(value);
    QByteArray utf8;
    utf8.reserve(plain.size());
    for (qsizetype i = 0; i < plain.size(); ++i) {
        // EmbeddedUnicodeChar = "\x{" 1*6HEXDIG "}"
        if (plain.sliced(i).startsWith("\\x{")) {
            const QByteArrayView digits = QByteArrayView(plain).sliced(i + 3);
            const qsizetype length = digits.first(qMin<qsizetype>(digits.size(), 7)).indexOf('}');
            bool ok = false;
            const uint codePoint = length > 0 ? digits.first(length).toUInt(&ok, 16) : 0;
            const qsizetype close = i + 3 + length;
            if (ok && codePoint > 0 && codePoint <= 0x10FFFF) {
                const auto character = static_cast<char32_t>(codePoint);
                utf8.append(QString::fromUcs4(&character, 1).toUtf8());
                i = close;
                continue;
            }
        }
        utf8.append(plain[i]);
    }
    return QString::fromUtf8(utf8);
}

QByteArray DotStuffer::stuff(QByteArrayView chunk)
{
    QByteArray out;
    out.reserve(chunk.size() + chunk.size() / 32 + 4);
    const char* p = chunk.data();
    const char* const end = p + chunk.size();
    while (p < end) {
        if (m_pendingCr) {
            m_pendingCr = false;
            out.append("\r\n", 2);
            m_atLineStart = true;
            if (*p == '\n') {
                ++p;
                continue;
            }
        }
        if (m_atLineStart && *p == '.') {
            out.append('.');
        }

        // Copy the run of ordinary bytes up to the next line break in one piece.
        const char* const run = p;
        while (p < end && *p != '\r' && *p != '\n') {
            ++p;
        }
        if (p > run) {
            out.append(run, p - run);
            m_atLineStart = false;
        }

        if (p == end) {
            break;
        }
        if (*p == '\r') {
            m_pendingCr = true; // a CR LF pair may straddle two chunks
        } else {
            out.append("\r\n", 2);
            m_atLineStart = true;
        }
        ++p;
    }
    return out;
}

QByteArray DotStuffer::finish()
{
    QByteArray out;
    if (m_pendingCr) {
        out.append("\r\n");
    } else if (!m_atLineStart) {
        out.append("\r\n");
    }
    out.append(".\r\n");
    m_atLineStart = true;
    m_pendingCr = false;
    return out;
}

} // namespace Latchmail
