// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QFlags>
#include <QString>

namespace Latchmail {

/// A command line ready to send (with its CRLF), or why it could not be built.
struct SmtpCommandLine
{
    QByteArray bytes;
    QString error;

    [[nodiscard]] bool isValid() const { return error.isEmpty() && !bytes.isEmpty(); }
};

/// RFC 3461 4.3: which parts of the message a failure report returns.
enum class DsnReturn { Unspecified, Headers, Full };

/// RFC 3461 4.1: when the recipient's server should report.
enum class DsnNotify { Unspecified = 0, Never = 1, Success = 2, Failure = 4, Delay = 8 };
Q_DECLARE_FLAGS(DsnNotifyFlags, DsnNotify)

/// What MAIL FROM carries (RFC 5321 4.1.1.2 and its extensions).
struct MailFromParameters
{
    QString reversePath;                          // the sender's address
    qint64 size = -1;                             // RFC 1870 SIZE; omitted when negative
    bool body8BitMime = false;                    // RFC 6152 BODY=8BITMIME
    bool smtpUtf8 = false;                        // RFC 6531 SMTPUTF8
    DsnReturn dsnReturn = DsnReturn::Unspecified; // RFC 3461 RET
    QString envelopeId; // RFC 3461 ENVID (printable ASCII, at most 100 characters)
};

/// What RCPT TO carries (RFC 5321 4.1.1.3, RFC 3461 4.1 and 4.2).
struct RcptToParameters
{
    QString forwardPath; // the recipient's address
    DsnNotifyFlags notify = DsnNotify::Unspecified;
    bool originalRecipient = false; // add ORCPT=rfc822;<address> (or utf-8; for RFC 6533)
};

/// Builders for the SMTP commands of message submission. Every address passes
/// validateEnvelopeAddress(); every parameter value is encoded as its RFC requires.
namespace SmtpCommand {

/// RFC 5321 4.1.1.1. `domain` is the client's name or address literal.
[[nodiscard]] SmtpCommandLine ehlo(const QString& domain);
/// RFC 3207 4.
[[nodiscard]] QByteArray startTls();
/// RFC 4954 4 with RFC 4616: "AUTH PLAIN" and the initial response
/// base64(authzid NUL authcid NUL password).
[[nodiscard]] SmtpCommandLine authPlain(const QString& user, const QString& password,
                                        const QString& authorizationId = {});
/// "AUTH LOGIN" (draft-murchison-sasl-login); the server then asks for user and password.
[[nodiscard]] QByteArray authLogin();
/// One answer to a 334 challenge of AUTH LOGIN: base64 of `value`.
[[nodiscard]] QByteArray authResponse(const QString& value);
/// RFC 4954 4: "*" cancels an authentication exchange.
[[nodiscard]] QByteArray authCancel();
[[nodiscard]] SmtpCommandLine mailFrom(const MailFromParameters& parameters);
[[nodiscard]] SmtpCommandLine rcptTo(const RcptToParameters& parameters);
/// RFC 5321 4.1.1.4.
[[nodiscard]] QByteArray data();
[[nodiscard]] QByteArray rset();
[[nodiscard]] QByteArray quit();

} // namespace SmtpCommand

/// Checks an address for use in MAIL FROM or RCPT TO (RFC 5321 4.1.2): nothing that could end
/// the command or the path early (CR, LF, "<", ">", spaces, control characters), a well-formed
/// local part and domain. Returns an empty string when valid, else the reason.
[[nodiscard]] QString validateEnvelopeAddress(const QString& address);

/// RFC 3461 4: xtext encoding ("+" and "=" and anything outside "!".."~" become "+HH").
[[nodiscard]] QByteArray encodeXtext(QByteArrayView value);
/// The inverse; malformed "+" sequences are kept as they are.
[[nodiscard]] QByteArray decodeXtext(QByteArrayView value);

/// RFC 6533 3: utf-8-addr-xtext, the 7-bit form of an internationalised address for ORCPT
/// ("\\x{HEX}" for non-ASCII characters and for "+", "=", "\\" and controls).
[[nodiscard]] QByteArray encodeUtf8AddressXtext(const QString& address);
/// The inverse of encodeUtf8AddressXtext(), also undoing plain "+HH" xtext escapes.
[[nodiscard]] QString decodeUtf8AddressXtext(QByteArrayView value);

/// RFC 5321 4.5.2 dot-stuffing for the DATA phase, one chunk at a time so a large message is
/// never copied whole. Line ends are normalised to CRLF (a bare CR or LF becomes CRLF), so the
/// end-of-data sequence can never appear early.
class DotStuffer
{
public:
    /// The transformed bytes of the next chunk of message content.
    [[nodiscard]] QByteArray stuff(QByteArrayView chunk);
    /// Ends the content: a CRLF if the last line was unfinished, then ".\r\n".
    [[nodiscard]] QByteArray finish();

private:
    bool m_atLineStart = true;
    bool m_pendingCr = false;
};

} // namespace Latchmail

Q_DECLARE_OPERATORS_FOR_FLAGS(Latchmail::DsnNotifyFlags)
