// SPDX-License-Identifier: GPL-3.0-or-later
// Parses untrusted input: FETCH responses and ENVELOPE structures (RFC 9051 section 7.5.2).
#include "imap/responsegrammar.h"

#include <QDate>
#include <QTime>

namespace Latchmail::Imap::Detail {

namespace {

constexpr quint64 maxModSeq = 0x7fffffffffffffffULL;

// ---- INTERNALDATE: "17-Jul-1996 02:44:25 -0700" (day may be space-padded) -----------------

std::optional<int> digits(QByteArrayView text, qsizetype minLength, qsizetype maxLength)
{
    if (text.size() < minLength || text.size() > maxLength) {
        return std::nullopt;
    }
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

int monthFromName(QByteArrayView name)
{
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i) {
        if (name.compare(QByteArrayView(months[i]), Qt::CaseInsensitive) == 0) {
            return i + 1;
        }
    }
    return 0;
}

std::optional<int> zoneOffsetSeconds(QByteArrayView zone)
{
    const auto hhmm = zone.size() == 5 ? digits(zone.sliced(1), 4, 4) : std::nullopt;
    if (!hhmm || (zone.front() != '+' && zone.front() != '-') || *hhmm % 100 >= 60) {
        return std::nullopt;
    }
    const int seconds = (*hhmm / 100) * 3600 + (*hhmm % 100) * 60;
    return zone.front() == '-' ? -seconds : seconds;
}

QDateTime parseInternalDate(const QByteArray& raw)
{
    const QList<QByteArray> fields = raw.trimmed().split(' ');
    if (fields.size() != 3) {
        return {};
    }
    const QList<QByteArray> date = fields.at(0).split('-');
    const QList<QByteArray> time = fields.at(1).split(':');
    if (date.size() != 3 || time.size() != 3) {
        return {};
    }
    const auto day = digits(date.at(0), 1, 2);
    const auto year = digits(date.at(2), 4, 4);
    const auto hour = digits(time.at(0), 2, 2);
    const auto minute = digits(time.at(1), 2, 2);
    const auto second = digits(time.at(2), 2, 2);
    const auto offset = zoneOffsetSeconds(fields.at(2));
    if (!day || !year || !hour || !minute || !second || !offset) {
        return {};
    }
    const QDate d(*year, monthFromName(date.at(1)), *day);
    const QTime t(*hour, *minute, *second);
    if (!d.isValid() || !t.isValid()) {
        return {};
    }
    return QDateTime(d, t, Qt::OffsetFromUTC, *offset);
}

// ---- ENVELOPE -------------------------------------------------------------------------------

std::optional<Address> address(ResponseReader& r)
{
    if (!r.enterList("'(' of address")) {
        return std::nullopt;
    }
    Address a;
    QByteArray* fields[] = {&a.name, &a.adl, &a.mailbox, &a.host};
    for (QByteArray* field : fields) {
        r.skipSpaces();
        auto value = r.nstring("address field (string or NIL)");
        if (!value) {
            return std::nullopt;
        }
        *field = *value;
    }
    if (!r.leaveList("')' closing address")) {
        return std::nullopt;
    }
    return a;
}

bool addressList(ResponseReader& r, QList<Address>& out)
{
    r.skipSpaces();
    if (r.consumeKeyword("NIL")) {
        return true;
    }
    if (!r.enterList("'(' or NIL for address list")) {
        return false;
    }
    // Some servers put spaces between addresses; the grammar has none. Accept both.
    while (!r.atEnd() && r.peek() != ')') {
        auto a = address(r);
        if (!a) {
            return false;
        }
        out.append(*a);
        r.skipSpaces();
    }
    return r.leaveList("')' closing address list");
}

bool envelopeString(ResponseReader& r, QByteArray& out, const char* what)
{
    r.skipSpaces();
    auto value = r.nstring(what);
    out = value.value_or(QByteArray());
    return value.has_value();
}

// ---- msg-att --------------------------------------------------------------------------------

QByteArray attributeName(ResponseReader& r)
{
    const qsizetype start = r.position();
    while (!r.atEnd() && isAtomChar(r.peek()) && r.peek() != '[') {
        r.consume(r.peek());
    }
    return r.textFrom(start).toUpper();
}

bool sectionSpec(ResponseReader& r, QByteArray& section, std::optional<quint32>* origin)
{
    if (!r.expect('[', "'[' of section")) {
        return false;
    }
    section = r.takeUntil(']').toUpper();
    if (!r.expect(']', "']' closing section")) {
        return false;
    }
    if (origin && r.consume('<')) {
        const auto n = r.number("origin octet number");
        if (!n || !r.expect('>', "'>' closing origin")) {
            return false;
        }
        *origin = quint32(*n);
    }
    return true;
}

bool bodySection(ResponseReader& r, FetchData& data, const QByteArray& name)
{
    BodySectionData item;
    if (name == "BODY" || name == "BINARY") {
        item.binary = name == "BINARY";
        if (!sectionSpec(r, item.section, &item.origin)) {
            return false;
        }
    } else {
        item.section = name == "RFC822" ? QByteArray("") : name.mid(7); // "RFC822.HEADER"
    }
    if (!r.expectSpace("space before section data") ||
        !r.bodyData(item, "section data (string, literal or NIL)")) {
        return false;
    }
    data.bodySections.append(std::move(item));
    return true;
}

bool binarySize(ResponseReader& r, FetchData& data)
{
    QByteArray section;
    if (!sectionSpec(r, section, nullptr) || !r.expectSpace("space after BINARY.SIZE[…]")) {
        return false;
    }
    const auto n = r.number("BINARY.SIZE value", maxModSeq);
    if (n) {
        data.binarySizes.append({section, *n});
    }
    return n.has_value();
}

bool modSeq(ResponseReader& r, FetchData& data)
{
    if (!r.enterList("'(' of MODSEQ")) {
        return false;
    }
    data.modSeq = r.number("MODSEQ value", maxModSeq);
    return data.modSeq && r.leaveList("')' closing MODSEQ");
}

bool internalDate(ResponseReader& r, FetchData& data)
{
    const auto raw = r.string("quoted INTERNALDATE");
    if (!raw) {
        return false;
    }
    data.rawInternalDate = *raw;
    data.internalDate = parseInternalDate(*raw);
    return true;
}

template <typename T>
bool assign(std::optional<T>& field, std::optional<T> value)
{
    field = std::move(value);
    return field.has_value();
}

bool structure(ResponseReader& r, FetchData& data)
{
    auto body = parseBody(r);
    if (!body) {
        return false;
    }
    assignPartNumbers(*body);
    data.bodyStructure = std::move(*body);
    return true;
}

bool simpleAttribute(ResponseReader& r, FetchData& data, const QByteArray& name)
{
    if (name == "UID") {
        return assign(data.uid, r.nzNumber("UID value"));
    }
    if (name == "FLAGS") {
        return assign(data.flags, r.flagList("flag list of FLAGS"));
    }
    if (name == "ENVELOPE") {
        return assign(data.envelope, parseEnvelope(r));
    }
    if (name == "BODYSTRUCTURE" || name == "BODY") {
        return structure(r, data);
    }
    if (name == "RFC822.SIZE") {
        return assign(data.rfc822Size, r.number("RFC822.SIZE value", maxModSeq));
    }
    if (name == "INTERNALDATE") {
        return internalDate(r, data);
    }
    if (name == "MODSEQ") {
        return modSeq(r, data);
    }
    data.otherAttributes.append(name);
    return r.skipValue("value of FETCH attribute");
}

bool attribute(ResponseReader& r, FetchData& data)
{
    const QByteArray name = attributeName(r);
    if (name.isEmpty()) {
        return r.fail("FETCH attribute name");
    }
    const bool hasSection = r.peek() == '[';
    if ((name == "BODY" && hasSection) || name == "BINARY" || name == "RFC822" ||
        name == "RFC822.HEADER" || name == "RFC822.TEXT") {
        return bodySection(r, data, name);
    }
    if (name == "BINARY.SIZE") {
        return binarySize(r, data);
    }
    if (hasSection && !r.skipValue("FETCH attribute with section")) {
        return false;
    }
    return r.expectSpace("space after FETCH attribute name") && simpleAttribute(r, data, name);
}

} // namespace

std::optional<Envelope> parseEnvelope(ResponseReader& r)
{
    if (!r.enterList("'(' of ENVELOPE")) {
        return std::nullopt;
    }
    Envelope e;
    const bool ok = envelopeString(r, e.date, "envelope date") &&
                    envelopeString(r, e.subject, "envelope subject") && addressList(r, e.from) &&
                    addressList(r, e.sender) && addressList(r, e.replyTo) && addressList(r, e.to) &&
                    addressList(r, e.cc) && addressList(r, e.bcc) &&
                    envelopeString(r, e.inReplyTo, "envelope in-reply-to") &&
                    envelopeString(r, e.messageId, "envelope message-id") &&
                    r.leaveList("')' closing ENVELOPE");
    return ok ? std::optional<Envelope>(std::move(e)) : std::nullopt;
}

std::optional<FetchData> parseFetch(ResponseReader& r, quint32 sequence)
{
    if (!r.enterList("'(' of FETCH attributes")) {
        return std::nullopt;
    }
    FetchData data;
    data.sequence = sequence;
    while (!r.atEnd() && r.peek() != ')') {
        if (!attribute(r, data)) {
            return std::nullopt;
        }
        r.skipSpaces();
    }
    if (!r.leaveList("')' closing FETCH attributes") || !r.expectEnd("end of FETCH response")) {
        return std::nullopt;
    }
    return data;
}

} // namespace Latchmail::Imap::Detail
