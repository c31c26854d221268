// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "submission/smtpreply.h"
#include "submission/statusmessages.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace Latchmail {

/// One message to submit (RFC 5321 3.3): envelope, delivery-status-notification request
/// (RFC 3461) and the file holding the RFC 5322 message, streamed from disk during DATA.
struct MailTransaction
{
    QString reversePath;
    QStringList recipients;
    QString envelopeId;        // RFC 3461 ENVID; sent only when the server announces DSN
    bool notifySuccess = true; // NOTIFY=SUCCESS,DELAY,FAILURE; otherwise NOTIFY=DELAY,FAILURE
    bool needs8BitMime = false;
    bool needsSmtpUtf8 = false;
    QString messageFile;
};

/// What the server said about one recipient (RCPT TO).
struct RecipientReply
{
    QString address;
    bool accepted = false;
    bool permanent = false; // refused with 5xx
    QString reason;         // for the user when not accepted (describeReply)
};

/// The outcome of one mail transaction.
struct TransactionResult
{
    enum class Outcome {
        Accepted,       ///< 250 after the message data: the server took responsibility
        Refused,        ///< MAIL FROM, every RCPT TO, DATA or the message itself was refused
        RefusedLocally, ///< not sent: too large for SIZE, needs an extension the server lacks
    };

    Outcome outcome = Outcome::Refused;
    bool permanent = false;    // retrying the same transaction will fail again
    bool dsnRequested = false; // RET/ENVID/NOTIFY/ORCPT were sent (the server announced DSN)
    QList<RecipientReply> recipients;
    StatusMessage message; // why it was refused (empty explanation when accepted)
};

} // namespace Latchmail

Q_DECLARE_METATYPE(Latchmail::TransactionResult)
