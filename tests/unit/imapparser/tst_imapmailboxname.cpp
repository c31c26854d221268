// SPDX-License-Identifier: GPL-3.0-or-later
// Modified UTF-7 mailbox names (RFC 3501 / RFC 9051 section 5.1.3), valid and invalid.
#include "imap/mailboxname.h"

#include <QTest>

using namespace Latchmail::Imap;

class TestImapMailboxName : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void rejected_data();
    void rejected();
    void wireModes();
};

void TestImapMailboxName::roundTrip_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("encoded");

    QTest::newRow("rfc-example") << QStringLiteral(u"~peter/mail/台北/日本語")
                                 << QByteArray("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    QTest::newRow("ampersand") << QStringLiteral("&") << QByteArray("&-");
    QTest::newRow("ampersands-and-text")
        << QStringLiteral("Tom & Jerry &&") << QByteArray("Tom &- Jerry &-&-");
    QTest::newRow("empty") << QString() << QByteArray();
    QTest::newRow("plain-ascii") << QStringLiteral("INBOX/Sent Items")
                                 << QByteArray("INBOX/Sent Items");
    QTest::newRow("german-umlaut") << QStringLiteral(u"Entwürfe") << QByteArray("Entw&APw-rfe");
    QTest::newRow("one-char-padding") << QStringLiteral(u"ä") << QByteArray("&AOQ-");
    QTest::newRow("two-chars-padding") << QStringLiteral(u"äö") << QByteArray("&AOQA9g-");
    QTest::newRow("three-chars-no-padding") << QStringLiteral(u"äöü") << QByteArray("&AOQA9gD8-");
    QTest::newRow("slash-in-base64") << QStringLiteral(u"\u03ff") << QByteArray("&A,8-");
    QTest::newRow("surrogate-pair-emoji")
        << QStringLiteral(u"📧 Mail") << QByteArray("&2D3c5w- Mail");
    QTest::newRow("control-character") << QStringLiteral(u"a\tb") << QByteArray("a&AAk-b");
    QTest::newRow("tilde-and-specials") << QStringLiteral("~!\"#$%*()") << QByteArray("~!\"#$%*()");
}

void TestImapMailboxName::roundTrip()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, encoded);

    QCOMPARE(encodeMailboxName(name), encoded);
    QString error;
    const auto decoded = decodeMailboxName(encoded, &error);
    QVERIFY2(decoded, qPrintable(error));
    QCOMPARE(*decoded, name);
}

void TestImapMailboxName::rejected_data()
{
    QTest::addColumn<QByteArray>("encoded");
    QTest::addColumn<QString>("reason");

    QTest::newRow("invalid-base64-char")
        << QByteArray("&Jjo!") << QStringLiteral("not terminated by '-'");
    QTest::newRow("unterminated") << QByteArray("~peter/&U,BTFw")
                                  << QStringLiteral("not terminated by '-'");
    QTest::newRow("lone-ampersand-at-end")
        << QByteArray("abc&") << QStringLiteral("not terminated by '-'");
    QTest::newRow("standard-base64-slash")
        << QByteArray("&A/8-") << QStringLiteral("not terminated by '-'");
    QTest::newRow("eight-bit-byte")
        << QByteArray("Entw\xc3\xbcrfe") << QStringLiteral("byte 0xc3 at 4");
    QTest::newRow("control-byte") << QByteArray("a\tb") << QStringLiteral("byte 0x09 at 1");
    QTest::newRow("odd-byte-count") << QByteArray("&AO-") << QStringLiteral("not whole UTF-16");
    QTest::newRow("impossible-length")
        << QByteArray("&A-") << QStringLiteral("malformed modified BASE64");
    QTest::newRow("ascii-inside-base64") << QByteArray("&AGE-") << QStringLiteral("non-canonical");
    QTest::newRow("ampersand-inside-base64")
        << QByteArray("&ACY-") << QStringLiteral("non-canonical");
    QTest::newRow("adjacent-runs") << QByteArray("&AOQ-&APY-") << QStringLiteral("non-canonical");
    QTest::newRow("nonzero-trailing-bits")
        << QByteArray("&AOR-") << QStringLiteral("non-canonical");
    QTest::newRow("lone-high-surrogate") << QByteArray("&2D0-") << QStringLiteral("surrogate");
    QTest::newRow("lone-low-surrogate") << QByteArray("&3Gc-") << QStringLiteral("surrogate");
    QTest::newRow("nul-character") << QByteArray("&AAA-") << QStringLiteral("NUL");
}

void TestImapMailboxName::rejected()
{
    QFETCH(QByteArray, encoded);
    QFETCH(QString, reason);

    QString error;
    QVERIFY(!decodeMailboxName(encoded, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
}

void TestImapMailboxName::wireModes()
{
    const QString name = QStringLiteral(u"Entwürfe");
    QCOMPARE(mailboxNameToWire(name, false), QByteArray("Entw&APw-rfe"));
    QCOMPARE(mailboxNameToWire(name, true), name.toUtf8());
    QCOMPARE(mailboxNameFromWire("Entw&APw-rfe", false), name);
    QCOMPARE(mailboxNameFromWire(name.toUtf8(), true), name);

    QString error;
    QVERIFY(!mailboxNameFromWire("bad\xff", true, &error));
    QCOMPARE(error, QStringLiteral("mailbox name is not valid UTF-8"));
    QVERIFY(!mailboxNameFromWire(name.toUtf8(), false));
}

QTEST_APPLESS_MAIN(TestImapMailboxName)
#include "tst_imapmailboxname.moc"
