// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/latch.h"
#include "latchprinting.h"

#include <QTest>

using namespace Latchmail;

class TestLatch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tokenSyntax_data();
    void tokenSyntax();
    void knownLatchesOrder();
    void isKnown_data();
    void isKnown();
    void fromList_data();
    void fromList();
    void initializerListDropsMalformed();
    void setOperations();
    void unknownTokens();
    void equality();
};

void TestLatch::tokenSyntax_data()
{
    QTest::addColumn<QString>("token");
    QTest::addColumn<bool>("valid");

    QTest::newRow("known-tls10") << QStringLiteral("tls10") << true;
    QTest::newRow("known-tls-nomd5") << QStringLiteral("tls-nomd5") << true;
    QTest::newRow("deep-tls-dane-tlsa") << QStringLiteral("tls-dane-tlsa") << true;
    QTest::newRow("single-letter") << QStringLiteral("a") << true;
    QTest::newRow("upper-case-letters") << QStringLiteral("TLS10") << true;
    QTest::newRow("trailing-hyphen") << QStringLiteral("x-") << true;
    QTest::newRow("letter-then-digits") << QStringLiteral("x123") << true;
    QTest::newRow("exactly-32-chars") << QStringLiteral("a").repeated(32) << true;
    QTest::newRow("32-chars-mixed")
        << QStringLiteral("t") + QStringLiteral("-1").repeated(15) + u'z' << true;

    QTest::newRow("empty") << QString() << false;
    QTest::newRow("33-chars") << QStringLiteral("a").repeated(33) << false;
    QTest::newRow("leading-digit") << QStringLiteral("1tls") << false;
    QTest::newRow("leading-hyphen") << QStringLiteral("-tls") << false;
    QTest::newRow("underscore") << QStringLiteral("tls_10") << false;
    QTest::newRow("dot") << QStringLiteral("tls.10") << false;
    QTest::newRow("inner-space") << QStringLiteral("tls 10") << false;
    QTest::newRow("leading-space") << QStringLiteral(" tls10") << false;
    QTest::newRow("trailing-newline") << QStringLiteral("tls10\n") << false;
    QTest::newRow("nul-character") << QString(QStringLiteral("tls") + QChar(u'\0')) << false;
    QTest::newRow("latin-accented-letter") << QString::fromUtf8("tl\xc5\x9b") << false;
    QTest::newRow("leading-umlaut") << QString::fromUtf8("\xc3\xa4tls") << false;
    QTest::newRow("greek-alpha") << QString::fromUtf8("\xce\xb1") << false;
    QTest::newRow("fullwidth-letters")
        << QString::fromUtf8("\xef\xbd\x94\xef\xbd\x8c\xef\xbd\x93") << false;
    QTest::newRow("superscript-digit") << QString::fromUtf8("tls\xc2\xb9") << false;
}

void TestLatch::tokenSyntax()
{
    QFETCH(QString, token);
    QFETCH(bool, valid);

    QCOMPARE(isValidLatchToken(token), valid);
}

void TestLatch::knownLatchesOrder()
{
    const QStringList expected{
        QStringLiteral("tls10"),     QStringLiteral("tls11"),    QStringLiteral("tls12"),
        QStringLiteral("tls13"),     QStringLiteral("tls-cert"), QStringLiteral("tls-nomd5"),
        QStringLiteral("tls-norc4"), QStringLiteral("tls-pfs"),
    };
    QCOMPARE(knownLatches(), expected);

    for (const QString& token : knownLatches()) {
        QVERIFY2(isValidLatchToken(token), qPrintable(token));
    }
}

void TestLatch::isKnown_data()
{
    QTest::addColumn<QString>("token");
    QTest::addColumn<bool>("known");

    QTest::newRow("tls10") << QStringLiteral("tls10") << true;
    QTest::newRow("tls13") << QStringLiteral("tls13") << true;
    QTest::newRow("tls-pfs") << QStringLiteral("tls-pfs") << true;
    QTest::newRow("tls-dane-tlsa") << QStringLiteral("tls-dane-tlsa") << false;
    QTest::newRow("upper-case-is-another-token") << QStringLiteral("TLS10") << false;
    QTest::newRow("tls14") << QStringLiteral("tls14") << false;
    QTest::newRow("empty") << QString() << false;
}

void TestLatch::isKnown()
{
    QFETCH(QString, token);
    QFETCH(bool, known);

    QCOMPARE(isKnownLatch(token), known);
}

void TestLatch::fromList_data()
{
    QTest::addColumn<QStringList>("input");
    QTest::addColumn<QStringList>("canonical");

    QTest::newRow("empty") << QStringList() << QStringList();
    QTest::newRow("reverse-order")
        << QStringList{QStringLiteral("tls-pfs"), QStringLiteral("tls-cert"),
                       QStringLiteral("tls12"), QStringLiteral("tls10")}
        << QStringList{QStringLiteral("tls10"), QStringLiteral("tls12"), QStringLiteral("tls-cert"),
                       QStringLiteral("tls-pfs")};
    QTest::newRow("duplicates-collapse")
        << QStringList{QStringLiteral("tls10"), QStringLiteral("tls10"), QStringLiteral("tls10")}
        << QStringList{QStringLiteral("tls10")};
    QTest::newRow("unknown-kept-after-known-sorted")
        << QStringList{QStringLiteral("zz-future"), QStringLiteral("tls-dane-tlsa"),
                       QStringLiteral("tls13"), QStringLiteral("a-new")}
        << QStringList{QStringLiteral("tls13"), QStringLiteral("a-new"),
                       QStringLiteral("tls-dane-tlsa"), QStringLiteral("zz-future")};
    QTest::newRow("malformed-dropped")
        << QStringList{QStringLiteral("tls10"),          QString(),
                       QStringLiteral("1bad"),           QStringLiteral("has space"),
                       QStringLiteral("a").repeated(33), QStringLiteral("tls-norc4")}
        << QStringList{QStringLiteral("tls10"), QStringLiteral("tls-norc4")};
}

void TestLatch::fromList()
{
    QFETCH(QStringList, input);
    QFETCH(QStringList, canonical);

    const LatchSet set = LatchSet::fromList(input);
    QCOMPARE(set.toList(), canonical);
    QCOMPARE(set.toString(), canonical.join(u' '));
    QCOMPARE(set.size(), canonical.size());
    QCOMPARE(set.isEmpty(), canonical.isEmpty());
    QCOMPARE(LatchSet::fromList(set.toList()), set);
}

void TestLatch::initializerListDropsMalformed()
{
    const LatchSet set{LatchToken::Tls12, QStringLiteral("bad token"), LatchToken::TlsPfs};
    QCOMPARE(set.toString(), QStringLiteral("tls12 tls-pfs"));
    QVERIFY(!set.contains(QStringLiteral("bad token")));
}

void TestLatch::setOperations()
{
    const LatchSet a{LatchToken::Tls10, LatchToken::Tls12, QStringLiteral("x-future")};
    const LatchSet b{LatchToken::Tls12, LatchToken::TlsCert};

    QCOMPARE(a.united(b).toString(), QStringLiteral("tls10 tls12 tls-cert x-future"));
    QCOMPARE(a.subtracted(b).toString(), QStringLiteral("tls10 x-future"));
    QCOMPARE(b.subtracted(a).toString(), QStringLiteral("tls-cert"));
    QCOMPARE(a.subtracted(a), LatchSet());

    LatchSet grown = b;
    grown.insert(LatchToken::Tls13);
    QVERIFY(grown.contains(LatchToken::Tls13));
    QCOMPARE(grown.toString(), QStringLiteral("tls12 tls13 tls-cert"));
    QCOMPARE(b.toString(), QStringLiteral("tls12 tls-cert"));
}

void TestLatch::unknownTokens()
{
    const LatchSet set = LatchSet::fromList(
        {QStringLiteral("tls-dane-tlsa"), QStringLiteral("tls10"), QStringLiteral("b-next")});
    QCOMPARE(set.unknownTokens().toList(),
             (QStringList{QStringLiteral("b-next"), QStringLiteral("tls-dane-tlsa")}));
    QVERIFY(LatchSet::fromList(knownLatches()).unknownTokens().isEmpty());
}

void TestLatch::equality()
{
    QCOMPARE((LatchSet{LatchToken::Tls10, LatchToken::TlsPfs}),
             (LatchSet{LatchToken::TlsPfs, LatchToken::Tls10}));
    QVERIFY(!(LatchSet{LatchToken::Tls10} == LatchSet{LatchToken::Tls11}));
    QVERIFY(!(LatchSet{LatchToken::Tls10} == LatchSet()));
}

QTEST_GUILESS_MAIN(TestLatch)
#include "tst_latch.moc"
