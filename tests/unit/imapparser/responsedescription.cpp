// SPDX-License-Identifier: GPL-3.0-or-later
#include "responsedescription.h"

#include <QRandomGenerator>

#include <variant>

namespace Latchmail::Imap::Test {

namespace {

QByteArray joined(const QList<QByteArray>& items, char separator = ' ')
{
    return items.join(separator);
}

QByteArray number(std::optional<quint64> n)
{
    return n ? QByteArray::number(*n) : QByteArray("-");
}

QByteArray nstring(const QByteArray& bytes)
{
    return bytes.isNull() ? QByteArray("NIL") : quoted(bytes);
}

QByteArray parameters(const BodyParameters& params)
{
    QList<QByteArray> items;
    for (const auto& [name, value] : params) {
        items.append(name + '=' + nstring(value));
    }
    return '{' + joined(items, ',') + '}';
}

QByteArray addresses(const QList<Address>& list)
{
    QList<QByteArray> items;
    for (const Address& a : list) {
        items.append('(' + nstring(a.name) + ' ' + nstring(a.adl) + ' ' + nstring(a.mailbox) + ' ' +
                     nstring(a.host) + ')');
    }
    return '[' + joined(items) + ']';
}

QByteArray delimiter(std::optional<char> d)
{
    return d ? quoted(QByteArray(1, *d)) : QByteArray("NIL");
}

QByteArray responseText(Status status, const std::optional<ResponseCode>& code,
                        const QByteArray& text)
{
    QByteArray out = statusToken(status);
    if (code) {
        out += ' ' + describe(*code);
    }
    return out + ' ' + quoted(text);
}

QByteArray section(const BodySectionData& s)
{
    QByteArray out = (s.binary ? "BINARY[" : "BODY[") + s.section + ']';
    if (s.origin) {
        out += '<' + QByteArray::number(*s.origin) + '>';
    }
    if (s.isNil) {
        return out + "=NIL";
    }
    out += '=' + QByteArray::number(s.size) + (s.streamed ? " streamed" : " ") + quoted(s.data);
    return out;
}

QByteArray fetch(const FetchData& f)
{
    QList<QByteArray> items{"FETCH " + QByteArray::number(f.sequence)};
    if (f.uid) {
        items.append("UID=" + QByteArray::number(*f.uid));
    }
    if (f.flags) {
        items.append("FLAGS=(" + joined(*f.flags) + ')');
    }
    if (f.rfc822Size) {
        items.append("RFC822.SIZE=" + QByteArray::number(*f.rfc822Size));
    }
    if (f.internalDate) {
        items.append("INTERNALDATE=" + quoted(f.rawInternalDate) + '=' +
                     f.internalDate->toUTC().toString(Qt::ISODate).toLatin1());
    }
    if (f.modSeq) {
        items.append("MODSEQ=" + QByteArray::number(*f.modSeq));
    }
    if (f.envelope) {
        items.append("ENVELOPE=" + describe(*f.envelope));
    }
    if (f.bodyStructure) {
        items.append("BODYSTRUCTURE=" + describe(*f.bodyStructure));
    }
    for (const BodySectionData& s : f.bodySections) {
        items.append(section(s));
    }
    for (const auto& [name, size] : f.binarySizes) {
        items.append("BINARY.SIZE[" + name + "]=" + QByteArray::number(size));
    }
    if (!f.otherAttributes.isEmpty()) {
        items.append("other=" + joined(f.otherAttributes, ','));
    }
    return joined(items);
}

QByteArray list(const ListData& l)
{
    QByteArray out = (l.isLsub ? "LSUB (" : "LIST (") + joined(l.flags) + ") " +
                     delimiter(l.delimiter) + " raw=" + quoted(l.rawName) +
                     " name=" + quoted(l.name.toUtf8());
    if (!l.nameValid) {
        out += " invalid";
    }
    if (!l.childInfo.isEmpty()) {
        out += " childinfo=" + joined(l.childInfo, ',');
    }
    if (!l.rawOldName.isNull()) {
        out += " oldname=" + quoted(l.rawOldName);
    }
    return out;
}

QByteArray status(const StatusData& s)
{
    QByteArray out = "STATUS raw=" + quoted(s.rawName) + " name=" + quoted(s.name.toUtf8());
    if (!s.nameValid) {
        out += " invalid";
    }
    const std::pair<const char*, const std::optional<quint64>*> fields[] = {
        {"MESSAGES", &s.messages}, {"RECENT", &s.recent},
        {"UIDNEXT", &s.uidNext},   {"UIDVALIDITY", &s.uidValidity},
        {"UNSEEN", &s.unseen},     {"DELETED", &s.deleted},
        {"SIZE", &s.size},         {"HIGHESTMODSEQ", &s.highestModSeq}};
    for (const auto& [name, value] : fields) {
        if (value->has_value()) {
            out += ' ' + QByteArray(name) + '=' + number(**value);
        }
    }
    return out;
}

QByteArray esearch(const ESearchData& e)
{
    QByteArray out = "ESEARCH tag=" + quoted(e.tag) + (e.uid ? " UID" : "");
    out += " MIN=" + number(e.min) + " MAX=" + number(e.max) + " COUNT=" + number(e.count);
    out += " ALL=" + (e.all ? e.all->toWire() : QByteArray("-"));
    return out + " MODSEQ=" + number(e.modSeq);
}

QByteArray namespaces(const QList<NamespaceDescription>& list)
{
    QList<QByteArray> items;
    for (const NamespaceDescription& n : list) {
        items.append('(' + quoted(n.prefix) + ' ' + delimiter(n.delimiter) + ')');
    }
    return '[' + joined(items) + ']';
}

struct Describer
{
    QByteArray operator()(const TaggedResponse& r) const
    {
        return r.tag + ' ' + responseText(r.status, r.code, r.text);
    }
    QByteArray operator()(const ContinuationRequest& r) const { return "+ " + quoted(r.text); }
    QByteArray operator()(const UntaggedStatus& r) const
    {
        return "* " + responseText(r.status, r.code, r.text);
    }
    QByteArray operator()(const CapabilityData& r) const
    {
        return "CAPABILITY " + joined(r.capabilities);
    }
    QByteArray operator()(const EnabledData& r) const
    {
        return "ENABLED " + joined(r.capabilities);
    }
    QByteArray operator()(const ListData& r) const { return list(r); }
    QByteArray operator()(const StatusData& r) const { return status(r); }
    QByteArray operator()(const FlagsData& r) const { return "FLAGS (" + joined(r.flags) + ')'; }
    QByteArray operator()(const ExistsData& r) const
    {
        return QByteArray::number(r.count) + " EXISTS";
    }
    QByteArray operator()(const RecentData& r) const
    {
        return QByteArray::number(r.count) + " RECENT";
    }
    QByteArray operator()(const ExpungeData& r) const
    {
        return QByteArray::number(r.sequence) + " EXPUNGE";
    }
    QByteArray operator()(const FetchData& r) const { return fetch(r); }
    QByteArray operator()(const SearchData& r) const
    {
        QList<QByteArray> numbers;
        for (quint32 n : r.numbers) {
            numbers.append(QByteArray::number(n));
        }
        return "SEARCH (" + joined(numbers) + ") MODSEQ=" + number(r.modSeq);
    }
    QByteArray operator()(const ESearchData& r) const { return esearch(r); }
    QByteArray operator()(const VanishedData& r) const
    {
        return QByteArray("VANISHED ") + (r.earlier ? "EARLIER " : "") + r.uids.toWire();
    }
    QByteArray operator()(const IdData& r) const
    {
        QList<QByteArray> items;
        for (const auto& [name, value] : r.fields) {
            items.append(quoted(name) + '=' + nstring(value));
        }
        return "ID [" + joined(items) + ']';
    }
    QByteArray operator()(const NamespaceData& r) const
    {
        return "NAMESPACE " + namespaces(r.personal) + ' ' + namespaces(r.otherUsers) + ' ' +
               namespaces(r.shared);
    }
    QByteArray operator()(const UnknownData& r) const
    {
        return "UNKNOWN " + r.name + " n=" + number(r.number) + ' ' + quoted(r.rawText);
    }
};

} // namespace

QByteArray quoted(const QByteArray& bytes)
{
    QByteArray out = "\"";
    for (char c : bytes) {
        const auto u = uchar(c);
        if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') {
            out += c;
        } else {
            out += "\\x" + QByteArray::number(u, 16).rightJustified(2, '0');
        }
    }
    return out + '"';
}

QByteArray describe(const Response& response)
{
    return std::visit(Describer{}, response);
}

QByteArray describe(const ResponseCode& code)
{
    QByteArray out =
        QByteArray("[") + (code.kind == ResponseCodeKind::Unknown ? "?" : "") + code.name;
    switch (code.kind) {
    case ResponseCodeKind::Capability:
    case ResponseCodeKind::PermanentFlags:
    case ResponseCodeKind::BadCharset:
        out += " (" + joined(code.atoms) + ')';
        break;
    case ResponseCodeKind::UidNext:
    case ResponseCodeKind::UidValidity:
    case ResponseCodeKind::Unseen:
    case ResponseCodeKind::HighestModSeq:
        out += ' ' + QByteArray::number(code.number);
        break;
    case ResponseCodeKind::Modified:
        out += ' ' + code.sourceUids.toWire();
        break;
    case ResponseCodeKind::AppendUid:
        out += ' ' + QByteArray::number(code.number) + ' ' + code.destinationUids.toWire();
        break;
    case ResponseCodeKind::CopyUid:
        out += ' ' + QByteArray::number(code.number) + ' ' + code.sourceUids.toWire() + ' ' +
               code.destinationUids.toWire();
        break;
    case ResponseCodeKind::Referral:
        out += " url=" + quoted(code.url);
        break;
    default:
        if (!code.rawArguments.isEmpty()) {
            out += " raw=" + quoted(code.rawArguments);
        }
        break;
    }
    return out + ']';
}

QByteArray describe(const Envelope& e)
{
    return "(date=" + nstring(e.date) + " subject=" + nstring(e.subject) +
           " from=" + addresses(e.from) + " sender=" + addresses(e.sender) +
           " reply-to=" + addresses(e.replyTo) + " to=" + addresses(e.to) +
           " cc=" + addresses(e.cc) + " bcc=" + addresses(e.bcc) +
           " in-reply-to=" + nstring(e.inReplyTo) + " message-id=" + nstring(e.messageId) + ')';
}

QByteArray describe(const BodyPart& p)
{
    QByteArray out = '(' + quoted(p.partNumber) + ' ' + p.type + '/' + p.subtype + ' ' +
                     parameters(p.parameters) + " id=" + nstring(p.id) +
                     " desc=" + nstring(p.description) + " enc=" + nstring(p.encoding) +
                     " size=" + QByteArray::number(p.size) +
                     " lines=" + QByteArray::number(p.lines) + " md5=" + nstring(p.md5) +
                     " dsp=" + nstring(p.disposition) + parameters(p.dispositionParameters) +
                     " lang=[" + joined(p.language, ',') + "] loc=" + nstring(p.location);
    if (p.envelope) {
        out += " env=" + describe(*p.envelope);
    }
    for (const BodyPart& child : p.children) {
        out += ' ' + describe(child);
    }
    return out + ')';
}

ParseOutcome parseInPieces(QByteArrayView input, const QList<qsizetype>& pieceSizes,
                           const Limits& limits, LiteralSink* sink)
{
    ResponseParser parser(limits);
    parser.setLiteralSink(sink);
    ParseOutcome outcome;
    qsizetype pos = 0;
    qsizetype index = 0;
    while (pos < input.size()) {
        const qsizetype size =
            pieceSizes.isEmpty() ? input.size() : pieceSizes.at(index++ % pieceSizes.size());
        const qsizetype take = std::min(std::max<qsizetype>(size, 1), input.size() - pos);
        parser.feed(input.sliced(pos, take));
        pos += take;
        while (auto response = parser.next()) {
            outcome.responses.append(describe(*response));
        }
    }
    outcome.error = parser.error();
    outcome.bufferedAtEnd = parser.bufferedBytes();
    return outcome;
}

QList<qsizetype> randomPieces(quint32 seed, qsizetype maxPiece)
{
    QRandomGenerator generator(seed);
    QList<qsizetype> pieces;
    for (int i = 0; i < 257; ++i) {
        pieces.append(qsizetype(generator.bounded(quint32(maxPiece))) + 1);
    }
    return pieces;
}

} // namespace Latchmail::Imap::Test
