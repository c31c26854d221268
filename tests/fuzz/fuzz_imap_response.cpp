// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the IMAP response parser (untrusted server input). Every input is parsed
// three times — whole, byte by byte, and in input-dependent chunks — with tight limits and a
// streaming sink. The three runs must agree, the parser must never hold more than its limits
// allow, and the body-structure helpers run over every parsed tree.
#include "imap/bodystructure.h"
#include "imap/mailboxname.h"
#include "imap/responseparser.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>
#include <variant>

using namespace Latchmail::Imap;

namespace {

Limits fuzzLimits()
{
    Limits limits;
    limits.maxLiteral = 64 * 1024;
    limits.maxNestingDepth = 32;
    limits.maxLineLength = 8 * 1024;
    limits.streamingThreshold = 16;
    limits.maxResponseSize = 128 * 1024;
    return limits;
}

void check(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

// Checks chunks arrive in order; each complete literal (at most Limits::maxLiteral bytes here)
// goes into the digest, so the digest does not depend on how the input was split.
class CheckingSink : public LiteralSink
{
public:
    void literalChunk(const LiteralChunk& chunk) override
    {
        check(chunk.offset == m_literal.size() && !chunk.data.isEmpty());
        check(chunk.offset + chunk.data.size() <= chunk.totalSize);
        m_literal.append(chunk.data);
        if (m_literal.size() == chunk.totalSize) {
            digest = digest * 31 + qHash(chunk.section) + chunk.sequence + qHash(m_literal);
            m_literal.clear();
        }
    }

    quint64 digest = 0;

private:
    QByteArray m_literal;
};

quint64 walk(const BodyPart& part)
{
    quint64 h = qHash(part.partNumber) + qHash(part.mimeType()) + part.size;
    for (const BodyPart& child : part.children) {
        h = h * 31 + walk(child);
    }
    return h;
}

quint64 digestOf(const Response& response)
{
    quint64 h = response.index();
    if (const auto* fetch = std::get_if<FetchData>(&response)) {
        h = h * 31 + fetch->sequence + fetch->uid.value_or(0) + fetch->otherAttributes.size();
        for (const BodySectionData& section : fetch->bodySections) {
            h = h * 31 + qHash(section.section) + quint64(section.size) + qHash(section.data);
        }
        if (fetch->bodyStructure) {
            h = h * 31 + walk(*fetch->bodyStructure) +
                quint64(attachments(*fetch->bodyStructure).size());
            const BodyPart* text = preferredTextPart(*fetch->bodyStructure);
            h += text ? qHash(text->partNumber) : 7;
        }
    } else if (const auto* tagged = std::get_if<TaggedResponse>(&response)) {
        h = h * 31 + qHash(tagged->tag) + qHash(tagged->text) + quint64(tagged->status);
    } else if (const auto* list = std::get_if<ListData>(&response)) {
        h = h * 31 + qHash(list->rawName) + qHash(list->name) + list->flags.size();
        if (list->nameValid && !list->name.isEmpty() && list->name != QStringLiteral("INBOX")) {
            check(encodeMailboxName(list->name) == list->rawName);
        }
    } else if (const auto* unknown = std::get_if<UnknownData>(&response)) {
        h = h * 31 + qHash(unknown->name) + qHash(unknown->rawText);
    }
    return h;
}

struct Run
{
    quint64 digest = 0;
    int responses = 0;
    bool failed = false;
    int errorKind = -1;
};

Run parse(QByteArrayView input, qsizetype (*pieceSize)(QByteArrayView, qsizetype))
{
    const Limits limits = fuzzLimits();
    ResponseParser parser(limits);
    CheckingSink sink;
    parser.setLiteralSink(&sink);
    Run run;
    qsizetype pos = 0;
    while (pos < input.size()) {
        const qsizetype take = std::min(pieceSize(input, pos), input.size() - pos);
        parser.feed(input.sliced(pos, take));
        pos += take;
        while (auto response = parser.next()) {
            run.digest = run.digest * 1000003 + digestOf(*response);
            ++run.responses;
        }
        // Held bytes beyond the unread input are bounded by the response limit.
        check(parser.bufferedBytes() <= pos);
    }
    run.digest += sink.digest;
    run.failed = parser.hasFailed();
    run.errorKind = run.failed ? int(parser.error()->kind) : -1;
    return run;
}

qsizetype whole(QByteArrayView input, qsizetype)
{
    return input.size();
}

qsizetype single(QByteArrayView, qsizetype)
{
    return 1;
}

qsizetype varying(QByteArrayView input, qsizetype pos)
{
    return 1 + (uchar(input.at(pos)) % 23);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char*>(data), qsizetype(size));

    const Run first = parse(input, whole);
    const Run second = parse(input, single);
    const Run third = parse(input, varying);
    check(first.digest == second.digest && first.digest == third.digest);
    check(first.responses == second.responses && first.responses == third.responses);
    check(first.errorKind == second.errorKind && first.errorKind == third.errorKind);

    (void)decodeMailboxName(input.first(std::min<qsizetype>(input.size(), 256)));
    (void)SequenceSet::parse(input.first(std::min<qsizetype>(input.size(), 256)));
    return 0;
}
