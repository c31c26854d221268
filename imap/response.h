// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/bodystructure.h"
#include "imap/envelope.h"
#include "imap/sequenceset.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace Latchmail::Imap {

/// Status of a tagged or untagged status response (RFC 9051 section 7.1).
enum class Status { Ok, No, Bad, PreAuth, Bye };

/// The wire token ("OK", "NO", "BAD", "PREAUTH", "BYE").
[[nodiscard]] QByteArray statusToken(Status status);
/// Case-insensitive; nothing for anything else.
[[nodiscard]] std::optional<Status> statusFromToken(QByteArrayView token);

/// Response codes (RFC 9051 section 7.1, RFC 4315, RFC 7162, RFC 5530, RFC 2221).
enum class ResponseCodeKind {
    Unknown,
    Alert,
    BadCharset,
    Capability,
    Parse,
    PermanentFlags,
    ReadOnly,
    ReadWrite,
    TryCreate,
    UidNext,
    UidValidity,
    Unseen,
    HighestModSeq,
    NoModSeq,
    Modified,
    Closed,
    Referral,
    AppendUid,
    CopyUid,
    UidNotSticky,
    Unavailable,
    AuthenticationFailed,
    AuthorizationFailed,
    Expired,
    PrivacyRequired,
    ContactAdmin,
    NoPerm,
    InUse,
    ExpungeIssued,
    Corruption,
    ServerBug,
    ClientBug,
    Cannot,
    Limit,
    OverQuota,
    AlreadyExists,
    NonExistent,
};

/// The wire name ("ALERT", "UIDVALIDITY", …); "" for Unknown.
[[nodiscard]] QByteArray responseCodeToken(ResponseCodeKind kind);
/// Case-insensitive; Unknown for names this client does not know.
[[nodiscard]] ResponseCodeKind responseCodeKindFromToken(QByteArrayView token);

/// A bracketed response code: `[UIDVALIDITY 3857529045]`. Only the fields of its kind are set.
struct ResponseCode
{
    ResponseCodeKind kind = ResponseCodeKind::Unknown;
    QByteArray name;         ///< uppercased wire name, kept for unknown codes too
    QByteArray rawArguments; ///< everything after the name, for unknown codes and logging
    /// CAPABILITY (uppercased), PERMANENTFLAGS (flags, may contain "\*"), BADCHARSET.
    QList<QByteArray> atoms;
    /// UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ; the UIDVALIDITY of APPENDUID and COPYUID.
    quint64 number = 0;
    SequenceSet sourceUids;      ///< COPYUID source uid-set; MODIFIED set
    SequenceSet destinationUids; ///< COPYUID destination set; APPENDUID uid-set
    QByteArray url;              ///< REFERRAL (RFC 2221)
};

/// `tag OK|NO|BAD [code] text` — completes the command with that tag.
struct TaggedResponse
{
    QByteArray tag;
    Status status = Status::Ok; ///< only Ok, No or Bad
    std::optional<ResponseCode> code;
    QByteArray text;
};

/// `+ text`: the server waits for the rest of a command (literal data, SASL response, DONE).
struct ContinuationRequest
{
    QByteArray text; ///< raw; base64 during AUTHENTICATE
};

/// `* OK|NO|BAD|PREAUTH|BYE [code] text`.
struct UntaggedStatus
{
    Status status = Status::Ok;
    std::optional<ResponseCode> code;
    QByteArray text;
};

/// `* CAPABILITY …` (also ENABLED uses the same shape).
struct CapabilityData
{
    QList<QByteArray> capabilities; ///< uppercased
};

/// `* ENABLED …` (RFC 5161).
struct EnabledData
{
    QList<QByteArray> capabilities; ///< uppercased
};

/// `* LIST` / `* LSUB` (RFC 9051 section 7.3.1, RFC 6154 special-use flags, RFC 5258).
struct ListData
{
    bool isLsub = false;
    QList<QByteArray> flags;       ///< as sent, e.g. "\HasNoChildren", "\Sent"
    std::optional<char> delimiter; ///< nothing for NIL (flat namespace)
    QByteArray rawName;            ///< exactly as on the wire; use it in later commands
    QString name;                  ///< decoded (modified UTF-7, or UTF-8 in UTF-8 mode)
    bool nameValid = true;         ///< false: rawName is not a valid encoding; name is a
                                   ///< lossy display form only
    QList<QByteArray> childInfo;   ///< RFC 5258 CHILDINFO extended item, uppercased
    QByteArray rawOldName;         ///< RFC 9051 OLDNAME extended item, raw
};

/// `* STATUS mailbox (…)` (RFC 9051 section 7.3.2, RFC 7162 HIGHESTMODSEQ).
struct StatusData
{
    QByteArray rawName;
    QString name;
    bool nameValid = true;
    std::optional<quint64> messages;
    std::optional<quint64> recent;
    std::optional<quint64> uidNext;
    std::optional<quint64> uidValidity;
    std::optional<quint64> unseen;
    std::optional<quint64> deleted;
    std::optional<quint64> size;
    std::optional<quint64> highestModSeq;
};

/// `* FLAGS (…)`.
struct FlagsData
{
    QList<QByteArray> flags;
};

/// `* n EXISTS`.
struct ExistsData
{
    quint32 count = 0;
};

/// `* n RECENT` (IMAP4rev1 only).
struct RecentData
{
    quint32 count = 0;
};

/// `* n EXPUNGE`.
struct ExpungeData
{
    quint32 sequence = 0;
};

/// One BODY[section]<origin>, BINARY[section]<origin> or RFC822[.HEADER|.TEXT] item.
/// RFC822 is reported as section "", RFC822.HEADER as "HEADER", RFC822.TEXT as "TEXT".
struct BodySectionData
{
    QByteArray section;            ///< uppercased text between the brackets, e.g. "1.2", "HEADER"
    std::optional<quint32> origin; ///< the <origin> of a partial fetch
    bool binary = false;           ///< BINARY[…] (RFC 3516)
    bool isNil = false;
    /// The data, unless it was streamed to the LiteralSink (then empty, streamed true).
    QByteArray data;
    bool streamed = false;
    qint64 size = 0; ///< byte count of the data, streamed or not
};

/// `* n FETCH (…)` (RFC 9051 section 7.5.2). Only the attributes the server sent are set.
struct FetchData
{
    quint32 sequence = 0;
    std::optional<quint32> uid;
    std::optional<QList<QByteArray>> flags;
    std::optional<Envelope> envelope;
    std::optional<BodyPart> bodyStructure; ///< BODYSTRUCTURE, or BODY without section
    std::optional<quint64> rfc822Size;
    std::optional<QDateTime> internalDate; ///< invalid QDateTime when unparsable
    QByteArray rawInternalDate;
    std::optional<quint64> modSeq; ///< RFC 7162
    QList<BodySectionData> bodySections;
    QList<std::pair<QByteArray, quint64>> binarySizes; ///< BINARY.SIZE[section] (RFC 3516)
    QList<QByteArray> otherAttributes;                 ///< names of attributes skipped
};

/// `* SEARCH …` (RFC 9051 appendix E / RFC 3501), with RFC 7162 (MODSEQ n).
struct SearchData
{
    QList<quint32> numbers;
    std::optional<quint64> modSeq;
};

/// `* ESEARCH …` (RFC 4731, RFC 9051 section 7.3.4).
struct ESearchData
{
    QByteArray tag; ///< search correlator, empty when absent
    bool uid = false;
    std::optional<quint32> min;
    std::optional<quint32> max;
    std::optional<quint64> count;
    std::optional<SequenceSet> all;
    std::optional<quint64> modSeq;
};

/// `* VANISHED [(EARLIER)] uid-set` (RFC 7162 section 3.2.10).
struct VanishedData
{
    bool earlier = false;
    SequenceSet uids;
};

/// `* ID (…)` or `* ID NIL` (RFC 2971).
struct IdData
{
    QList<std::pair<QByteArray, QByteArray>> fields; ///< values NIL → null byte array
};

/// One namespace description of `* NAMESPACE` (RFC 2342).
struct NamespaceDescription
{
    QByteArray prefix;
    std::optional<char> delimiter;
};

/// `* NAMESPACE personal other shared`.
struct NamespaceData
{
    QList<NamespaceDescription> personal;
    QList<NamespaceDescription> otherUsers;
    QList<NamespaceDescription> shared;
};

/// Untagged data this parser does not interpret (QUOTA, METADATA, XLIST, …): kept, ignored.
struct UnknownData
{
    QByteArray name;               ///< uppercased response name, e.g. "QUOTA"
    std::optional<quint32> number; ///< the leading number of `* n NAME …`
    QByteArray rawText;            ///< the line text after the name (literal data not included)
};

/// One complete server response.
using Response =
    std::variant<TaggedResponse, ContinuationRequest, UntaggedStatus, CapabilityData, EnabledData,
                 ListData, StatusData, FlagsData, ExistsData, RecentData, ExpungeData, FetchData,
                 SearchData, ESearchData, VanishedData, IdData, NamespaceData, UnknownData>;

} // namespace Latchmail::Imap
