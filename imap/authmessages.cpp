// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/authmessages.h"

#include "imap/tasks/imaptask.h"

namespace Latchmail::Imap {

QString responseCodeMeaning(ResponseCodeKind kind)
{
    switch (kind) {
    case ResponseCodeKind::AuthenticationFailed:
        return QStringLiteral("the user name or password was not accepted");
    case ResponseCodeKind::AuthorizationFailed:
        return QStringLiteral("the credentials are valid, but they may not be used for this "
                              "account");
    case ResponseCodeKind::Expired:
        return QStringLiteral("the password or the account has expired; renew it with your "
                              "email provider");
    case ResponseCodeKind::PrivacyRequired:
        return QStringLiteral("the server only accepts this login over a more private "
                              "connection");
    case ResponseCodeKind::ContactAdmin:
        return QStringLiteral("the server asks you to contact your email provider's support");
    case ResponseCodeKind::Unavailable:
        return QStringLiteral("the server cannot do this right now; try again later");
    case ResponseCodeKind::NoPerm:
        return QStringLiteral("the account has no permission for this");
    case ResponseCodeKind::InUse:
        return QStringLiteral("the mailbox is in use by another program");
    case ResponseCodeKind::OverQuota:
        return QStringLiteral("the account is over its storage quota");
    case ResponseCodeKind::NonExistent:
        return QStringLiteral("the mailbox does not exist");
    case ResponseCodeKind::AlreadyExists:
        return QStringLiteral("the mailbox already exists");
    case ResponseCodeKind::TryCreate:
        return QStringLiteral("the target mailbox does not exist");
    case ResponseCodeKind::Limit:
        return QStringLiteral("the request exceeds a limit of the server");
    case ResponseCodeKind::Cannot:
        return QStringLiteral("the server cannot do this");
    case ResponseCodeKind::ServerBug:
        return QStringLiteral("the server reported an internal error");
    case ResponseCodeKind::Corruption:
        return QStringLiteral("the server reported damaged data");
    case ResponseCodeKind::ClientBug:
        return QStringLiteral("the server considers the request faulty");
    case ResponseCodeKind::ExpungeIssued:
        return QStringLiteral("some messages were deleted in the meantime");
    default:
        return {};
    }
}

namespace {

QString withServerText(const QString& sentence, const TaggedResponse& response)
{
    if (response.text.trimmed().isEmpty()) {
        return sentence;
    }
    return sentence + QStringLiteral("; ") + serverSaid(response.text);
}

} // namespace

QString authenticationFailureMessage(const TaggedResponse& response, const QString& host)
{
    QString meaning = response.code ? responseCodeMeaning(response.code->kind) : QString();
    if (response.status == Status::Bad) {
        meaning = QStringLiteral("the server rejected the login request as malformed");
    } else if (meaning.isEmpty()) {
        meaning = QStringLiteral("the user name or password was not accepted");
    }
    return withServerText(QStringLiteral("Login to %1 failed: ").arg(host) + meaning, response);
}

QString commandFailureMessage(const QString& what, const TaggedResponse& response)
{
    const QString meaning = response.code ? responseCodeMeaning(response.code->kind) : QString();
    QString sentence = what + QStringLiteral(" failed");
    if (!meaning.isEmpty()) {
        sentence += QStringLiteral(": ") + meaning;
    }
    return withServerText(sentence, response);
}

} // namespace Latchmail::Imap
