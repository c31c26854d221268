// SPDX-License-Identifier: GPL-3.0-or-later
// One mail transaction (RFC 5321 3.3): MAIL FROM with SIZE, BODY, SMTPUTF8, RET and ENVID;
// RCPT TO with NOTIFY and ORCPT; DATA with the message streamed from its file, dot-stuffed.
// With PIPELINING (RFC 2920) the envelope goes out in one write and the replies are matched in
// order; without it each command waits for its reply.
#include "core/logging.h"
#include "submission/session.h"
#include "submission/smtpcommand.h"

#include <QFileInfo>

namespace Latchmail {

namespace {

QString megabytes(qint64 octets)
{
    return QString::number(double(octets) / (1024.0 * 1024.0), 'f', 1) + QStringLiteral(" MB");
}

StatusMessage ourWords(const QString& explanation, bool permanent)
{
    StatusMessage message;
    message.voice = StatusVoice::ServerSaid;
    message.permanent = permanent;
    message.explanation = explanation;
    return message;
}

} // namespace

void SmtpSession::submit(const MailTransaction& transaction)
{
    if (m_state != State::Ready || m_failed) {
        qCWarning(lcSubmission) << "submit() called in state" << m_state;
        return;
    }
    m_transaction = transaction;
    m_result = TransactionResult();
    m_awaited.clear();
    m_rcptCommands.clear();
    m_mailFromCommand.clear();
    m_nextEnvelopeCommand = 0;
    m_rcptReplies = 0;
    m_mailFromAccepted = false;
    m_contentSent = false;
    setState(State::MailTransaction);

    if (m_needsReset) {
        // RFC 5321 4.1.1.5: the refused transaction before this one is cleared first.
        m_needsReset = false;
        m_awaited.append(Awaited::Reset);
        send(SmtpCommand::rset());
        return;
    }
    startTransaction();
}

QString SmtpSession::localRefusal() const
{
    const qint64 size = QFileInfo(m_transaction.messageFile).size();
    if (!QFileInfo(m_transaction.messageFile).isFile()) {
        return QStringLiteral("The message file %1 cannot be read.").arg(m_transaction.messageFile);
    }
    // RFC 1870 6: a message larger than the announced limit would be refused after transfer.
    if (m_capabilities.maxMessageSize > 0 && size > m_capabilities.maxMessageSize) {
        return QStringLiteral("The message is %1, but the server %2 accepts at most %3. Make it "
                              "smaller (for example by removing attachments).")
            .arg(megabytes(size), host(), megabytes(m_capabilities.maxMessageSize));
    }
    if (m_transaction.needs8BitMime && !m_capabilities.eightBitMime) {
        return QStringLiteral("The message contains 8-bit data (a forwarded message), which the "
                              "server %1 does not accept (no 8BITMIME).")
            .arg(host());
    }
    if (m_transaction.needsSmtpUtf8 && !m_capabilities.smtpUtf8) {
        return QStringLiteral("An address has non-ASCII characters before the @, which the "
                              "server %1 does not accept (no SMTPUTF8).")
            .arg(host());
    }
    if (m_transaction.recipients.isEmpty()) {
        return QStringLiteral("The message has no recipients.");
    }
    return {};
}

void SmtpSession::startTransaction()
{
    if (const QString refusal = localRefusal(); !refusal.isEmpty()) {
        refuseLocally(refusal);
        return;
    }

    const bool dsn = m_capabilities.dsn;
    MailFromParameters mail;
    mail.reversePath = m_transaction.reversePath;
    mail.size = m_capabilities.sizeAnnounced ? QFileInfo(m_transaction.messageFile).size() : -1;
    mail.body8BitMime = m_transaction.needs8BitMime;
    mail.smtpUtf8 = m_transaction.needsSmtpUtf8;
    if (dsn) {
        mail.dsnReturn = DsnReturn::Headers; // DEEP 5.4: RET=HDRS
        mail.envelopeId = m_transaction.envelopeId;
    }
    const SmtpCommandLine mailLine = SmtpCommand::mailFrom(mail);
    if (!mailLine.isValid()) {
        refuseLocally(QStringLiteral("The sender address cannot be used: %1").arg(mailLine.error));
        return;
    }
    m_mailFromCommand = mailLine.bytes;

    DsnNotifyFlags notify = DsnNotify::Delay | DsnNotify::Failure;
    if (m_transaction.notifySuccess) {
        notify |= DsnNotify::Success;
    }
    for (const QString& recipient : std::as_const(m_transaction.recipients)) {
        const SmtpCommandLine line = SmtpCommand::rcptTo(
            {recipient, dsn ? notify : DsnNotifyFlags(DsnNotify::Unspecified), dsn});
        if (!line.isValid()) {
            refuseLocally(QStringLiteral("The recipient address %1 cannot be used: %2")
                              .arg(recipient, line.error));
            return;
        }
        m_rcptCommands.append(line.bytes);
        m_result.recipients.append(RecipientReply{recipient, false, false, {}});
    }

    m_result.dsnRequested = dsn;
    // RFC 2920 only once TLS is up and the session authenticated: before that, replies must be
    // read one at a time so that nothing can be injected between them.
    m_pipelining = m_capabilities.pipelining && !m_cleartextSession &&
                   m_channel->state() == SecureChannel::State::Secured;
    sendEnvelope();
}

void SmtpSession::sendEnvelope()
{
    if (!m_pipelining) {
        sendNextEnvelopeCommand();
        return;
    }
    QByteArray batch = m_mailFromCommand;
    m_awaited.append(Awaited::MailFrom);
    for (const QByteArray& rcpt : std::as_const(m_rcptCommands)) {
        batch += rcpt;
        m_awaited.append(Awaited::RcptTo);
    }
    batch += SmtpCommand::data();
    m_awaited.append(Awaited::Data);
    send(batch);
}

void SmtpSession::sendNextEnvelopeCommand()
{
    const int index = m_nextEnvelopeCommand++;
    if (index == 0) {
        m_awaited.append(Awaited::MailFrom);
        send(m_mailFromCommand);
    } else if (index <= m_rcptCommands.size()) {
        m_awaited.append(Awaited::RcptTo);
        send(m_rcptCommands.at(index - 1));
    } else {
        m_awaited.append(Awaited::Data);
        send(SmtpCommand::data());
    }
}

void SmtpSession::handleTransactionReply(const SmtpReply& reply)
{
    if (m_awaited.isEmpty()) {
        handleUnexpectedReply(reply);
        return;
    }
    switch (m_awaited.takeFirst()) {
    case Awaited::Reset:
        startTransaction(); // whatever RSET answered, MAIL FROM tells whether the server is ready
        return;
    case Awaited::MailFrom:
        handleMailFromReply(reply);
        return;
    case Awaited::RcptTo:
        handleRcptToReply(reply);
        return;
    case Awaited::Data:
        handleDataReply(reply);
        return;
    case Awaited::EndOfData:
        handleEndOfDataReply(reply);
        return;
    }
}

void SmtpSession::handleMailFromReply(const SmtpReply& reply)
{
    m_mailFromAccepted = reply.isPositiveCompletion();
    if (m_mailFromAccepted) {
        if (!m_pipelining) {
            sendNextEnvelopeCommand();
        }
        return;
    }
    m_result.message = describeReply(reply);
    m_result.message.explanation =
        QStringLiteral("The server refused the sender address. ") + m_result.message.explanation;
    m_result.permanent = m_result.message.permanent;
    if (!m_pipelining) {
        refuseTransaction(reply);
    }
    // With pipelining the replies to RCPT TO and DATA are still on their way; the last of them
    // ends the transaction.
}

void SmtpSession::handleRcptToReply(const SmtpReply& reply)
{
    RecipientReply& recipient = m_result.recipients[m_rcptReplies++];
    recipient.accepted = reply.isPositiveCompletion();
    if (!recipient.accepted && m_mailFromAccepted) {
        const StatusMessage message = describeReply(reply);
        recipient.permanent = message.permanent;
        recipient.reason = message.text();
    }
    if (m_pipelining || !m_mailFromAccepted) {
        return;
    }
    if (m_rcptReplies < m_rcptCommands.size()) {
        sendNextEnvelopeCommand();
        return;
    }
    const bool anyAccepted = std::any_of(m_result.recipients.cbegin(), m_result.recipients.cend(),
                                         [](const RecipientReply& r) { return r.accepted; });
    if (!anyAccepted) {
        refuseTransaction(reply);
        return;
    }
    sendNextEnvelopeCommand(); // DATA
}

void SmtpSession::handleDataReply(const SmtpReply& reply)
{
    const bool anyAccepted = std::any_of(m_result.recipients.cbegin(), m_result.recipients.cend(),
                                         [](const RecipientReply& r) { return r.accepted; });
    if (reply.code == 354 && m_mailFromAccepted && anyAccepted) {
        setState(State::Data);
        m_awaited.append(Awaited::EndOfData);
        m_contentSent = startMessageContent();
        return;
    }
    if (reply.code == 354) {
        // RFC 2920 3.1: DATA was accepted although no recipient was; end it at once, empty.
        m_awaited.append(Awaited::EndOfData);
        send(QByteArrayLiteral(".\r\n"));
        return;
    }
    refuseTransaction(reply);
}

bool SmtpSession::startMessageContent()
{
    auto file = std::make_unique<QFile>(m_transaction.messageFile);
    if (!file->open(QIODevice::ReadOnly)) {
        fail(SubmissionError::Kind::Protocol,
             QStringLiteral("the message file %1 could not be read: %2")
                 .arg(m_transaction.messageFile, file->errorString()));
        return false;
    }
    m_content = std::move(file);
    m_stuffer = DotStuffer();
    continueMessageContent();
    return true;
}

// Streams the message file, dot-stuffed, while the channel holds less than the window; the
// channel's bytesWritten() calls this again as its buffers drain. The final dot goes out with
// the last piece.
void SmtpSession::continueMessageContent()
{
    while (m_content && m_channel->bytesToWrite() < kDataWindowBytes) {
        const QByteArray chunk = m_content->read(kDataChunkBytes);
        if (chunk.isEmpty()) {
            if (m_content->error() != QFileDevice::NoError) {
                // Closing the connection without the final dot makes the server discard it.
                fail(SubmissionError::Kind::Protocol,
                     QStringLiteral("the message file %1 could not be read: %2")
                         .arg(m_transaction.messageFile, m_content->errorString()));
                return;
            }
            m_content.reset();
            send(m_stuffer.finish());
            return;
        }
        if (!send(m_stuffer.stuff(chunk))) {
            return;
        }
    }
}

void SmtpSession::handleEndOfDataReply(const SmtpReply& reply)
{
    if (m_content) {
        // A reply before the final dot answers nothing we sent; taking a 250 here for the
        // message's acceptance could lose it. The message stays queued and is sent again.
        fail(SubmissionError::Kind::Protocol,
             QStringLiteral("%1 replied before the end of the message data: %2")
                 .arg(host(), describeReply(reply).text()));
        return;
    }
    if (!m_contentSent) {
        refuseTransaction(reply); // the empty DATA of a transaction without recipients
        return;
    }
    if (reply.isPositiveCompletion()) {
        m_result.outcome = TransactionResult::Outcome::Accepted;
        m_result.permanent = false;
        m_result.message = StatusMessage();
        finishTransaction(m_result);
        return;
    }
    m_result.message = describeReply(reply);
    m_result.message.explanation =
        QStringLiteral("The server refused the message. ") + m_result.message.explanation;
    m_result.permanent = m_result.message.permanent;
    m_needsReset = false; // the reply to the data ended the transaction (RFC 5321 4.1.1.4)
    TransactionResult result = m_result;
    result.outcome = TransactionResult::Outcome::Refused;
    finishTransaction(result);
}

// Ends a transaction the server refused before the message data: the reason is the sender's
// refusal when there was one, else that no recipient was accepted, else the DATA reply.
void SmtpSession::refuseTransaction(const SmtpReply& reply)
{
    TransactionResult result = m_result;
    result.outcome = TransactionResult::Outcome::Refused;
    const bool anyAccepted = std::any_of(result.recipients.cbegin(), result.recipients.cend(),
                                         [](const RecipientReply& r) { return r.accepted; });
    if (m_mailFromAccepted && !anyAccepted) {
        const bool allPermanent = std::all_of(result.recipients.cbegin(), result.recipients.cend(),
                                              [](const RecipientReply& r) { return r.permanent; });
        result.permanent = allPermanent;
        result.message = ourWords(QStringLiteral("The server accepted none of the recipients: ") +
                                      result.recipients.value(0).reason,
                                  allPermanent);
    } else if (m_mailFromAccepted) {
        result.message = describeReply(reply);
        result.message.explanation =
            QStringLiteral("The server refused the message data. ") + result.message.explanation;
        result.permanent = result.message.permanent;
    }
    m_needsReset = true;
    finishTransaction(result);
}

void SmtpSession::refuseLocally(const QString& reason)
{
    TransactionResult result;
    result.outcome = TransactionResult::Outcome::RefusedLocally;
    result.permanent = true;
    result.message = ourWords(reason, true);
    for (const QString& recipient : std::as_const(m_transaction.recipients)) {
        result.recipients.append(RecipientReply{recipient, false, false, {}});
    }
    finishTransaction(result);
}

void SmtpSession::finishTransaction(TransactionResult result)
{
    m_awaited.clear();
    setState(State::Ready);
    Q_EMIT transactionFinished(result);
}

} // namespace Latchmail
