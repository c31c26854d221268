// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <optional>

namespace Latchmail::Imap {

/// An IMAP sequence-set or uid-set (RFC 9051 section 9, `sequence-set`, `uid-set`).
/// Ranges keep the order in which they were given, which matters for COPYUID and APPENDUID
/// (RFC 4315) where source and destination sets pair up element by element.
/// `*` ("the largest number in use") is stored as the value 0, which no nz-number can take.
class SequenceSet
{
public:
    /// The wire `*`.
    static constexpr quint32 Star = 0;

    struct Range
    {
        quint32 first = 0;
        quint32 last = 0;
        bool operator==(const Range&) const = default;
    };

    SequenceSet() = default;
    explicit SequenceSet(quint32 number);
    SequenceSet(quint32 first, quint32 last);

    /// Sorts, removes duplicates and merges adjacent numbers into ranges.
    [[nodiscard]] static SequenceSet fromNumbers(QList<quint32> numbers);

    /// Parses a sequence-set from server or test input; `*` only when allowStar.
    [[nodiscard]] static std::optional<SequenceSet> parse(QByteArrayView text,
                                                          bool allowStar = true);

    void add(quint32 number);
    void addRange(quint32 first, quint32 last);

    [[nodiscard]] bool isEmpty() const { return m_ranges.isEmpty(); }
    [[nodiscard]] const QList<Range>& ranges() const { return m_ranges; }

    /// Whether number is in the set; `*` is resolved to largest (0: `*` matches nothing).
    [[nodiscard]] bool contains(quint32 number, quint32 largest = 0) const;

    /// Number of elements, counting only ranges without `*`.
    [[nodiscard]] quint64 count() const;

    /// The elements in set order, or nothing when the set holds `*` or more than maxCount
    /// elements: a hostile server's "1:4294967295" must not become a 16 GiB list.
    [[nodiscard]] std::optional<QList<quint32>> toList(qsizetype maxCount) const;

    /// Wire form, e.g. "1:4,7,9:*".
    [[nodiscard]] QByteArray toWire() const;

    bool operator==(const SequenceSet&) const = default;

private:
    QList<Range> m_ranges;
};

} // namespace Latchmail::Imap
