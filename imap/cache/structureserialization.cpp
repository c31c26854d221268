// SPDX-License-Identifier: GPL-3.0-or-later
// JSON forms of ENVELOPE and BODYSTRUCTURE for the cache. Reading treats the stored bytes as
// untrusted (a damaged or edited cache file): types are checked and nesting is bounded.
#include "imap/cache/structureserialization.h"

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

} // namespace

QByteArray serializeEnvelope(const Envelope& envelope)
{
    return QJsonDocument(envelopeObject(envelope)).toJson(QJsonDocument::Compact);
}

std::optional<Envelope> deserializeEnvelope(const QByteArray& json)
{
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isObject()) {
        return std::nullopt;
    }
    return envelopeFrom(document.object());
}

QByteArray serializeBodyStructure(const BodyPart& root)
{
    return QJsonDocument(partObject(root)).toJson(QJsonDocument::Compact);
}

std::optional<BodyPart> deserializeBodyStructure(const QByteArray& json)
{
    const QJsonDocument document = QJsonDocument::fromJson(json);
    BodyPart root;
    if (!document.isObject() || !partFrom(document.object(), &root, 0)) {
        return std::nullopt;
    }
    assignPartNumbers(root);
    return root;
}

} // namespace Latchmail::Imap
