// SPDX-License-Identifier: GPL-3.0-or-later
// Turns SMTP reply codes and server text (untrusted input) into messages for the user. Server
// text is always shown as a quotation, attributed to the server, after sanitising.
#include "submission/statusmessages.h"

#include "submission/smtpreply.h"

#include <QCoreApplication>

namespace Latchmail {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("Latchmail::StatusMessages", text);
}

struct CodeMeaning
{
    int subject;
    int detail;
    const char* text;
};

// RFC 3463 3 and the IANA "Enumerated Status Codes" registry (RFC 5248), by subject.detail; the
// class (success, temporary, permanent) is told separately.
constexpr CodeMeaning kEnhancedMeanings[] = {
    {1, 1,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The recipient's address does not exist.")},
    {1, 2,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The recipient's domain does not exist or does not accept mail.")},
    {1, 3,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The recipient's address is not written correctly.")},
    {1, 4, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The recipient's address is ambiguous.")},
    {1, 6,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The recipient has moved and left no forwarding address.")},
    {1, 7,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "Your address is not written correctly.")},
    {1, 8,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The domain of your address was not accepted.")},
    {1, 10,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The recipient's domain does not accept mail (null MX).")},
    {2, 1, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The recipient's mailbox is disabled.")},
    {2, 2, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The recipient's mailbox is full.")},
    {2, 3,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message is larger than the recipient's mailbox accepts.")},
    {2, 4, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "A mailing list could not be expanded.")},
    {3, 1, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The mail server's storage is full.")},
    {3, 2,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The mail server is not accepting messages at the moment.")},
    {3, 3,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The mail server does not support a feature the message needs.")},
    {3, 4,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message is too large for the mail server.")},
    {3, 5,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The mail server is configured incorrectly.")},
    {4, 1, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The receiving server did not answer.")},
    {4, 2,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The connection to the receiving server broke.")},
    {4, 3,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "A directory server (such as DNS) failed.")},
    {4, 4,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "No route to the recipient's domain was found.")},
    {4, 5, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The mail system is congested.")},
    {4, 6,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message was going round in a loop between servers.")},
    {4, 7,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message could not be delivered in time and has expired.")},
    {5, 1,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The server did not recognise a command.")},
    {5, 2,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The server found a syntax error in a command.")},
    {5, 3,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message has too many recipients for the server.")},
    {5, 4,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The server did not accept a command's parameters.")},
    {5, 5,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The server uses a different protocol version.")},
    {5, 6,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "An authentication line was too long for the server.")},
    {6, 1,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The server does not support the message's content.")},
    {6, 2,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message would have to be converted, which is not allowed.")},
    {6, 3,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message would have to be converted, which the server cannot do.")},
    {6, 5, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "Converting the message failed.")},
    {6, 7,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "An address with non-ASCII characters is not accepted.")},
    {6, 9,
     QT_TRANSLATE_NOOP(
         "Latchmail::StatusMessages",
         "A message with international (UTF-8) headers cannot be passed on to a recipient.")},
    {7, 1,
     QT_TRANSLATE_NOOP(
         "Latchmail::StatusMessages",
         "The server refused the message by policy: you are not allowed to send it this way.")},
    {7, 2,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "Sending to this mailing list is not allowed.")},
    {7, 4,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "A security feature the message needs is not supported.")},
    {7, 8,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The user name or password was not accepted.")},
    {7, 9,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The server considers the sign-in method too weak.")},
    {7, 10,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The server requires encryption for this.")},
    {7, 11,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The server requires encryption for this sign-in method.")},
    {7, 12,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The server asks for a password change before you can sign in.")},
    {7, 13, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The account is disabled.")},
    {7, 14,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The server requires a trust relationship that is not in place.")},
    {7, 20,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message failed the recipient's sender checks (DKIM).")},
    {7, 21,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message failed the recipient's sender checks (DKIM).")},
    {7, 22,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message failed the recipient's sender checks (DKIM).")},
    {7, 23,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message failed the recipient's sender checks (SPF).")},
    {7, 24,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The recipient's sender checks (SPF) could not be completed.")},
    {7, 25,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The sending server failed the recipient's reverse DNS check.")},
    {7, 26,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The message failed several of the recipient's sender checks.")},
    {7, 27,
     QT_TRANSLATE_NOOP(
         "Latchmail::StatusMessages",
         "The domain of your address does not accept mail (null MX), so it may not send either.")},
    {7, 28, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The server detected a mail flood.")},
    {7, 30,
     QT_TRANSLATE_NOOP(
         "Latchmail::StatusMessages",
         "The message requires TLS on every hop (REQUIRETLS), which the server cannot guarantee.")},
};

// The subject alone (RFC 3463 3): the area a problem is in.
constexpr const char* kSubjectMeanings[] = {
    QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The mail system reported a problem."),
    QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "There is a problem with an address."),
    QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                      "There is a problem with the recipient's mailbox."),
    QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "There is a problem with the mail server."),
    QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "There is a network or routing problem."),
    QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                      "There is a problem in the conversation with the mail server."),
    QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                      "There is a problem with the message's content."),
    QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                      "The message was refused for security or policy reasons."),
};

struct ReplyMeaning
{
    int code;
    const char* text;
};

// RFC 5321 4.2.2 and 4.2.3, RFC 4954 6, RFC 3207 4, RFC 1870 6.
constexpr ReplyMeaning kReplyMeanings[] = {
    {421, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server is not available and closed the connection.")},
    {432, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server asks for a password change before you can sign in.")},
    {450,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The mailbox is not available at the moment.")},
    {451, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server had a local error while processing the message.")},
    {452, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server does not have enough storage at the moment.")},
    {454, QT_TRANSLATE_NOOP(
              "Latchmail::StatusMessages",
              "The server cannot do this at the moment (TLS or sign-in temporarily unavailable).")},
    {455,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                       "The server cannot accommodate the command's parameters at the moment.")},
    {500,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The server did not recognise a command.")},
    {501, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server found a syntax error in a command's parameters.")},
    {502,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The server does not implement a command.")},
    {503, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server received commands in an order it does not accept.")},
    {504, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server does not implement a command parameter.")},
    {530,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The server requires you to sign in first.")},
    {534, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server considers the sign-in method too weak.")},
    {535,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The user name or password was not accepted.")},
    {538, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server requires encryption for this sign-in method.")},
    {550, QT_TRANSLATE_NOOP(
              "Latchmail::StatusMessages",
              "The mailbox is not available (it may not exist, or the server refused by policy).")},
    {551,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The recipient is not local to the server.")},
    {552,
     QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The message exceeds the storage allowed.")},
    {553, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The mailbox name is not allowed.")},
    {554, QT_TRANSLATE_NOOP("Latchmail::StatusMessages", "The server refused the message.")},
    {555, QT_TRANSLATE_NOOP("Latchmail::StatusMessages",
                            "The server did not recognise a MAIL FROM or RCPT TO parameter.")},
};

QString replyCodeMeaning(int replyCode)
{
    for (const ReplyMeaning& meaning : kReplyMeanings) {
        if (meaning.code == replyCode) {
            return tr(meaning.text);
        }
    }
    switch (replyCode / 100) {
    case 2:
        return tr("The server accepted the request.");
    case 3:
        return tr("The server is waiting for more input.");
    case 4:
        return tr("The server could not do this at the moment.");
    case 5:
        return tr("The server refused the request.");
    default:
        return tr("The server gave a reply Latchmail does not know.");
    }
}

} // namespace

QString statusMeaning(int replyCode, const EnhancedStatusCode& enhanced)
{
    if (!enhanced.isValid()) {
        return replyCodeMeaning(replyCode);
    }
    if (enhanced.statusClass == 2) {
        return tr("Success.");
    }
    for (const CodeMeaning& meaning : kEnhancedMeanings) {
        if (meaning.subject == enhanced.subject && meaning.detail == enhanced.detail) {
            return tr(meaning.text);
        }
    }
    // An undefined detail (X.Y.0 or unregistered): the reply code is more specific than the
    // subject when there is one.
    if (replyCode != 0 && enhanced.detail == 0) {
        return replyCodeMeaning(replyCode);
    }
    if (enhanced.subject >= 0 && enhanced.subject < int(std::size(kSubjectMeanings))) {
        return tr(kSubjectMeanings[enhanced.subject]);
    }
    return tr(kSubjectMeanings[0]);
}

QString StatusMessage::text() const
{
    if (serverText.isEmpty()) {
        return explanation;
    }
    return explanation + QLatin1Char(' ') + tr("The server said: \u201C%1\u201D").arg(serverText);
}

StatusMessage describeReply(const SmtpReply& reply)
{
    const EnhancedStatusCode enhanced = reply.enhancedCode();
    StatusMessage message;
    message.voice = StatusVoice::ServerSaid;
    message.permanent = reply.isPermanentNegative() || enhanced.statusClass == 5;
    message.explanation = statusMeaning(reply.code, enhanced);
    if (reply.isTransientNegative() && !message.permanent) {
        message.explanation += QLatin1Char(' ') + tr("The server reports this as temporary.");
    }
    message.serverText = displaySafeServerText(reply.text());
    return message;
}

StatusMessage describeProtocolError(const QString& detail)
{
    StatusMessage message;
    message.voice = StatusVoice::ProtocolError;
    message.explanation = tr("Protocol error: %1").arg(displaySafeServerText(detail));
    return message;
}

StatusMessage describeConnectionTrouble(const QString& host, const QString& detail)
{
    StatusMessage message;
    message.voice = StatusVoice::ConnectionTrouble;
    message.explanation =
        tr("Could not talk to the server %1: %2").arg(host, displaySafeServerText(detail));
    return message;
}

QString displaySafeServerText(const QString& text, qsizetype maxLength)
{
    QString safe;
    safe.reserve(qMin(text.size(), maxLength + 1));
    for (const QChar c : text) {
        const QChar::Category category = c.category();
        if (category == QChar::Other_Control || category == QChar::Other_Format) {
            safe.append(QLatin1Char(' '));
        } else {
            safe.append(c);
        }
        if (safe.size() > maxLength * 2) {
            break;
        }
    }
    safe = safe.simplified();
    if (safe.size() > maxLength) {
        safe = safe.left(maxLength) + QChar(0x2026);
    }
    return safe;
}

} // namespace Latchmail
