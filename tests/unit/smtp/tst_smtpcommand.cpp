// SPDX-License-Identifier: GPL-3.0-or-later
#include "submission/smtpcommand.h"

#include <QTest>

using namespace Latchmail;

class TestSmtpCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void buildsSimpleCommands();
    void buildsEhlo_data();
    void buildsEhlo();
    void buildsAuthPlain();
    void refusesUnusableAuthPlain_data();
    void refusesUnusableAuthPlain();
    void buildsAuthLoginSteps();
    void buildsMailFrom_data();
    void buildsMailFrom();
    void buildsRcptTo_data();
    void buildsRcptTo();
    void validatesEnvelopeAddresses_data();
    void validatesEnvelopeAddresses();
    void encodesXtext_data();
    void encodesXtext();
    void encodesUtf8AddressXtext();
    void dotStuffs_data();
    void dotStuffs();
    void dotStuffsAcrossChunks();
};

void TestSmtpCommand::buildsSimpleCommands()
{
    QCOMPARE(SmtpCommand::startTls(), QByteArray("STARTTLS\r\n"));
    QCOMPARE(SmtpCommand::data(), QByteArray("DATA\r\n"));
    QCOMPARE(SmtpCommand::rset(), QByteArray("RSET\r\n"));
    QCOMPARE(SmtpCommand::quit(), QByteArray("QUIT\r\n"));
    QCOMPARE(SmtpCommand::authCancel(), QByteArray("*\r\n"));
}

void TestSmtpCommand::buildsEhlo_data()
{
    QTest::addColumn<QString>("domain");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("host-name") << QStringLiteral("client.example.test")
                               << QByteArray("EHLO client.example.test\r\n");
    QTest::newRow("ipv4-literal") << QStringLiteral("[192.0.2.7]")
                                  << QByteArray("EHLO [192.0.2.7]\r\n");
    QTest::newRow("ipv6-literal") << QStringLiteral("[IPv6:2001:db8::1]")
                                  << QByteArray("EHLO [IPv6:2001:db8::1]\r\n");
    QTest::newRow("crlf-injection-rejected")
        << QStringLiteral("x\r\nMAIL FROM:<a@b>") << QByteArray();
    QTest::newRow("space-rejected") << QStringLiteral("my host") << QByteArray();
    QTest::newRow("empty-rejected") << QString() << QByteArray();
    QTest::newRow("non-ascii-rejected") << QStringLiteral("bücher.example") << QByteArray();
}

void TestSmtpCommand::buildsEhlo()
{
    QFETCH(QString, domain);
    QFETCH(QByteArray, expected);

    const SmtpCommandLine line = SmtpCommand::ehlo(domain);
    QCOMPARE(line.bytes, expected);
    QCOMPARE(line.isValid(), !expected.isEmpty());
    QCOMPARE(line.error.isEmpty(), !expected.isEmpty());
}

void TestSmtpCommand::buildsAuthPlain()
{
    // RFC 4616 4 example: "\0tim\0tanstaaftanstaaf".
    const SmtpCommandLine line =
        SmtpCommand::authPlain(QStringLiteral("tim"), QStringLiteral("tanstaaftanstaaf"));
    QVERIFY(line.isValid());
    QCOMPARE(line.bytes, QByteArray("AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n"));

    const SmtpCommandLine withAuthzid = SmtpCommand::authPlain(
        QStringLiteral("Kurt"), QStringLiteral("xipj3plmq"), QStringLiteral("Ursel"));
    QCOMPARE(withAuthzid.bytes, QByteArray("AUTH PLAIN VXJzZWwAS3VydAB4aXBqM3BsbXE=\r\n"));

    const SmtpCommandLine utf8 =
        SmtpCommand::authPlain(QStringLiteral("jörg"), QStringLiteral("pässwörd"));
    const QByteArray decoded = QByteArray::fromBase64(utf8.bytes.mid(11, utf8.bytes.size() - 13));
    QByteArray expected;
    expected.append('\0').append("jörg").append('\0').append("pässwörd");
    QCOMPARE(decoded, expected);
}

void TestSmtpCommand::refusesUnusableAuthPlain_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");

    QTest::newRow("nul-in-password") << QStringLiteral("tim") << QStringLiteral("a") + QChar(0);
    QTest::newRow("nul-in-user") << QChar(0) + QStringLiteral("tim") << QStringLiteral("x");
    QTest::newRow("empty-user") << QString() << QStringLiteral("x");
}

void TestSmtpCommand::refusesUnusableAuthPlain()
{
    QFETCH(QString, user);
    QFETCH(QString, password);

    const SmtpCommandLine line = SmtpCommand::authPlain(user, password);
    QVERIFY(!line.isValid());
    QVERIFY(line.bytes.isEmpty());
    QVERIFY(!line.error.isEmpty());
}

void TestSmtpCommand::buildsAuthLoginSteps()
{
    QCOMPARE(SmtpCommand::authLogin(), QByteArray("AUTH LOGIN\r\n"));
    QCOMPARE(SmtpCommand::authResponse(QStringLiteral("tim")), QByteArray("dGlt\r\n"));
    QCOMPARE(SmtpCommand::authResponse(QStringLiteral("tanstaaftanstaaf")),
             QByteArray("dGFuc3RhYWZ0YW5zdGFhZg==\r\n"));
}

void TestSmtpCommand::buildsMailFrom_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("eightBit");
    QTest::addColumn<bool>("smtpUtf8");
    QTest::addColumn<int>("ret");
    QTest::addColumn<QString>("envelopeId");
    QTest::addColumn<QByteArray>("expected");

    const int unspecified = int(DsnReturn::Unspecified);
    const int headers = int(DsnReturn::Headers);
    QTest::newRow("plain") << QStringLiteral("alice@example.test") << qint64(-1) << false << false
                           << unspecified << QString()
                           << QByteArray("MAIL FROM:<alice@example.test>\r\n");
    QTest::newRow("all-parameters")
        << QStringLiteral("alice@example.test") << qint64(12345) << true << false << headers
        << QStringLiteral("lm-7f3a9c")
        << QByteArray("MAIL FROM:<alice@example.test> SIZE=12345 BODY=8BITMIME RET=HDRS "
                      "ENVID=lm-7f3a9c\r\n");
    QTest::newRow("envid-xtext-encoded")
        << QStringLiteral("alice@example.test") << qint64(-1) << false << false
        << int(DsnReturn::Full) << QStringLiteral("a+b=c d")
        << QByteArray("MAIL FROM:<alice@example.test> RET=FULL ENVID=a+2Bb+3Dc+20d\r\n");
    QTest::newRow("idn-domain-in-a-labels")
        << QStringLiteral("jörg@bücher.example") << qint64(-1) << true << true << unspecified
        << QString()
        << QByteArray("MAIL FROM:<jörg@xn--bcher-kva.example> BODY=8BITMIME SMTPUTF8\r\n");
    QTest::newRow("utf8-local-part-needs-smtputf8")
        << QStringLiteral("jörg@example.test") << qint64(-1) << false << false << unspecified
        << QString() << QByteArray();
    QTest::newRow("crlf-injection-rejected")
        << QStringLiteral("a@example.test>\r\nRCPT TO:<victim@example.test") << qint64(-1) << false
        << false << unspecified << QString() << QByteArray();
    QTest::newRow("envid-too-long")
        << QStringLiteral("alice@example.test") << qint64(-1) << false << false << unspecified
        << QString(101, QLatin1Char('x')) << QByteArray();
    QTest::newRow("envid-non-ascii")
        << QStringLiteral("alice@example.test") << qint64(-1) << false << false << unspecified
        << QStringLiteral("idé") << QByteArray();
    QTest::newRow("envid-control")
        << QStringLiteral("alice@example.test") << qint64(-1) << false << false << unspecified
        << QStringLiteral("a\r\nb") << QByteArray();
}

void TestSmtpCommand::buildsMailFrom()
{
    QFETCH(QString, address);
    QFETCH(qint64, size);
    QFETCH(bool, eightBit);
    QFETCH(bool, smtpUtf8);
    QFETCH(int, ret);
    QFETCH(QString, envelopeId);
    QFETCH(QByteArray, expected);

    MailFromParameters parameters;
    parameters.reversePath = address;
    parameters.size = size;
    parameters.body8BitMime = eightBit;
    parameters.smtpUtf8 = smtpUtf8;
    parameters.dsnReturn = DsnReturn(ret);
    parameters.envelopeId = envelopeId;

    const SmtpCommandLine line = SmtpCommand::mailFrom(parameters);
    QCOMPARE(line.bytes, expected);
    QCOMPARE(line.error.isEmpty(), !expected.isEmpty());
}

void TestSmtpCommand::buildsRcptTo_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("notify");
    QTest::addColumn<bool>("orcpt");
    QTest::addColumn<QByteArray>("expected");

    const int all = int(DsnNotify::Success) | int(DsnNotify::Delay) | int(DsnNotify::Failure);
    QTest::newRow("plain") << QStringLiteral("bob@example.test") << 0 << false
                           << QByteArray("RCPT TO:<bob@example.test>\r\n");
    QTest::newRow("dsn-all") << QStringLiteral("bob@example.test") << all << true
                             << QByteArray(
                                    "RCPT TO:<bob@example.test> NOTIFY=SUCCESS,DELAY,FAILURE "
                                    "ORCPT=rfc822;bob@example.test\r\n");
    QTest::newRow("failure-only") << QStringLiteral("bob@example.test") << int(DsnNotify::Failure)
                                  << false
                                  << QByteArray("RCPT TO:<bob@example.test> NOTIFY=FAILURE\r\n");
    QTest::newRow("never") << QStringLiteral("bob@example.test") << int(DsnNotify::Never) << false
                           << QByteArray("RCPT TO:<bob@example.test> NOTIFY=NEVER\r\n");
    QTest::newRow("orcpt-plus-xtext")
        << QStringLiteral("bob+tag=x@example.test") << 0 << true
        << QByteArray(
               "RCPT TO:<bob+tag=x@example.test> ORCPT=rfc822;bob+2Btag+3Dx@example.test\r\n");
    QTest::newRow("orcpt-utf8-address")
        << QStringLiteral("δοκιμή@example.test") << 0 << true
        << QByteArray(
               "RCPT TO:<δοκιμή@example.test> "
               "ORCPT=utf-8;\\x{3B4}\\x{3BF}\\x{3BA}\\x{3B9}\\x{3BC}\\x{3AE}@example.test\r\n");
    QTest::newRow("never-with-others-rejected")
        << QStringLiteral("bob@example.test") << (int(DsnNotify::Never) | int(DsnNotify::Failure))
        << false << QByteArray();
    QTest::newRow("angle-bracket-rejected")
        << QStringLiteral("<bob@example.test>") << 0 << false << QByteArray();
    QTest::newRow("lf-injection-rejected")
        << QStringLiteral("bob@example.test\nDATA") << 0 << false << QByteArray();
}

void TestSmtpCommand::buildsRcptTo()
{
    QFETCH(QString, address);
    QFETCH(int, notify);
    QFETCH(bool, orcpt);
    QFETCH(QByteArray, expected);

    RcptToParameters parameters;
    parameters.forwardPath = address;
    parameters.notify = DsnNotifyFlags::fromInt(notify);
    parameters.originalRecipient = orcpt;

    const SmtpCommandLine line = SmtpCommand::rcptTo(parameters);
    QCOMPARE(line.bytes, expected);
    QCOMPARE(line.error.isEmpty(), !expected.isEmpty());
}

void TestSmtpCommand::validatesEnvelopeAddresses_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("errorPart"); // empty: valid

    QTest::newRow("simple") << QStringLiteral("alice@example.test") << QString();
    QTest::newRow("plus-tag") << QStringLiteral("alice+lists@example.test") << QString();
    QTest::newRow("atext-specials")
        << QStringLiteral("o'neil.j!#$%&*/=?^_`{|}~-@example.test") << QString();
    QTest::newRow("ipv4-literal") << QStringLiteral("root@[192.0.2.1]") << QString();
    QTest::newRow("ipv6-literal") << QStringLiteral("root@[IPv6:2001:db8::1]") << QString();
    QTest::newRow("idn-domain") << QStringLiteral("info@münchen.example") << QString();
    QTest::newRow("utf8-local-part") << QStringLiteral("用户@example.test") << QString();
    QTest::newRow("empty") << QString() << QStringLiteral("empty");
    QTest::newRow("cr") << QStringLiteral("a\r@example.test") << QStringLiteral("line break");
    QTest::newRow("lf") << QStringLiteral("a@example.test\n") << QStringLiteral("line break");
    QTest::newRow("nul") << QStringLiteral("a") + QChar(0) + QStringLiteral("@example.test")
                         << QStringLiteral("control character");
    QTest::newRow("tab") << QStringLiteral("a\t@example.test")
                         << QStringLiteral("control character");
    QTest::newRow("del") << QStringLiteral("a\x7f@example.test")
                         << QStringLiteral("control character");
    QTest::newRow("space") << QStringLiteral("a b@example.test") << QStringLiteral("space");
    QTest::newRow("no-break-space")
        << QStringLiteral("a\u00A0b@example.test") << QStringLiteral("space");
    QTest::newRow("angle-brackets")
        << QStringLiteral("<a@example.test>") << QStringLiteral("angle bracket");
    QTest::newRow("null-path") << QStringLiteral("<>") << QStringLiteral("angle bracket");
    QTest::newRow("no-at") << QStringLiteral("alice.example.test") << QStringLiteral("no @");
    QTest::newRow("empty-local-part")
        << QStringLiteral("@example.test") << QStringLiteral("nothing before the @");
    QTest::newRow("empty-domain") << QStringLiteral("alice@") << QStringLiteral("nothing after");
    QTest::newRow("two-at-signs") << QStringLiteral("a@b@example.test") << QStringLiteral("'@'");
    QTest::newRow("leading-dot") << QStringLiteral(".alice@example.test")
                                 << QStringLiteral("misplaced dot");
    QTest::newRow("double-dot") << QStringLiteral("al..ice@example.test")
                                << QStringLiteral("misplaced dot");
    QTest::newRow("quoted-local-part")
        << QStringLiteral("\"alice\"@example.test") << QStringLiteral("'\"'");
    QTest::newRow("comma") << QStringLiteral("a,b@example.test") << QStringLiteral("','");
    QTest::newRow("local-part-too-long")
        << QString(65, QLatin1Char('a')) + QStringLiteral("@example.test")
        << QStringLiteral("64 octets");
    QTest::newRow("domain-label-too-long")
        << QStringLiteral("a@") + QString(64, QLatin1Char('b')) + QStringLiteral(".test")
        << QStringLiteral("63 octets");
    QTest::newRow("domain-empty-label")
        << QStringLiteral("a@example..test") << QStringLiteral("empty label");
    QTest::newRow("domain-trailing-dot")
        << QStringLiteral("a@example.test.") << QStringLiteral("empty label");
    QTest::newRow("domain-hyphen-edge")
        << QStringLiteral("a@-example.test") << QStringLiteral("hyphen");
    QTest::newRow("domain-underscore")
        << QStringLiteral("a@ex_ample.test") << QStringLiteral("'_'");
    QTest::newRow("bad-literal") << QStringLiteral("a@[not-an-ip]")
                                 << QStringLiteral("not an IP address");
    QTest::newRow("too-long-overall")
        << QString(64, QLatin1Char('a')) + QStringLiteral("@") +
               QStringList(4, QString(50, QLatin1Char('b'))).join(QLatin1Char('.')) +
               QStringLiteral(".test")
        << QStringLiteral("254 octets");
}

void TestSmtpCommand::validatesEnvelopeAddresses()
{
    QFETCH(QString, address);
    QFETCH(QString, errorPart);

    const QString error = validateEnvelopeAddress(address);
    if (errorPart.isEmpty()) {
        QVERIFY2(error.isEmpty(), qPrintable(error));
    } else {
        QVERIFY2(error.contains(errorPart), qPrintable(error));
    }
}

void TestSmtpCommand::encodesXtext_data()
{
    QTest::addColumn<QByteArray>("plain");
    QTest::addColumn<QByteArray>("xtext");

    QTest::newRow("unchanged") << QByteArray("abc-123@example.test")
                               << QByteArray("abc-123@example.test");
    QTest::newRow("plus-and-equals") << QByteArray("a+b=c") << QByteArray("a+2Bb+3Dc");
    QTest::newRow("space-and-controls") << QByteArray("a b\r\n") << QByteArray("a+20b+0D+0A");
    QTest::newRow("eight-bit") << QByteArray("\xc3\xa9") << QByteArray("+C3+A9");
    QTest::newRow("empty") << QByteArray() << QByteArray();
}

void TestSmtpCommand::encodesXtext()
{
    QFETCH(QByteArray, plain);
    QFETCH(QByteArray, xtext);

    QCOMPARE(encodeXtext(plain), xtext);
    QCOMPARE(decodeXtext(xtext), plain);
    QCOMPARE(decodeXtext("a+2bb"), QByteArray("a+b"));     // lower-case hex accepted
    QCOMPARE(decodeXtext("a+zz+4"), QByteArray("a+zz+4")); // malformed kept
}

void TestSmtpCommand::encodesUtf8AddressXtext()
{
    const QString address = QStringLiteral("δοκιμή+x=y\\z@example.test");
    const QByteArray encoded = encodeUtf8AddressXtext(address);
    QCOMPARE(encoded, QByteArray("\\x{3B4}\\x{3BF}\\x{3BA}\\x{3B9}\\x{3BC}\\x{3AE}\\x{2B}x\\x{3D}y"
                                 "\\x{5C}z@example.test"));
    QCOMPARE(decodeUtf8AddressXtext(encoded), address);
    QCOMPARE(decodeUtf8AddressXtext("\\x{110000}a"), QStringLiteral("\\x{110000}a"));
    QCOMPARE(decodeUtf8AddressXtext("\\x{"), QStringLiteral("\\x{"));
}

void TestSmtpCommand::dotStuffs_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QByteArray>("wire");

    QTest::newRow("empty") << QByteArray() << QByteArray(".\r\n");
    QTest::newRow("crlf-text") << QByteArray("a\r\nb\r\n") << QByteArray("a\r\nb\r\n.\r\n");
    QTest::newRow("no-final-line-end") << QByteArray("a\r\nb") << QByteArray("a\r\nb\r\n.\r\n");
    QTest::newRow("leading-dot-first-line")
        << QByteArray(".hidden\r\n") << QByteArray("..hidden\r\n.\r\n");
    QTest::newRow("lone-dot-line")
        << QByteArray("a\r\n.\r\nb\r\n") << QByteArray("a\r\n..\r\nb\r\n.\r\n");
    QTest::newRow("dot-not-at-line-start") << QByteArray("a.b\r\n") << QByteArray("a.b\r\n.\r\n");
    QTest::newRow("bare-lf-normalised")
        << QByteArray("a\n.\nb\n") << QByteArray("a\r\n..\r\nb\r\n.\r\n");
    QTest::newRow("bare-cr-normalised")
        << QByteArray("a\r.\rb") << QByteArray("a\r\n..\r\nb\r\n.\r\n");
    QTest::newRow("smuggling-lf-dot-lf") << QByteArray("a\n.\r\nMAIL FROM:<x@y>\r\n")
                                         << QByteArray("a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n");
    QTest::newRow("final-cr-only") << QByteArray("a\r") << QByteArray("a\r\n.\r\n");
}

void TestSmtpCommand::dotStuffs()
{
    QFETCH(QByteArray, content);
    QFETCH(QByteArray, wire);

    DotStuffer stuffer;
    QByteArray out = stuffer.stuff(content);
    out += stuffer.finish();
    QCOMPARE(out, wire);
}

void TestSmtpCommand::dotStuffsAcrossChunks()
{
    const QByteArray content = "line one\r\n.two\r\n\r\n.\r\nend\r..\n.";
    DotStuffer whole;
    QByteArray expected = whole.stuff(content);
    expected += whole.finish();

    for (qsizetype chunk = 1; chunk <= content.size(); ++chunk) {
        DotStuffer stuffer;
        QByteArray out;
        for (qsizetype pos = 0; pos < content.size(); pos += chunk) {
            out += stuffer.stuff(
                QByteArrayView(content).sliced(pos, qMin(chunk, content.size() - pos)));
        }
        out += stuffer.finish();
        QCOMPARE(out, expected);
    }
    QVERIFY(!expected.contains("\r\n.\r\n") || expected.endsWith("\r\n.\r\n"));
    QCOMPARE(expected.count("\r\n.\r\n"), 1);
}

QTEST_GUILESS_MAIN(TestSmtpCommand)
#include "tst_smtpcommand.moc"
