// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mimeaddress.h"

#include <QTest>

using namespace Latchmail;

class TestMimeAddress : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void normalises_data();
    void normalises();
};

void TestMimeAddress::normalises_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("normalized"); // empty: invalid
    QTest::addColumn<bool>("nonAscii");

    QTest::newRow("ascii") << QStringLiteral("bob@example.test")
                           << QStringLiteral("bob@example.test") << false;
    QTest::newRow("idn-domain") << QStringLiteral("bob@bücher.example")
                                << QStringLiteral("bob@xn--bcher-kva.example") << false;
    QTest::newRow("utf8-local") << QStringLiteral("jörg@example.test")
                                << QStringLiteral("jörg@example.test") << true;
    QTest::newRow("literal") << QStringLiteral("x@[192.0.2.1]") << QStringLiteral("x@[192.0.2.1]")
                             << false;
    QTest::newRow("header-injection")
        << QStringLiteral("bob@example.test\r\nBcc: eve@evil.test") << QString() << false;
    QTest::newRow("display-form") << QStringLiteral("Bob <bob@example.test>") << QString() << false;
    QTest::newRow("truncated-ipv4-literal") << QStringLiteral("x@[192.0.2]") << QString() << false;
}

void TestMimeAddress::normalises()
{
    QFETCH(QString, address);
    QFETCH(QString, normalized);
    QFETCH(bool, nonAscii);

    const MailboxCheck check = checkMailboxAddress(address);
    QCOMPARE(check.valid, !normalized.isEmpty());
    QCOMPARE(check.normalized, normalized);
    QCOMPARE(check.nonAsciiLocalPart, nonAscii);
    QCOMPARE(check.error.isEmpty(), check.valid);
}

QTEST_GUILESS_MAIN(TestMimeAddress)
#include "tst_mimeaddress.moc"
