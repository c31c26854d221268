// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/response.h"

#include <array>
#include <utility>

namespace Latchmail::Imap {

namespace {

using CodeToken = std::pair<ResponseCodeKind, const char*>;

// The one mapping between response codes and their wire names.
constexpr std::array codeTokens{
    CodeToken{ResponseCodeKind::Alert, "ALERT"},
    CodeToken{ResponseCodeKind::BadCharset, "BADCHARSET"},
    CodeToken{ResponseCodeKind::Capability, "CAPABILITY"},
    CodeToken{ResponseCodeKind::Parse, "PARSE"},
    CodeToken{ResponseCodeKind::PermanentFlags, "PERMANENTFLAGS"},
    CodeToken{ResponseCodeKind::ReadOnly, "READ-ONLY"},
    CodeToken{ResponseCodeKind::ReadWrite, "READ-WRITE"},
    CodeToken{ResponseCodeKind::TryCreate, "TRYCREATE"},
    CodeToken{ResponseCodeKind::UidNext, "UIDNEXT"},
    CodeToken{ResponseCodeKind::UidValidity, "UIDVALIDITY"},
    CodeToken{ResponseCodeKind::Unseen, "UNSEEN"},
    CodeToken{ResponseCodeKind::HighestModSeq, "HIGHESTMODSEQ"},
    CodeToken{ResponseCodeKind::NoModSeq, "NOMODSEQ"},
    CodeToken{ResponseCodeKind::Modified, "MODIFIED"},
    CodeToken{ResponseCodeKind::Closed, "CLOSED"},
    CodeToken{ResponseCodeKind::Referral, "REFERRAL"},
    CodeToken{ResponseCodeKind::AppendUid, "APPENDUID"},
    CodeToken{ResponseCodeKind::CopyUid, "COPYUID"},
    CodeToken{ResponseCodeKind::UidNotSticky, "UIDNOTSTICKY"},
    CodeToken{ResponseCodeKind::Unavailable, "UNAVAILABLE"},
    CodeToken{ResponseCodeKind::AuthenticationFailed, "AUTHENTICATIONFAILED"},
    CodeToken{ResponseCodeKind::AuthorizationFailed, "AUTHORIZATIONFAILED"},
    CodeToken{ResponseCodeKind::Expired, "EXPIRED"},
    CodeToken{ResponseCodeKind::PrivacyRequired, "PRIVACYREQUIRED"},
    CodeToken{ResponseCodeKind::ContactAdmin, "CONTACTADMIN"},
    CodeToken{ResponseCodeKind::NoPerm, "NOPERM"},
    CodeToken{ResponseCodeKind::InUse, "INUSE"},
    CodeToken{ResponseCodeKind::ExpungeIssued, "EXPUNGEISSUED"},
    CodeToken{ResponseCodeKind::Corruption, "CORRUPTION"},
    CodeToken{ResponseCodeKind::ServerBug, "SERVERBUG"},
    CodeToken{ResponseCodeKind::ClientBug, "CLIENTBUG"},
    CodeToken{ResponseCodeKind::Cannot, "CANNOT"},
    CodeToken{ResponseCodeKind::Limit, "LIMIT"},
    CodeToken{ResponseCodeKind::OverQuota, "OVERQUOTA"},
    CodeToken{ResponseCodeKind::AlreadyExists, "ALREADYEXISTS"},
    CodeToken{ResponseCodeKind::NonExistent, "NONEXISTENT"},
};

using StatusTokenPair = std::pair<Status, const char*>;

constexpr std::array statusTokens{
    StatusTokenPair{Status::Ok, "OK"},   StatusTokenPair{Status::No, "NO"},
    StatusTokenPair{Status::Bad, "BAD"}, StatusTokenPair{Status::PreAuth, "PREAUTH"},
    StatusTokenPair{Status::Bye, "BYE"},
};

} // namespace

QByteArray statusToken(Status status)
{
    for (const auto& [value, token] : statusTokens) {
        if (value == status) {
            return token;
        }
    }
    return {};
}

std::optional<Status> statusFromToken(QByteArrayView token)
{
    for (const auto& [value, name] : statusTokens) {
        if (token.compare(QByteArrayView(name), Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return std::nullopt;
}

QByteArray responseCodeToken(ResponseCodeKind kind)
{
    for (const auto& [value, token] : codeTokens) {
        if (value == kind) {
            return token;
        }
    }
    return {};
}

ResponseCodeKind responseCodeKindFromToken(QByteArrayView token)
{
    for (const auto& [value, name] : codeTokens) {
        if (token.compare(QByteArrayView(name), Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return ResponseCodeKind::Unknown;
}

} // namespace Latchmail::Imap
