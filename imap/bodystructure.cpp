// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/bodystructure.h"

namespace Latchmail::Imap {

namespace {

QByteArray lookup(const BodyParameters& parameters, QByteArrayView name)
{
    for (const auto& [key, value] : parameters) {
        if (key == name) {
            return value.isNull() ? QByteArray("") : value;
        }
    }
    return {};
}

// Plain, then the RFC 2231 forms a server may pass through unchanged (first piece only).
QByteArray firstOf(const BodyParameters& parameters, QByteArrayView base)
{
    const QByteArray name = base.toByteArray();
    const QByteArray candidates[] = {name, name + '*', name + "*0", name + "*0*"};
    for (const QByteArray& candidate : candidates) {
        QByteArray value = lookup(parameters, candidate);
        if (!value.isNull()) {
            return value;
        }
    }
    return {};
}

QByteArray childNumber(const QByteArray& parent, qsizetype index)
{
    const QByteArray n = QByteArray::number(index + 1);
    return parent.isEmpty() ? n : parent + '.' + n;
}

void number(BodyPart& part, const QByteArray& partNumber)
{
    part.partNumber = partNumber;
    if (part.isMultipart()) {
        for (std::size_t i = 0; i < part.children.size(); ++i) {
            number(part.children[i], childNumber(partNumber, qsizetype(i)));
        }
        return;
    }
    // RFC 9051 section 6.4.5: the parts of an encapsulated multipart continue the message's
    // number ("4.2" → "4.2.1"); a non-multipart encapsulated body is "4.2.1" itself.
    for (BodyPart& body : part.children) {
        number(body, body.isMultipart() ? partNumber : childNumber(partNumber, 0));
    }
}

bool isTextCandidate(const BodyPart& part)
{
    return part.type == "text" && (part.subtype == "plain" || part.subtype == "html") &&
           part.disposition != "attachment";
}

const BodyPart* findText(const BodyPart& part)
{
    if (!part.isMultipart()) {
        return isTextCandidate(part) ? &part : nullptr;
    }
    const BodyPart* fallback = nullptr;
    for (const BodyPart& child : part.children) {
        const BodyPart* found = findText(child);
        if (!found) {
            continue;
        }
        if (part.subtype != "alternative" || found->subtype == "plain") {
            return found;
        }
        fallback = fallback ? fallback : found;
    }
    return fallback;
}

bool looksAttached(const BodyPart& part)
{
    if (part.disposition == "attachment" || part.isMessage() || !part.rawFileName().isNull()) {
        return true;
    }
    return part.type != "text" && part.disposition != "inline";
}

void collect(const BodyPart& part, const BodyPart* text, QList<Attachment>& out)
{
    if (part.isMultipart()) {
        for (const BodyPart& child : part.children) {
            collect(child, text, out);
        }
        return;
    }
    if (&part == text || !looksAttached(part)) {
        return;
    }
    out.append(
        Attachment{part.partNumber, part.rawFileName(), part.mimeType(), part.encoding, part.size});
}

} // namespace

bool BodyPart::isMessage() const
{
    return type == "message" && (subtype == "rfc822" || subtype == "global");
}

QByteArray BodyPart::parameter(QByteArrayView name) const
{
    return lookup(parameters, name);
}

QByteArray BodyPart::rawFileName() const
{
    QByteArray name = firstOf(dispositionParameters, "filename");
    return name.isNull() ? firstOf(parameters, "name") : name;
}

void assignPartNumbers(BodyPart& root)
{
    number(root, root.isMultipart() ? QByteArray("") : QByteArray("1"));
}

QList<Attachment> attachments(const BodyPart& root)
{
    QList<Attachment> out;
    collect(root, preferredTextPart(root), out);
    return out;
}

const BodyPart* preferredTextPart(const BodyPart& root)
{
    return findText(root);
}

} // namespace Latchmail::Imap
