// SPDX-License-Identifier: GPL-3.0-or-later
// The command builder: tags, astring quoting, literal forms, and every command the session uses.
#include "imap/command.h"

#include <QTest>

using namespace Latchmail::Imap;

Q_DECLARE_METATYPE(Latchmail::Imap::Command)

namespace {

// One line per part: "wait"/"send", "literal"/"line", and the bytes with CR LF made visible.
QByteArray parts(const Command& command)
{
    QList<QByteArray> out;
    for (const CommandPart& part : command.parts) {
        QByteArray bytes = part.bytes;
        bytes.replace("\r\n", "\\r\\n");
        out.append(QByteArray(part.waitForContinuation ? "wait " : "send ") +
                   (part.isLiteralData ? "literal " : "line ") + bytes);
    }
    return out.join('\n');
}

CommandOptions withLiteralPlus()
{
    CommandOptions options;
    options.literalPlus = true;
    return options;
}

CommandOptions withLiteralMinus()
{
    CommandOptions options;
    options.literalMinus = true;
    return options;
}

CommandOptions withBinary()
{
    CommandOptions options;
    options.binary = true;
    return options;
}

} // namespace

class TestImapCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tags();
    void astringQuoting_data();
    void astringQuoting();
    void commands_data();
    void commands();
    void literalMinusLimit_data();
    void literalMinusLimit();
    void invalidArguments_data();
    void invalidArguments();
    void dateTime_data();
    void dateTime();
};

void TestImapCommand::tags()
{
    TagGenerator tags;
    QCOMPARE(tags.next(), QByteArray("A0001"));
    QCOMPARE(tags.next(), QByteArray("A0002"));
    for (int i = 3; i < 10000; ++i) {
        (void)tags.next();
    }
    QCOMPARE(tags.next(), QByteArray("A10000"));
}

void TestImapCommand::astringQuoting_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("utf8");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("atom") << QByteArray("INBOX") << false
                          << QByteArray("send line A1 X INBOX\\r\\n");
    QTest::newRow("atom-with-brackets")
        << QByteArray("[Gmail]/Sent") << false << QByteArray("send line A1 X [Gmail]/Sent\\r\\n");
    QTest::newRow("space-quoted") << QByteArray("Sent Items") << false
                                  << QByteArray("send line A1 X \"Sent Items\"\\r\\n");
    QTest::newRow("empty-quoted") << QByteArray("") << false
                                  << QByteArray("send line A1 X \"\"\\r\\n");
    QTest::newRow("quote-and-backslash-escaped")
        << QByteArray("a\"b\\c") << false << QByteArray("send line A1 X \"a\\\"b\\\\c\"\\r\\n");
    QTest::newRow("wildcards-quoted")
        << QByteArray("a%b*") << false << QByteArray("send line A1 X \"a%b*\"\\r\\n");
    QTest::newRow("parenthesis-quoted")
        << QByteArray("(x)") << false << QByteArray("send line A1 X \"(x)\"\\r\\n");
    QTest::newRow("brace-quoted") << QByteArray("{5}") << false
                                  << QByteArray("send line A1 X \"{5}\"\\r\\n");
    QTest::newRow("eight-bit-literal") << QByteArray("p\xc3\xa4ss") << false
                                       << QByteArray("send line A1 X {5}\\r\\n\n"
                                                     "wait literal p\xc3\xa4ss\n"
                                                     "send line \\r\\n");
    QTest::newRow("eight-bit-quoted-in-utf8-mode")
        << QByteArray("p\xc3\xa4ss") << true << QByteArray("send line A1 X \"p\xc3\xa4ss\"\\r\\n");
    QTest::newRow("crlf-literal") << QByteArray("a\r\nb") << true
                                  << QByteArray("send line A1 X {4}\\r\\n\n"
                                                "wait literal a\\r\\nb\n"
                                                "send line \\r\\n");
    QTest::newRow("long-value-literal")
        << QByteArray(1025, 'a').replace(0, 1, " ") << false
        << "send line A1 X {1025}\\r\\n\nwait literal " + QByteArray(1025, 'a').replace(0, 1, " ") +
               "\nsend line \\r\\n";
}

void TestImapCommand::astringQuoting()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, utf8);
    QFETCH(QByteArray, expected);

    CommandOptions options;
    options.utf8 = utf8;
    const Command command = CommandBuilder("A1", "X", options).astring(value).build();
    QVERIFY(command.isValid());
    QCOMPARE(parts(command), expected);
    QCOMPARE(command.needsContinuation(), expected.contains("wait "));
}

void TestImapCommand::commands_data()
{
    QTest::addColumn<Command>("command");
    QTest::addColumn<QByteArray>("expected");

    const CommandOptions plain;
    QTest::newRow("capability") << Commands::capability("A1")
                                << QByteArray("send line A1 CAPABILITY\\r\\n");
    QTest::newRow("starttls") << Commands::startTls("A2")
                              << QByteArray("send line A2 STARTTLS\\r\\n");
    QTest::newRow("noop") << Commands::noop("A3") << QByteArray("send line A3 NOOP\\r\\n");
    QTest::newRow("logout") << Commands::logout("A4") << QByteArray("send line A4 LOGOUT\\r\\n");
    QTest::newRow("namespace") << Commands::namespaces("A5")
                               << QByteArray("send line A5 NAMESPACE\\r\\n");
    QTest::newRow("login-atoms") << Commands::login("A6", "alice", "secret", plain)
                                 << QByteArray("send line A6 LOGIN alice secret\\r\\n");
    QTest::newRow("login-quoted") << Commands::login("A6", "alice@example.org", "p w\"d", plain)
                                  << QByteArray("send line A6 LOGIN alice@example.org "
                                                "\"p w\\\"d\"\\r\\n");
    QTest::newRow("login-literal") << Commands::login("A6", "alice", "p\xc3\xa4ssword", plain)
                                   << QByteArray("send line A6 LOGIN alice {9}\\r\\n\n"
                                                 "wait literal p\xc3\xa4ssword\n"
                                                 "send line \\r\\n");
    QTest::newRow("login-literal-plus")
        << Commands::login("A6", "alice", "p\xc3\xa4ssword", withLiteralPlus())
        << QByteArray("send line A6 LOGIN alice {9+}\\r\\n\n"
                      "send literal p\xc3\xa4ssword\n"
                      "send line \\r\\n");
    CommandOptions saslIr;
    saslIr.saslIr = true;
    QTest::newRow("authenticate-plain-sasl-ir")
        << Commands::authenticatePlain("A7", "alice", "secret", saslIr)
        << QByteArray("send line A7 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\\r\\n");
    QTest::newRow("authenticate-plain-continuation")
        << Commands::authenticatePlain("A7", "alice", "secret", plain)
        << QByteArray("send line A7 AUTHENTICATE PLAIN\\r\\n\n"
                      "wait line AGFsaWNlAHNlY3JldA==\\r\\n");
    QTest::newRow("authenticate-plain-authzid")
        << Commands::authenticatePlain("A7", "alice", "secret", saslIr, "admin")
        << QByteArray("send line A7 AUTHENTICATE PLAIN YWRtaW4AYWxpY2UAc2VjcmV0\\r\\n");
    QTest::newRow("enable") << Commands::enable("A8", {"CONDSTORE", "QRESYNC"})
                            << QByteArray("send line A8 ENABLE CONDSTORE QRESYNC\\r\\n");
    QTest::newRow("select") << Commands::select("A9", "INBOX", {}, plain)
                            << QByteArray("send line A9 SELECT INBOX\\r\\n");
    SelectOptions condStore;
    condStore.condStore = true;
    QTest::newRow("select-condstore") << Commands::select("A9", "Sent Items", condStore, plain)
                                      << QByteArray("send line A9 SELECT \"Sent Items\" "
                                                    "(CONDSTORE)\\r\\n");
    SelectOptions qresync;
    qresync.qresync = SelectOptions::QResync{67890007, 20050715194045000ULL,
                                             *SequenceSet::parse("41,43:211,214:541")};
    QTest::newRow("select-qresync")
        << Commands::select("A9", "INBOX", qresync, plain)
        << QByteArray("send line A9 SELECT INBOX (QRESYNC (67890007 20050715194045000 "
                      "41,43:211,214:541))\\r\\n");
    SelectOptions qresyncNoUids;
    qresyncNoUids.qresync = SelectOptions::QResync{5, 9, {}};
    QTest::newRow("examine-qresync-without-uids")
        << Commands::examine("A9", "INBOX", qresyncNoUids, plain)
        << QByteArray("send line A9 EXAMINE INBOX (QRESYNC (5 9))\\r\\n");
    QTest::newRow("list-special-use") << Commands::list("B1", "", "*", true, {}, plain)
                                      << QByteArray("send line B1 LIST \"\" \"*\" RETURN "
                                                    "(SPECIAL-USE)\\r\\n");
    QTest::newRow("list-special-use-status")
        << Commands::list("B1", "", "*", true, {"MESSAGES", "UNSEEN"}, plain)
        << QByteArray("send line B1 LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES "
                      "UNSEEN))\\r\\n");
    QTest::newRow("list-plain") << Commands::list("B1", "", "%", false, {}, plain)
                                << QByteArray("send line B1 LIST \"\" \"%\"\\r\\n");
    QTest::newRow("status")
        << Commands::status("B2", "Entw&APw-rfe", {"MESSAGES", "UIDNEXT", "HIGHESTMODSEQ"}, plain)
        << QByteArray("send line B2 STATUS Entw&APw-rfe (MESSAGES UIDNEXT HIGHESTMODSEQ)\\r\\n");
    QTest::newRow("uid-fetch") << Commands::uidFetch("B3", *SequenceSet::parse("1:*"),
                                                     {"UID", "FLAGS", "ENVELOPE"})
                               << QByteArray("send line B3 UID FETCH 1:* (UID FLAGS "
                                             "ENVELOPE)\\r\\n");
    QTest::newRow("uid-fetch-changedsince-vanished")
        << Commands::uidFetch("B3", *SequenceSet::parse("300:500"), {"FLAGS"}, 12345, true)
        << QByteArray("send line B3 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 "
                      "VANISHED)\\r\\n");
    QTest::newRow("uid-store-add-silent")
        << Commands::uidStore("B4", SequenceSet(7), StoreMode::Add, {"\\Seen"})
        << QByteArray("send line B4 UID STORE 7 +FLAGS.SILENT (\\Seen)\\r\\n");
    QTest::newRow("uid-store-remove-unchangedsince")
        << Commands::uidStore("B4", SequenceSet(7, 9), StoreMode::Remove, {"\\Flagged", "$Junk"},
                              false, 200)
        << QByteArray("send line B4 UID STORE 7:9 (UNCHANGEDSINCE 200) -FLAGS (\\Flagged "
                      "$Junk)\\r\\n");
    QTest::newRow("uid-store-replace")
        << Commands::uidStore("B4", SequenceSet(1), StoreMode::Replace, {})
        << QByteArray("send line B4 UID STORE 1 FLAGS.SILENT ()\\r\\n");
    QTest::newRow("uid-copy") << Commands::uidCopy("B5", SequenceSet(2, 4), "Archive", plain)
                              << QByteArray("send line B5 UID COPY 2:4 Archive\\r\\n");
    QTest::newRow("uid-move") << Commands::uidMove("B6", SequenceSet(2), "Deleted Items", plain)
                              << QByteArray("send line B6 UID MOVE 2 \"Deleted Items\"\\r\\n");
    QTest::newRow("uid-expunge") << Commands::uidExpunge("B7", SequenceSet(3, 5))
                                 << QByteArray("send line B7 UID EXPUNGE 3:5\\r\\n");
    const QByteArray message = "Subject: hi\r\n\r\nbody\r\n";
    const QDateTime date(QDate(2024, 2, 9), QTime(8, 5, 3), Qt::OffsetFromUTC, 3600);
    QTest::newRow("append-synchronising")
        << Commands::append("B8", "Sent", {"\\Seen"}, date, message, plain)
        << QByteArray("send line B8 APPEND Sent (\\Seen) \"09-Feb-2024 08:05:03 +0100\" "
                      "{21}\\r\\n\n"
                      "wait literal Subject: hi\\r\\n\\r\\nbody\\r\\n\n"
                      "send line \\r\\n");
    QTest::newRow("append-literal-plus")
        << Commands::append("B8", "Sent", {}, std::nullopt, message, withLiteralPlus())
        << QByteArray("send line B8 APPEND Sent {21+}\\r\\n\n"
                      "send literal Subject: hi\\r\\n\\r\\nbody\\r\\n\n"
                      "send line \\r\\n");
    QTest::newRow("append-literal8")
        << Commands::append("B8", "Sent", {}, std::nullopt, QByteArray("a\0b", 3), withBinary())
        << QByteArray("send line B8 APPEND Sent ~{3}\\r\\n\nwait literal a") + '\0' +
               QByteArray("b\nsend line \\r\\n");
    QTest::newRow("idle") << Commands::idle("B9") << QByteArray("send line B9 IDLE\\r\\n");
}

void TestImapCommand::commands()
{
    QFETCH(Command, command);
    QFETCH(QByteArray, expected);

    QVERIFY2(command.isValid(), qPrintable(command.error));
    QCOMPARE(parts(command), expected);
    QByteArray joined;
    for (const CommandPart& part : command.parts) {
        joined += part.bytes;
    }
    QCOMPARE(command.wireBytes(), joined);
    QVERIFY(command.wireBytes().endsWith("\r\n"));
}

void TestImapCommand::literalMinusLimit_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<QByteArray>("announcement");

    QTest::newRow("up-to-4096-non-synchronising") << qsizetype(4096) << QByteArray("{4096+}");
    QTest::newRow("above-4096-synchronising") << qsizetype(4097) << QByteArray("{4097}");
}

void TestImapCommand::literalMinusLimit()
{
    QFETCH(qsizetype, size);
    QFETCH(QByteArray, announcement);

    const Command command =
        Commands::append("C1", "Sent", {}, std::nullopt, QByteArray(size, 'x'), withLiteralMinus());
    QCOMPARE(command.parts.at(0).bytes, "C1 APPEND Sent " + announcement + "\r\n");
    QCOMPARE(command.parts.at(1).waitForContinuation, !announcement.contains('+'));
    QCOMPARE(command.parts.at(1).bytes.size(), size);
}

void TestImapCommand::invalidArguments_data()
{
    QTest::addColumn<Command>("command");
    QTest::addColumn<QString>("error");

    QTest::newRow("nul-in-password")
        << Commands::login("A1", "alice", QByteArray("a\0b", 3), CommandOptions())
        << QStringLiteral("LOGIN: an argument contains a NUL byte");
    QTest::newRow("nul-in-message-without-binary")
        << Commands::append("A1", "Sent", {}, std::nullopt, QByteArray("a\0b", 3), CommandOptions())
        << QStringLiteral("does not support BINARY");
    QTest::newRow("flag-with-space")
        << Commands::uidStore("A1", SequenceSet(1), StoreMode::Add, {"bad flag"})
        << QStringLiteral("not a valid IMAP atom");
    QTest::newRow("flag-with-paren")
        << Commands::append("A1", "Sent", {"x)"}, std::nullopt, "m", CommandOptions())
        << QStringLiteral("not a valid IMAP atom");
}

void TestImapCommand::invalidArguments()
{
    QFETCH(Command, command);
    QFETCH(QString, error);

    QVERIFY(!command.isValid());
    QVERIFY2(command.error.contains(error), qPrintable(command.error));
}

void TestImapCommand::dateTime_data()
{
    QTest::addColumn<QDateTime>("dateTime");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("rfc-example") << QDateTime(QDate(1996, 7, 17), QTime(2, 44, 25),
                                              Qt::OffsetFromUTC, -7 * 3600)
                                 << QByteArray("17-Jul-1996 02:44:25 -0700");
    QTest::newRow("utc") << QDateTime(QDate(2025, 12, 1), QTime(23, 59, 59), Qt::UTC)
                         << QByteArray("01-Dec-2025 23:59:59 +0000");
    QTest::newRow("half-hour-offset")
        << QDateTime(QDate(2024, 3, 5), QTime(0, 0, 0), Qt::OffsetFromUTC, 5 * 3600 + 1800)
        << QByteArray("05-Mar-2024 00:00:00 +0530");
}

void TestImapCommand::dateTime()
{
    QFETCH(QDateTime, dateTime);
    QFETCH(QByteArray, expected);

    QCOMPARE(Commands::formatDateTime(dateTime), expected);
}

QTEST_APPLESS_MAIN(TestImapCommand)
#include "tst_imapcommand.moc"
