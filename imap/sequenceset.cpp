// SPDX-License-Identifier: GPL-3.0-or-later
// Parses untrusted input: sequence sets from VANISHED, ESEARCH, COPYUID and APPENDUID.
#include "imap/sequenceset.h"

#include <algorithm>
#include <limits>

namespace Latchmail::Imap {

namespace {

// '*' sorts after every number.
quint64 sortKey(quint32 value)
{
    return value == SequenceSet::Star ? quint64(std::numeric_limits<quint32>::max()) + 1 : value;
}

SequenceSet::Range normalised(quint32 first, quint32 last)
{
    if (sortKey(first) > sortKey(last)) {
        std::swap(first, last);
    }
    return {first, last};
}

std::optional<quint32> parseNumber(QByteArrayView text, bool allowStar)
{
    if (text == "*") {
        return allowStar ? std::optional<quint32>(SequenceSet::Star) : std::nullopt;
    }
    if (text.isEmpty() || text.size() > 10 || text.front() == '0') {
        return std::nullopt;
    }
    quint64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + quint64(c - '0');
    }
    if (value > std::numeric_limits<quint32>::max()) {
        return std::nullopt;
    }
    return quint32(value);
}

void appendNumber(QByteArray& out, quint32 value)
{
    if (value == SequenceSet::Star) {
        out += '*';
    } else {
        out += QByteArray::number(value);
    }
}

} // namespace

SequenceSet::SequenceSet(quint32 number)
{
    add(number);
}

SequenceSet::SequenceSet(quint32 first, quint32 last)
{
    addRange(first, last);
}

SequenceSet SequenceSet::fromNumbers(QList<quint32> numbers)
{
    std::sort(numbers.begin(), numbers.end(),
              [](quint32 a, quint32 b) { return sortKey(a) < sortKey(b); });
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());

    SequenceSet set;
    for (quint32 n : numbers) {
        Range* back = set.m_ranges.isEmpty() ? nullptr : &set.m_ranges.back();
        if (back && back->last != Star && n != Star && n == back->last + 1) {
            back->last = n;
        } else {
            set.m_ranges.append({n, n});
        }
    }
    return set;
}

std::optional<SequenceSet> SequenceSet::parse(QByteArrayView text, bool allowStar)
{
    SequenceSet set;
    if (text.isEmpty()) {
        return std::nullopt;
    }
    qsizetype start = 0;
    while (start <= text.size()) {
        qsizetype comma = text.indexOf(',', start);
        if (comma < 0) {
            comma = text.size();
        }
        const QByteArrayView item = text.sliced(start, comma - start);
        const qsizetype colon = item.indexOf(':');
        const auto first = parseNumber(colon < 0 ? item : item.first(colon), allowStar);
        const auto last = colon < 0 ? first : parseNumber(item.sliced(colon + 1), allowStar);
        if (!first || !last) {
            return std::nullopt;
        }
        set.m_ranges.append(normalised(*first, *last));
        start = comma + 1;
    }
    return set;
}

void SequenceSet::add(quint32 number)
{
    m_ranges.append({number, number});
}

void SequenceSet::addRange(quint32 first, quint32 last)
{
    m_ranges.append(normalised(first, last));
}

bool SequenceSet::contains(quint32 number, quint32 largest) const
{
    const auto resolve = [largest](quint32 v) { return v == Star ? largest : v; };
    return std::any_of(m_ranges.cbegin(), m_ranges.cend(), [&](const Range& r) {
        quint32 first = resolve(r.first);
        quint32 last = resolve(r.last);
        if (first > last) {
            std::swap(first, last);
        }
        return first != 0 && number >= first && number <= last;
    });
}

quint64 SequenceSet::count() const
{
    quint64 total = 0;
    for (const Range& r : m_ranges) {
        if (r.first != Star && r.last != Star) {
            total += quint64(r.last) - r.first + 1;
        }
    }
    return total;
}

std::optional<QList<quint32>> SequenceSet::toList(qsizetype maxCount) const
{
    const bool hasStar = std::any_of(m_ranges.cbegin(), m_ranges.cend(), [](const Range& r) {
        return r.first == Star || r.last == Star;
    });
    if (hasStar || count() > quint64(std::max<qsizetype>(maxCount, 0))) {
        return std::nullopt;
    }

    QList<quint32> numbers;
    numbers.reserve(qsizetype(count()));
    for (const Range& r : m_ranges) {
        for (quint64 n = r.first; n <= r.last; ++n) {
            numbers.append(quint32(n));
        }
    }
    return numbers;
}

QByteArray SequenceSet::toWire() const
{
    QByteArray out;
    for (const Range& r : m_ranges) {
        if (!out.isEmpty()) {
            out += ',';
        }
        appendNumber(out, r.first);
        if (r.last != r.first) {
            out += ':';
            appendNumber(out, r.last);
        }
    }
    return out;
}

} // namespace Latchmail::Imap
