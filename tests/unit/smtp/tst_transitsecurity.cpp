// SPDX-License-Identifier: GPL-3.0-or-later
#include "submission/transitsecurity.h"

#include <QTest>

using namespace Latchmail;

Q_DECLARE_METATYPE(Latchmail::ClaimedTls)
Q_DECLARE_METATYPE(Latchmail::ClaimSource)

class TestTransitSecurity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsReceivedFields_data();
    void readsReceivedFields();
    void summarises_data();
    void summarises();
    void readsHeaderBlockOldestFirst();
    void boundsHopCount();
    void recordsClaimSource_data();
    void recordsClaimSource();
    void namesRoundTrip();
};

void TestTransitSecurity::readsReceivedFields_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("by");
    QTest::addColumn<QString>("protocol");
    QTest::addColumn<ClaimedTls>("tls");
    QTest::addColumn<QString>("version");
    QTest::addColumn<QString>("cipher");

    QTest::newRow("postfix-tls-comment-submission")
        << QByteArray("from [127.0.0.1] (localhost [127.0.0.1]) (using TLSv1.3 with cipher "
                      "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
                      "server-signature RSA-PSS (2048 bits) server-digest SHA256) (No client "
                      "certificate requested) by mail.example.test (Postfix) with ESMTPSA id "
                      "4AB12 for <bob@example.test>; Tue, 1 Dec 2026 10:00:00 +0000 (UTC)")
        << QStringLiteral("[127.0.0.1]") << QStringLiteral("mail.example.test")
        << QStringLiteral("ESMTPSA") << ClaimedTls::Used << QStringLiteral("TLSv1.3")
        << QStringLiteral("TLS_AES_256_GCM_SHA384");
    QTest::newRow("postfix-folded-tls12")
        << QByteArray("from mail.example.test (mail.example.test [192.0.2.10])\r\n"
                      "\t(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\r\n"
                      "\t(No client certificate requested)\r\n"
                      "\tby mx.remote.example (Postfix) with ESMTPS id 9C31A4000B\r\n"
                      "\tfor <bob@remote.example>; Tue,  1 Dec 2026 10:00:02 +0000 (UTC)")
        << QStringLiteral("mail.example.test") << QStringLiteral("mx.remote.example")
        << QStringLiteral("ESMTPS") << ClaimedTls::Used << QStringLiteral("TLSv1.2")
        << QStringLiteral("ECDHE-RSA-AES256-GCM-SHA384");
    QTest::newRow("postfix-esmtps-without-tls-comment")
        << QByteArray("from a.example (a.example [192.0.2.1]) by b.example (Postfix) with "
                      "ESMTPS id 1; Tue, 1 Dec 2026 10:00:00 +0000")
        << QStringLiteral("a.example") << QStringLiteral("b.example") << QStringLiteral("ESMTPS")
        << ClaimedTls::Used << QString() << QString();
    QTest::newRow("postfix-plain-esmtp")
        << QByteArray("from a.example (a.example [192.0.2.1]) by b.example (Postfix) with ESMTP "
                      "id 2; Tue, 1 Dec 2026 10:00:00 +0000")
        << QStringLiteral("a.example") << QStringLiteral("b.example") << QStringLiteral("ESMTP")
        << ClaimedTls::NotUsed << QString() << QString();
    QTest::newRow("authenticated-without-tls-esmtpa")
        << QByteArray("from c (c [192.0.2.3]) by d with ESMTPA id 3; Tue, 1 Dec 2026 10:00 +0000")
        << QStringLiteral("c") << QStringLiteral("d") << QStringLiteral("ESMTPA")
        << ClaimedTls::NotUsed << QString() << QString();
    QTest::newRow("lmtp-delivery")
        << QByteArray("from mail.example.test by mail.example.test with LMTP id kX7; "
                      "Tue, 1 Dec 2026 10:00:00 +0000")
        << QStringLiteral("mail.example.test") << QStringLiteral("mail.example.test")
        << QStringLiteral("LMTP") << ClaimedTls::NotUsed << QString() << QString();
    QTest::newRow("lmtps-lower-case")
        << QByteArray("from x by y with lmtps; Tue, 1 Dec 2026 10:00:00 +0000")
        << QStringLiteral("x") << QStringLiteral("y") << QStringLiteral("LMTPS") << ClaimedTls::Used
        << QString() << QString();
    QTest::newRow("deep-tls-clause-name")
        << QByteArray(
               "from a.example by b.example with ESMTPS tls TLS_DHE_RSA_WITH_AES_128_CBC_SHA "
               "id 7; Tue, 1 Dec 2026 10:00:00 +0000")
        << QStringLiteral("a.example") << QStringLiteral("b.example") << QStringLiteral("ESMTPS")
        << ClaimedTls::Used << QString() << QStringLiteral("TLS_DHE_RSA_WITH_AES_128_CBC_SHA");
    QTest::newRow("deep-tls-clause-hex")
        << QByteArray("from a by b with SMTP tls 0x1301; Tue, 1 Dec 2026 10:00:00 +0000")
        << QStringLiteral("a") << QStringLiteral("b") << QStringLiteral("SMTP") << ClaimedTls::Used
        << QString() << QStringLiteral("0x1301");
    QTest::newRow("exim-version-comment-and-tls-clause")
        << QByteArray("from client.example.test ([198.51.100.7] helo=client.example.test) by "
                      "relay.example with esmtps  (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim "
                      "4.96) (envelope-from <alice@example.test>) id 1abcde-000ABC-12 for "
                      "carol@example.test; Tue, 01 Dec 2026 11:00:00 +0100")
        << QStringLiteral("client.example.test") << QStringLiteral("relay.example")
        << QStringLiteral("ESMTPS") << ClaimedTls::Used << QStringLiteral("TLSv1.3")
        << QStringLiteral("TLS_AES_256_GCM_SHA384");
    QTest::newRow("gmail-style")
        << QByteArray("from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) "
                      "by mx.google.com with SMTPS id a640c23a62f3a-a8d2d1b3e5bsor1234567ab."
                      "2024.09.10.01.02.03 for <bob@gmail.com> (Google Transport Security); "
                      "Tue, 10 Sep 2024 01:02:03 -0700 (PDT)")
        << QStringLiteral("mail-sor-f41.google.com") << QStringLiteral("mx.google.com")
        << QStringLiteral("SMTPS") << ClaimedTls::Used << QString() << QString();
    QTest::newRow("gmail-version-cipher-bits")
        << QByteArray("from mail.example.org (mail.example.org. [203.0.113.5]) by mx.google.com "
                      "with ESMTPS id y12si3456789qkj.123.2024.09.10.01.02.03 for "
                      "<bob@gmail.com> (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 "
                      "bits=256/256); Tue, 10 Sep 2024 01:02:03 -0700 (PDT)")
        << QStringLiteral("mail.example.org") << QStringLiteral("mx.google.com")
        << QStringLiteral("ESMTPS") << ClaimedTls::Used << QStringLiteral("TLSv1.3")
        << QStringLiteral("TLS_AES_256_GCM_SHA384");
    QTest::newRow("gmail-internal-smtp")
        << QByteArray("by 2002:a05:6a10:b2c6:b0:4e1:7a3c:1f0 with SMTP id x6csp123456pxr; Tue, "
                      "10 Sep 2024 01:02:04 -0700 (PDT)")
        << QString() << QStringLiteral("2002:a05:6a10:b2c6:b0:4e1:7a3c:1f0")
        << QStringLiteral("SMTP") << ClaimedTls::NotUsed << QString() << QString();
    QTest::newRow("exchange-online-tls")
        << QByteArray("from EUR05-AM6-obe.outbound.protection.outlook.com (2a01:111:f400:7e1b::"
                      "800) by AM0PR07MB1234.eurprd07.prod.outlook.com (2603:10a6:208:9::11) with "
                      "Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_"
                      "GCM_SHA384) id 15.20.7918.24; Tue, 10 Sep 2024 08:02:03 +0000")
        << QStringLiteral("EUR05-AM6-obe.outbound.protection.outlook.com")
        << QStringLiteral("AM0PR07MB1234.eurprd07.prod.outlook.com")
        << QStringLiteral("MICROSOFT SMTP SERVER") << ClaimedTls::Used << QStringLiteral("TLSv1.2")
        << QStringLiteral("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    QTest::newRow("exchange-mapi-not-stated")
        << QByteArray("from AM0PR07MB1234.eurprd07.prod.outlook.com ([fe80::1]) by "
                      "AM0PR07MB1234.eurprd07.prod.outlook.com ([fe80::1%5]) with mapi id "
                      "15.20.7918.024; Tue, 10 Sep 2024 08:02:02 +0000")
        << QStringLiteral("AM0PR07MB1234.eurprd07.prod.outlook.com")
        << QStringLiteral("AM0PR07MB1234.eurprd07.prod.outlook.com") << QStringLiteral("MAPI")
        << ClaimedTls::NotStated << QString() << QString();
    QTest::newRow("sendmail-version-comment")
        << QByteArray("from client.example.org (client.example.org [198.51.100.2]) by "
                      "mx.example.net (8.17.1/8.17.1) with ESMTPS id 4B1A2b3C004567 "
                      "(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT) for "
                      "<dave@example.net>; Tue, 1 Dec 2026 10:00:00 +0100")
        << QStringLiteral("client.example.org") << QStringLiteral("mx.example.net")
        << QStringLiteral("ESMTPS") << ClaimedTls::Used << QStringLiteral("TLSv1.3")
        << QStringLiteral("TLS_AES_256_GCM_SHA384");
    QTest::newRow("local-pickup-no-with")
        << QByteArray("by mail.example.test (Postfix, from userid 1000) id 5DE67; Tue, 1 Dec "
                      "2026 10:00:00 +0000 (UTC)")
        << QString() << QStringLiteral("mail.example.test") << QString() << ClaimedTls::NotStated
        << QString() << QString();
    QTest::newRow("garbage") << QByteArray("(((( [[[ <<< \"\"\" ;;;") << QString() << QString()
                             << QString() << ClaimedTls::NotStated << QString() << QString();
    QTest::newRow("empty") << QByteArray() << QString() << QString() << QString()
                           << ClaimedTls::NotStated << QString() << QString();
    QTest::newRow("tls-word-in-comment-only-is-not-a-claim")
        << QByteArray("from a (we like tls) by b with ESMTP; Tue, 1 Dec 2026 10:00:00 +0000")
        << QStringLiteral("a") << QStringLiteral("b") << QStringLiteral("ESMTP")
        << ClaimedTls::NotUsed << QString() << QString();
}

void TestTransitSecurity::readsReceivedFields()
{
    QFETCH(QByteArray, value);
    QFETCH(QString, from);
    QFETCH(QString, by);
    QFETCH(QString, protocol);
    QFETCH(ClaimedTls, tls);
    QFETCH(QString, version);
    QFETCH(QString, cipher);

    const ReceivedHopClaim hop = parseReceivedField(value);
    QCOMPARE(hop.fromHost, from);
    QCOMPARE(hop.byHost, by);
    QCOMPARE(hop.protocol, protocol);
    QCOMPARE(hop.tls, tls);
    QCOMPARE(hop.tlsVersion, version);
    QCOMPARE(hop.cipherSuite, cipher);
}

void TestTransitSecurity::summarises_data()
{
    QTest::addColumn<QList<QByteArray>>("received"); // header order, newest first
    QTest::addColumn<QString>("summary");

    const QByteArray tls1 = "from a.example by b.example with ESMTPS; Tue, 1 Dec 2026 10:00 +0000";
    const QByteArray tls2 = "from b.example by c.example with ESMTPSA; Tue, 1 Dec 2026 10:00 +0000";
    const QByteArray tls3 = "from c.example by d.example with LMTPS; Tue, 1 Dec 2026 10:00 +0000";
    const QByteArray plain = "from x.example by y.example with ESMTP; Tue, 1 Dec 2026 10:00 +0000";
    const QByteArray unknown = "from p.example by q.example with mapi; Tue, 1 Dec 2026 10:00 +0000";

    QTest::newRow("no-hops") << QList<QByteArray>()
                             << QStringLiteral("No hops are recorded, so nothing is known about "
                                               "TLS on the way.");
    QTest::newRow("one-hop-tls") << QList<QByteArray>{tls1}
                                 << QStringLiteral("The 1 recorded hop used TLS (as recorded by "
                                                   "the servers).");
    QTest::newRow("all-three-tls") << QList<QByteArray>{tls3, tls2, tls1}
                                   << QStringLiteral("All 3 recorded hops used TLS (as recorded "
                                                     "by the servers).");
    QTest::newRow("two-of-three")
        << QList<QByteArray>{tls2, plain, tls1}
        << QStringLiteral("2 of 3 recorded hops used TLS; 1 did not: from x.example by y.example "
                          "(as recorded by the servers).");
    QTest::newRow("with-unstated")
        << QList<QByteArray>{unknown, plain, tls1}
        << QStringLiteral("1 of 3 recorded hops used TLS; 1 did not: from x.example by "
                          "y.example; 1 did not say: from p.example by q.example (as recorded by "
                          "the servers).");
    QTest::newRow("none-used-tls-many-named")
        << QList<QByteArray>{plain, plain, plain, plain, plain}
        << QStringLiteral("0 of 5 recorded hops used TLS; 5 did not: from x.example by "
                          "y.example; from x.example by y.example; from x.example by y.example "
                          "and 2 more (as recorded by the servers).");
}

void TestTransitSecurity::summarises()
{
    QFETCH(QList<QByteArray>, received);
    QFETCH(QString, summary);
    QCOMPARE(readTransitSecurityClaims(received).summary(), summary);
}

void TestTransitSecurity::readsHeaderBlockOldestFirst()
{
    const QByteArray block =
        "Return-Path: <alice@example.test>\r\n"
        "Received: from mail.example.test (mail.example.test [192.0.2.10])\r\n"
        "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
        "\tby mx.remote.example (Postfix) with ESMTPS id 9C31A4000B\r\n"
        "\tfor <bob@remote.example>; Tue,  1 Dec 2026 10:00:02 +0000 (UTC)\r\n"
        "received: from [127.0.0.1] (localhost [127.0.0.1])\r\n"
        "\tby mail.example.test (Postfix) with ESMTPA id 4AB12;\r\n"
        "\tTue,  1 Dec 2026 10:00:00 +0000 (UTC)\r\n"
        "Subject: x\r\n";
    const TransitSecurityClaims claims = readTransitSecurityClaims(block);
    QCOMPARE(claims.hops.size(), 2);
    QCOMPARE(claims.hops.at(0).byHost, QStringLiteral("mail.example.test"));
    QCOMPARE(claims.hops.at(0).tls, ClaimedTls::NotUsed);
    QCOMPARE(claims.hops.at(1).byHost, QStringLiteral("mx.remote.example"));
    QCOMPARE(claims.hops.at(1).tlsVersion, QStringLiteral("TLSv1.3"));
    QCOMPARE(claims.hopsWithTls, 1);
    QCOMPARE(claims.hopsWithoutTls, 1);
    QCOMPARE(claims.hopsNotStated, 0);
    QVERIFY(claims.summary().contains(QStringLiteral("from [127.0.0.1] by mail.example.test")));
}

void TestTransitSecurity::boundsHopCount()
{
    const QList<QByteArray> many(
        TransitSecurityClaims::kMaxHops + 5,
        QByteArray("from a by b with ESMTPS; Tue, 1 Dec 2026 10:00 +0000"));
    const TransitSecurityClaims claims = readTransitSecurityClaims(many);
    QCOMPARE(claims.hops.size(), TransitSecurityClaims::kMaxHops);
    QVERIFY(claims.truncated);
}

void TestTransitSecurity::recordsClaimSource_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<ClaimSource>("source");
    QTest::addColumn<QString>("claimText");

    QTest::newRow("tls-clause-wins-over-protocol")
        << QByteArray("from a by b with SMTP tls 0x1301; Tue, 1 Dec 2026 10:00:00 +0000")
        << ClaimSource::TlsClause << QStringLiteral("tls 0x1301");
    QTest::newRow("postfix-comment")
        << QByteArray("from a (using TLSv1.2 with cipher AES128-SHA (128/128 bits)) by b with "
                      "ESMTPS id 1; Tue, 1 Dec 2026 10:00:00 +0000")
        << ClaimSource::Comment
        << QStringLiteral("using TLSv1.2 with cipher AES128-SHA (128/128 bits)");
    QTest::newRow("protocol-only") << QByteArray("from a by b with ESMTP id 2; Tue, 1 Dec 2026")
                                   << ClaimSource::Protocol << QStringLiteral("with ESMTP");
    QTest::newRow("nothing-stated")
        << QByteArray("from a by b id 3; Tue, 1 Dec 2026") << ClaimSource::None << QString();
}

// Each hop keeps where its TLS claim was read from, as the server wrote it.
void TestTransitSecurity::recordsClaimSource()
{
    QFETCH(QByteArray, value);
    QFETCH(ClaimSource, source);
    QFETCH(QString, claimText);

    const ReceivedHopClaim hop = parseReceivedField(value);
    QCOMPARE(hop.source, source);
    QCOMPARE(hop.claimText, claimText);
}

void TestTransitSecurity::namesRoundTrip()
{
    for (ClaimedTls claim : {ClaimedTls::Used, ClaimedTls::NotUsed, ClaimedTls::NotStated}) {
        ClaimedTls read = claim == ClaimedTls::Used ? ClaimedTls::NotUsed : ClaimedTls::Used;
        QVERIFY(claimedTlsFromName(claimedTlsName(claim), &read));
        QCOMPARE(read, claim);
    }
    for (ClaimSource source :
         {ClaimSource::None, ClaimSource::TlsClause, ClaimSource::Comment, ClaimSource::Protocol}) {
        ClaimSource read = source == ClaimSource::None ? ClaimSource::Comment : ClaimSource::None;
        QVERIFY(claimSourceFromName(claimSourceName(source), &read));
        QCOMPARE(read, source);
    }
    QCOMPARE(claimedTlsName(ClaimedTls::NotUsed), QStringLiteral("not-used"));
    QCOMPARE(claimSourceName(ClaimSource::TlsClause), QStringLiteral("tls-clause"));
    ClaimedTls unused = ClaimedTls::Used;
    QVERIFY(!claimedTlsFromName(QStringLiteral("maybe"), &unused));
}

QTEST_GUILESS_MAIN(TestTransitSecurity)
#include "tst_transitsecurity.moc"
