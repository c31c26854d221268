// SPDX-License-Identifier: GPL-3.0-or-later
// Sequence sets and uid-sets (RFC 9051 section 9): parsing, formatting, bounded expansion.
#include "imap/sequenceset.h"

#include <QTest>

using namespace Latchmail::Imap;

class TestImapSequenceSet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void fromNumbers_data();
    void fromNumbers();
    void contains_data();
    void contains();
    void toListIsBounded();
};

void TestImapSequenceSet::parse_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("allowStar");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<quint64>("count");

    QTest::newRow("single") << QByteArray("7") << false << true << QByteArray("7") << quint64(1);
    QTest::newRow("range") << QByteArray("2:4") << false << true << QByteArray("2:4") << quint64(3);
    QTest::newRow("reversed-range")
        << QByteArray("4:2") << false << true << QByteArray("2:4") << quint64(3);
    QTest::newRow("list") << QByteArray("41,43:116,118") << false << true
                          << QByteArray("41,43:116,118") << quint64(76);
    QTest::newRow("star-allowed") << QByteArray("1:*") << true << true << QByteArray("1:*")
                                  << quint64(0);
    QTest::newRow("star-refused") << QByteArray("1:*") << false << false << QByteArray()
                                  << quint64(0);
    QTest::newRow("max-uid") << QByteArray("4294967295") << false << true
                             << QByteArray("4294967295") << quint64(1);
    QTest::newRow("huge-range") << QByteArray("1:4294967295") << false << true
                                << QByteArray("1:4294967295") << quint64(4294967295u);
    QTest::newRow("overflow") << QByteArray("4294967296") << false << false << QByteArray()
                              << quint64(0);
    QTest::newRow("zero") << QByteArray("0") << false << false << QByteArray() << quint64(0);
    QTest::newRow("leading-zero") << QByteArray("07") << false << false << QByteArray()
                                  << quint64(0);
    QTest::newRow("empty") << QByteArray("") << false << false << QByteArray() << quint64(0);
    QTest::newRow("trailing-comma")
        << QByteArray("1,") << false << false << QByteArray() << quint64(0);
    QTest::newRow("double-colon") << QByteArray("1:2:3") << false << false << QByteArray()
                                  << quint64(0);
    QTest::newRow("letters") << QByteArray("1:x") << false << false << QByteArray() << quint64(0);
}

void TestImapSequenceSet::parse()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, allowStar);
    QFETCH(bool, valid);
    QFETCH(QByteArray, wire);
    QFETCH(quint64, count);

    const auto set = SequenceSet::parse(text, allowStar);
    QCOMPARE(set.has_value(), valid);
    if (set) {
        QCOMPARE(set->toWire(), wire);
        QCOMPARE(set->count(), count);
    }
}

void TestImapSequenceSet::fromNumbers_data()
{
    QTest::addColumn<QList<quint32>>("numbers");
    QTest::addColumn<QByteArray>("wire");

    QTest::newRow("empty") << QList<quint32>() << QByteArray();
    QTest::newRow("coalesced") << QList<quint32>{5, 1, 2, 3, 9, 10, 3} << QByteArray("1:3,5,9:10");
    QTest::newRow("singletons") << QList<quint32>{8, 6, 4} << QByteArray("4,6,8");
    QTest::newRow("max-value") << QList<quint32>{4294967294u, 4294967295u}
                               << QByteArray("4294967294:4294967295");
}

void TestImapSequenceSet::fromNumbers()
{
    QFETCH(QList<quint32>, numbers);
    QFETCH(QByteArray, wire);

    QCOMPARE(SequenceSet::fromNumbers(numbers).toWire(), wire);
}

void TestImapSequenceSet::contains_data()
{
    QTest::addColumn<QByteArray>("set");
    QTest::addColumn<quint32>("number");
    QTest::addColumn<quint32>("largest");
    QTest::addColumn<bool>("expected");

    QTest::newRow("inside-range") << QByteArray("3:5") << 4u << 0u << true;
    QTest::newRow("outside-range") << QByteArray("3:5") << 6u << 0u << false;
    QTest::newRow("star-resolved") << QByteArray("3:*") << 9u << 10u << true;
    QTest::newRow("star-beyond-largest") << QByteArray("3:*") << 11u << 10u << false;
    QTest::newRow("star-unresolved") << QByteArray("*") << 1u << 0u << false;
    QTest::newRow("star-below-start") << QByteArray("5:*") << 4u << 3u << true;
}

void TestImapSequenceSet::contains()
{
    QFETCH(QByteArray, set);
    QFETCH(quint32, number);
    QFETCH(quint32, largest);
    QFETCH(bool, expected);

    QCOMPARE(SequenceSet::parse(set)->contains(number, largest), expected);
}

void TestImapSequenceSet::toListIsBounded()
{
    QCOMPARE(SequenceSet::parse("1:3,7")->toList(10), (QList<quint32>{1, 2, 3, 7}));
    QCOMPARE(SequenceSet::parse("1:3,7")->toList(4), (QList<quint32>{1, 2, 3, 7}));
    QVERIFY(!SequenceSet::parse("1:3,7")->toList(3));
    QVERIFY(!SequenceSet::parse("1:4294967295")->toList(100000));
    QVERIFY(!SequenceSet::parse("1:*")->toList(100000));
    QCOMPARE(SequenceSet(4294967295u).toList(1), (QList<quint32>{4294967295u}));
}

QTEST_APPLESS_MAIN(TestImapSequenceSet)
#include "tst_imapsequenceset.moc"
