// SPDX-License-Identifier: GPL-3.0-or-later
#include "submission/ehlocapabilities.h"
#include "submission/smtpreply.h"

#include <QTest>

using namespace Latchmail;

namespace {

SmtpReply parse(const QByteArray& wire)
{
    SmtpReplyParser parser;
    parser.feed(wire);
    SmtpReply reply;
    if (!parser.takeReply(&reply)) {
        qFatal("test reply did not parse: %s", qPrintable(parser.errorString()));
    }
    return reply;
}

} // namespace

class TestSmtpEhlo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsCapabilities_data();
    void readsCapabilities();
    void readsPostfixReply();
    void ignoresNonEhloReply();
};

void TestSmtpEhlo::readsCapabilities_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<bool>("startTls");
    QTest::addColumn<QStringList>("mechanisms");
    QTest::addColumn<bool>("sizeAnnounced");
    QTest::addColumn<qint64>("maxSize");
    QTest::addColumn<QStringList>("flags"); // 8BITMIME SMTPUTF8 PIPELINING DSN ENH CHUNKING

    QTest::newRow("greeting-only") << QByteArray("250 mail.example.test\r\n") << false
                                   << QStringList() << false << qint64(0) << QStringList();
    QTest::newRow("starttls-before-tls")
        << QByteArray("250-mail.example.test\r\n250-STARTTLS\r\n250 PIPELINING\r\n") << true
        << QStringList() << false << qint64(0) << QStringList{QStringLiteral("PIPELINING")};
    QTest::newRow("auth-mechanisms")
        << QByteArray("250-x\r\n250-AUTH PLAIN LOGIN SCRAM-SHA-256\r\n250 ENHANCEDSTATUSCODES\r\n")
        << false
        << QStringList{QStringLiteral("PLAIN"), QStringLiteral("LOGIN"),
                       QStringLiteral("SCRAM-SHA-256")}
        << false << qint64(0) << QStringList{QStringLiteral("ENHANCEDSTATUSCODES")};
    QTest::newRow("old-auth-equals-form")
        << QByteArray("250-x\r\n250-AUTH=LOGIN PLAIN\r\n250 AUTH PLAIN\r\n") << false
        << QStringList{QStringLiteral("LOGIN"), QStringLiteral("PLAIN")} << false << qint64(0)
        << QStringList();
    QTest::newRow("lower-case-keywords")
        << QByteArray("250-x\r\n250-auth plain\r\n250-starttls\r\n250 8bitmime\r\n") << true
        << QStringList{QStringLiteral("PLAIN")} << false << qint64(0)
        << QStringList{QStringLiteral("8BITMIME")};
    QTest::newRow("size-with-limit") << QByteArray("250-x\r\n250 SIZE 35882577\r\n") << false
                                     << QStringList() << true << qint64(35882577) << QStringList();
    QTest::newRow("size-without-limit") << QByteArray("250-x\r\n250 SIZE\r\n") << false
                                        << QStringList() << true << qint64(0) << QStringList();
    QTest::newRow("size-garbage-ignored") << QByteArray("250-x\r\n250 SIZE lots\r\n") << false
                                          << QStringList() << true << qint64(0) << QStringList();
    QTest::newRow("all-extensions")
        << QByteArray("250-x\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-PIPELINING\r\n250-DSN\r\n"
                      "250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n")
        << false << QStringList() << false << qint64(0)
        << QStringList{QStringLiteral("8BITMIME"),
                       QStringLiteral("SMTPUTF8"),
                       QStringLiteral("PIPELINING"),
                       QStringLiteral("DSN"),
                       QStringLiteral("ENHANCEDSTATUSCODES"),
                       QStringLiteral("CHUNKING")};
    QTest::newRow("malformed-keyword-ignored")
        << QByteArray("250-x\r\n250--STARTTLS\r\n250 ST@RTTLS\r\n") << false << QStringList()
        << false << qint64(0) << QStringList();
    QTest::newRow("malformed-mechanism-ignored")
        << QByteArray("250-x\r\n250 AUTH PLAIN login THIS-NAME-IS-FAR-TOO-LONG-FOR-SASL\r\n")
        << false << QStringList{QStringLiteral("PLAIN"), QStringLiteral("LOGIN")} << false
        << qint64(0) << QStringList();
    QTest::newRow("duplicate-mechanisms-once")
        << QByteArray("250-x\r\n250-AUTH PLAIN\r\n250 AUTH PLAIN LOGIN\r\n") << false
        << QStringList{QStringLiteral("PLAIN"), QStringLiteral("LOGIN")} << false << qint64(0)
        << QStringList();
}

void TestSmtpEhlo::readsCapabilities()
{
    QFETCH(QByteArray, wire);
    QFETCH(bool, startTls);
    QFETCH(QStringList, mechanisms);
    QFETCH(bool, sizeAnnounced);
    QFETCH(qint64, maxSize);
    QFETCH(QStringList, flags);

    const EhloCapabilities capabilities = EhloCapabilities::fromReply(parse(wire));
    QCOMPARE(capabilities.startTls, startTls);
    QCOMPARE(capabilities.authMechanisms, mechanisms);
    QCOMPARE(capabilities.sizeAnnounced, sizeAnnounced);
    QCOMPARE(capabilities.maxMessageSize, maxSize);
    QCOMPARE(capabilities.eightBitMime, flags.contains(QStringLiteral("8BITMIME")));
    QCOMPARE(capabilities.smtpUtf8, flags.contains(QStringLiteral("SMTPUTF8")));
    QCOMPARE(capabilities.pipelining, flags.contains(QStringLiteral("PIPELINING")));
    QCOMPARE(capabilities.dsn, flags.contains(QStringLiteral("DSN")));
    QCOMPARE(capabilities.enhancedStatusCodes,
             flags.contains(QStringLiteral("ENHANCEDSTATUSCODES")));
    QCOMPARE(capabilities.chunking, flags.contains(QStringLiteral("CHUNKING")));
}

void TestSmtpEhlo::readsPostfixReply()
{
    // The post-TLS EHLO reply of Postfix 3.7 with smtpd_tls_auth_only = yes.
    const QByteArray wire = "250-mail.example.test\r\n"
                            "250-PIPELINING\r\n"
                            "250-SIZE 10240000\r\n"
                            "250-VRFY\r\n"
                            "250-ETRN\r\n"
                            "250-AUTH PLAIN LOGIN\r\n"
                            "250-AUTH=PLAIN LOGIN\r\n"
                            "250-ENHANCEDSTATUSCODES\r\n"
                            "250-8BITMIME\r\n"
                            "250-DSN\r\n"
                            "250-SMTPUTF8\r\n"
                            "250 CHUNKING\r\n";
    const EhloCapabilities capabilities = EhloCapabilities::fromReply(parse(wire));
    QCOMPARE(capabilities.serverDomain, QStringLiteral("mail.example.test"));
    QVERIFY(!capabilities.startTls);
    QVERIFY(capabilities.hasAuthMechanism(QStringLiteral("plain")));
    QVERIFY(capabilities.hasAuthMechanism(QStringLiteral("LOGIN")));
    QVERIFY(!capabilities.hasAuthMechanism(QStringLiteral("CRAM-MD5")));
    QCOMPARE(capabilities.maxMessageSize, qint64(10240000));
    QVERIFY(capabilities.dsn && capabilities.pipelining && capabilities.chunking);
    QVERIFY(capabilities.keywords.contains(QStringLiteral("VRFY")));
}

void TestSmtpEhlo::ignoresNonEhloReply()
{
    const EhloCapabilities refused =
        EhloCapabilities::fromReply(parse("502-5.5.2 Error\r\n502 STARTTLS\r\n"));
    QVERIFY(!refused.startTls);
    QVERIFY(refused.keywords.isEmpty());
}

QTEST_GUILESS_MAIN(TestSmtpEhlo)
#include "tst_smtpehlo.moc"
