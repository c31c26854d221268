// SPDX-License-Identifier: GPL-3.0-or-later
// CBOR forms of ENVELOPE and BODYSTRUCTURE for the cache (RFC 8949), written straight to bytes
// without building a document: a header sync stores 100,000 of each. Caches written before
// held JSON of the same shape, which is still read. Reading treats the stored bytes as
// untrusted (a damaged or edited cache file): types are checked and nesting is bounded.
#include "imap/cache/structureserialization.h"

#include <QCborMap>
#include <QCborStreamWriter>
#include <QCborValue>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Latchmail::Imap {

namespace {

constexpr int kMaxDepth = 32; // as the response parser's nesting limit

QJsonValue bytes(const QByteArray& value)
{
    return value.isNull() ? QJsonValue() : QJsonValue(QString::fromLatin1(value));
}

QByteArray bytesFrom(const QJsonValue& value)
{
    if (!value.isString()) {
        return {};
    }
    const QByteArray latin1 = value.toString().toLatin1();
    return latin1.isNull() ? QByteArray("") : latin1;
}

QJsonArray addresses(const QList<Address>& list)
{
    QJsonArray array;
    for (const Address& address : list) {
        array.append(QJsonArray{bytes(address.name), bytes(address.adl), bytes(address.mailbox),
                                bytes(address.host)});
    }
    return array;
}

QList<Address> addressesFrom(const QJsonValue& value)
{
    QList<Address> list;
    for (const QJsonValue& entry : value.toArray()) {
        const QJsonArray fields = entry.toArray();
        list.append(Address{bytesFrom(fields.at(0)), bytesFrom(fields.at(1)),
                            bytesFrom(fields.at(2)), bytesFrom(fields.at(3))});
    }
    return list;
}

QJsonObject envelopeObject(const Envelope& envelope)
{
    return QJsonObject{{QStringLiteral("date"), bytes(envelope.date)},
                       {QStringLiteral("subject"), bytes(envelope.subject)},
                       {QStringLiteral("from"), addresses(envelope.from)},
                       {QStringLiteral("sender"), addresses(envelope.sender)},
                       {QStringLiteral("replyTo"), addresses(envelope.replyTo)},
                       {QStringLiteral("to"), addresses(envelope.to)},
                       {QStringLiteral("cc"), addresses(envelope.cc)},
                       {QStringLiteral("bcc"), addresses(envelope.bcc)},
                       {QStringLiteral("inReplyTo"), bytes(envelope.inReplyTo)},
                       {QStringLiteral("messageId"), bytes(envelope.messageId)}};
}

Envelope envelopeFrom(const QJsonObject& object)
{
    Envelope envelope;
    envelope.date = bytesFrom(object.value(QStringLiteral("date")));
    envelope.subject = bytesFrom(object.value(QStringLiteral("subject")));
    envelope.from = addressesFrom(object.value(QStringLiteral("from")));
    envelope.sender = addressesFrom(object.value(QStringLiteral("sender")));
    envelope.replyTo = addressesFrom(object.value(QStringLiteral("replyTo")));
    envelope.to = addressesFrom(object.value(QStringLiteral("to")));
    envelope.cc = addressesFrom(object.value(QStringLiteral("cc")));
    envelope.bcc = addressesFrom(object.value(QStringLiteral("bcc")));
    envelope.inReplyTo = bytesFrom(object.value(QStringLiteral("inReplyTo")));
    envelope.messageId = bytesFrom(object.value(QStringLiteral("messageId")));
    return envelope;
}

QJsonArray parameters(const BodyParameters& list)
{
    QJsonArray array;
    for (const auto& [name, value] : list) {
        array.append(QJsonArray{bytes(name), bytes(value)});
    }
    return array;
}

BodyParameters parametersFrom(const QJsonValue& value)
{
    BodyParameters list;
    for (const QJsonValue& entry : value.toArray()) {
        const QJsonArray pair = entry.toArray();
        list.append({bytesFrom(pair.at(0)), bytesFrom(pair.at(1))});
    }
    return list;
}

QJsonObject partObject(const BodyPart& part)
{
    QJsonObject object{
        {QStringLiteral("type"), bytes(part.type)},
        {QStringLiteral("subtype"), bytes(part.subtype)},
        {QStringLiteral("params"), parameters(part.parameters)},
        {QStringLiteral("id"), bytes(part.id)},
        {QStringLiteral("description"), bytes(part.description)},
        {QStringLiteral("encoding"), bytes(part.encoding)},
        {QStringLiteral("size"), double(part.size)},
        {QStringLiteral("lines"), double(part.lines)},
        {QStringLiteral("md5"), bytes(part.md5)},
        {QStringLiteral("disposition"), bytes(part.disposition)},
        {QStringLiteral("dispositionParams"), parameters(part.dispositionParameters)},
        {QStringLiteral("location"), bytes(part.location)}};
    QJsonArray language;
    for (const QByteArray& tag : part.language) {
        language.append(bytes(tag));
    }
    object.insert(QStringLiteral("language"), language);
    QJsonArray children;
    for (const BodyPart& child : part.children) {
        children.append(partObject(child));
    }
    object.insert(QStringLiteral("children"), children);
    if (part.envelope) {
        object.insert(QStringLiteral("envelope"), envelopeObject(*part.envelope));
    }
    return object;
}

bool partFrom(const QJsonObject& object, BodyPart* part, int depth)
{
    if (depth > kMaxDepth || !object.value(QStringLiteral("type")).isString()) {
        return false;
    }
    part->type = bytesFrom(object.value(QStringLiteral("type")));
    part->subtype = bytesFrom(object.value(QStringLiteral("subtype")));
    part->parameters = parametersFrom(object.value(QStringLiteral("params")));
    part->id = bytesFrom(object.value(QStringLiteral("id")));
    part->description = bytesFrom(object.value(QStringLiteral("description")));
    part->encoding = bytesFrom(object.value(QStringLiteral("encoding")));
    part->size = quint64(object.value(QStringLiteral("size")).toDouble());
    part->lines = quint64(object.value(QStringLiteral("lines")).toDouble());
    part->md5 = bytesFrom(object.value(QStringLiteral("md5")));
    part->disposition = bytesFrom(object.value(QStringLiteral("disposition")));
    part->dispositionParameters = parametersFrom(object.value(QStringLiteral("dispositionParams")));
    part->location = bytesFrom(object.value(QStringLiteral("location")));
    for (const QJsonValue& tag : object.value(QStringLiteral("language")).toArray()) {
        part->language.append(bytesFrom(tag));
    }
    for (const QJsonValue& child : object.value(QStringLiteral("children")).toArray()) {
        BodyPart childPart;
        if (!partFrom(child.toObject(), &childPart, depth + 1)) {
            return false;
        }
        part->children.push_back(std::move(childPart));
    }
    if (object.value(QStringLiteral("envelope")).isObject()) {
        part->envelope = std::make_shared<const Envelope>(
            envelopeFrom(object.value(QStringLiteral("envelope")).toObject()));
    }
    return true;
}

// Byte strings go out as CBOR text of their Latin-1 reading, NIL as null: the same values the
// JSON form held, so one reader serves both.
void writeBytes(QCborStreamWriter& out, const QByteArray& value)
{
    if (value.isNull()) {
        out.append(nullptr);
    } else {
        out.append(QLatin1StringView(value));
    }
}

void writeAddresses(QCborStreamWriter& out, const QList<Address>& list)
{
    out.startArray(quint64(list.size()));
    for (const Address& address : list) {
        out.startArray(4);
        writeBytes(out, address.name);
        writeBytes(out, address.adl);
        writeBytes(out, address.mailbox);
        writeBytes(out, address.host);
        out.endArray();
    }
    out.endArray();
}

void writeEnvelope(QCborStreamWriter& out, const Envelope& envelope)
{
    out.startMap(10);
    out.append(QLatin1StringView("date"));
    writeBytes(out, envelope.date);
    out.append(QLatin1StringView("subject"));
    writeBytes(out, envelope.subject);
    const std::pair<const char*, const QList<Address>*> lists[] = {
        {"from", &envelope.from}, {"sender", &envelope.sender}, {"replyTo", &envelope.replyTo},
        {"to", &envelope.to},     {"cc", &envelope.cc},         {"bcc", &envelope.bcc}};
    for (const auto& [key, list] : lists) {
        out.append(QLatin1StringView(key));
        writeAddresses(out, *list);
    }
    out.append(QLatin1StringView("inReplyTo"));
    writeBytes(out, envelope.inReplyTo);
    out.append(QLatin1StringView("messageId"));
    writeBytes(out, envelope.messageId);
    out.endMap();
}

void writeParameters(QCborStreamWriter& out, const BodyParameters& list)
{
    out.startArray(quint64(list.size()));
    for (const auto& [name, value] : list) {
        out.startArray(2);
        writeBytes(out, name);
        writeBytes(out, value);
        out.endArray();
    }
    out.endArray();
}

void writePart(QCborStreamWriter& out, const BodyPart& part)
{
    out.startMap(part.envelope ? 15 : 14);
    const std::pair<const char*, const QByteArray*> fields[] = {
        {"type", &part.type},
        {"subtype", &part.subtype},
        {"id", &part.id},
        {"description", &part.description},
        {"encoding", &part.encoding},
        {"md5", &part.md5},
        {"disposition", &part.disposition},
        {"location", &part.location}};
    for (const auto& [key, value] : fields) {
        out.append(QLatin1StringView(key));
        writeBytes(out, *value);
    }
    out.append(QLatin1StringView("size"));
    out.append(quint64(part.size));
    out.append(QLatin1StringView("lines"));
    out.append(quint64(part.lines));
    out.append(QLatin1StringView("params"));
    writeParameters(out, part.parameters);
    out.append(QLatin1StringView("dispositionParams"));
    writeParameters(out, part.dispositionParameters);
    out.append(QLatin1StringView("language"));
    out.startArray(quint64(part.language.size()));
    for (const QByteArray& tag : part.language) {
        writeBytes(out, tag);
    }
    out.endArray();
    out.append(QLatin1StringView("children"));
    out.startArray(quint64(part.children.size()));
    for (const BodyPart& child : part.children) {
        writePart(out, child);
    }
    out.endArray();
    if (part.envelope) {
        out.append(QLatin1StringView("envelope"));
        writeEnvelope(out, *part.envelope);
    }
    out.endMap();
}

template <typename Write>
QByteArray cborBytes(Write write)
{
    QByteArray bytes;
    QCborStreamWriter out(&bytes);
    write(out);
    return bytes;
}

// The stored object, from CBOR or (caches written before) JSON; null when neither.
QJsonObject storedObject(const QByteArray& stored)
{
    if (stored.startsWith('{')) {
        const QJsonDocument document = QJsonDocument::fromJson(stored);
        return document.isObject() ? document.object() : QJsonObject();
    }
    QCborParserError error;
    const QCborValue value = QCborValue::fromCbor(stored, &error);
    if (error.error != QCborError::NoError || !value.isMap()) {
        return {};
    }
    return value.toMap().toJsonObject();
}

} // namespace

QByteArray serializeEnvelope(const Envelope& envelope)
{
    return cborBytes([&envelope](QCborStreamWriter& out) { writeEnvelope(out, envelope); });
}

std::optional<Envelope> deserializeEnvelope(const QByteArray& stored)
{
    const QJsonObject object = storedObject(stored);
    if (object.isEmpty()) {
        return std::nullopt;
    }
    return envelopeFrom(object);
}

QByteArray serializeBodyStructure(const BodyPart& root)
{
    return cborBytes([&root](QCborStreamWriter& out) { writePart(out, root); });
}

std::optional<BodyPart> deserializeBodyStructure(const QByteArray& stored)
{
    const QJsonObject object = storedObject(stored);
    BodyPart root;
    if (object.isEmpty() || !partFrom(object, &root, 0)) {
        return std::nullopt;
    }
    assignPartNumbers(root);
    return root;
}

} // namespace Latchmail::Imap
