// SPDX-License-Identifier: GPL-3.0-or-later
// Every kind of IMAP server response, response code and malformed line, as tables.
#include "responsedescription.h"

#include <QTest>

using namespace Latchmail::Imap;
using Latchmail::Imap::Test::describe;
using Latchmail::Imap::Test::parseInPieces;
using Latchmail::Imap::Test::quoted;

class TestImapResponses : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void responses_data();
    void responses();
    void responseCodes_data();
    void responseCodes();
    void malformed_data();
    void malformed();
    void utf8MailboxNames();
};

namespace {

QByteArray lines(std::initializer_list<const char*> items)
{
    QList<QByteArray> list;
    for (const char* item : items) {
        list.append(item);
    }
    return list.join('\n');
}

} // namespace

void TestImapResponses::responses_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");

    // Greetings and status responses
    QTest::newRow("dovecot-greeting")
        << QByteArray("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
                      "LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n")
        << QByteArray("* OK [CAPABILITY (IMAP4REV1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
                      "LITERAL+ STARTTLS AUTH=PLAIN)] \"Dovecot (Debian) ready.\"");
    QTest::newRow("gmail-greeting")
        << QByteArray("* OK Gimap ready for requests from 192.0.2.1 q5mb12345\r\n")
        << QByteArray("* OK \"Gimap ready for requests from 192.0.2.1 q5mb12345\"");
    QTest::newRow("exchange-greeting-bracket-in-text")
        << QByteArray("* OK The Microsoft Exchange IMAP4 service is ready. [TQBXAFAAUgA=]\r\n")
        << QByteArray("* OK \"The Microsoft Exchange IMAP4 service is ready. [TQBXAFAAUgA=]\"");
    QTest::newRow("preauth")
        << QByteArray("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as alice\r\n")
        << QByteArray("* PREAUTH [CAPABILITY (IMAP4REV1)] \"Logged in as alice\"");
    QTest::newRow("bye-unavailable") << QByteArray("* BYE [UNAVAILABLE] Shutting down\r\n")
                                     << QByteArray("* BYE [UNAVAILABLE] \"Shutting down\"");
    QTest::newRow("untagged-no-without-text") << QByteArray("* NO\r\n") << QByteArray("* NO \"\"");
    QTest::newRow("untagged-bad-with-text")
        << QByteArray("* BAD Invalid tag\r\n") << QByteArray("* BAD \"Invalid tag\"");
    QTest::newRow("tagged-ok-read-write")
        << QByteArray("A0003 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n")
        << QByteArray("A0003 OK [READ-WRITE] \"Select completed (0.001 + 0.000 secs).\"");
    QTest::newRow("tagged-no") << QByteArray("A0002 NO [AUTHENTICATIONFAILED] Nope.\r\n")
                               << QByteArray("A0002 NO [AUTHENTICATIONFAILED] \"Nope.\"");
    QTest::newRow("tagged-bad-no-text")
        << QByteArray("A0001 BAD\r\n") << QByteArray("A0001 BAD \"\"");
    QTest::newRow("tagged-lowercase")
        << QByteArray("a1 ok done\r\n") << QByteArray("a1 OK \"done\"");
    QTest::newRow("tagged-code-without-text")
        << QByteArray("A1 OK [READ-ONLY]\r\n") << QByteArray("A1 OK [READ-ONLY] \"\"");
    QTest::newRow("tag-with-bracket")
        << QByteArray("x]1 OK fine\r\n") << QByteArray("x]1 OK \"fine\"");
    QTest::newRow("status-text-ending-like-literal")
        << QByteArray("* OK [ALERT] quota at {5}\r\nA1 NO text {3}\r\n* 1 EXISTS\r\n")
        << lines({"* OK [ALERT] \"quota at {5}\"", "A1 NO \"text {3}\"", "1 EXISTS"});
    QTest::newRow("bare-lf-line-ends")
        << QByteArray("* 3 EXISTS\n* 1 RECENT\n") << lines({"3 EXISTS", "1 RECENT"});

    // Continuation requests
    QTest::newRow("continuation-bare") << QByteArray("+\r\n") << QByteArray("+ \"\"");
    QTest::newRow("continuation-space") << QByteArray("+ \r\n") << QByteArray("+ \"\"");
    QTest::newRow("continuation-text")
        << QByteArray("+ Ready for literal data\r\n") << QByteArray("+ \"Ready for literal data\"");
    QTest::newRow("continuation-base64")
        << QByteArray("+ YmFzZTY0+/==\r\n") << QByteArray("+ \"YmFzZTY0+/==\"");

    // CAPABILITY, ENABLED, ID, NAMESPACE
    QTest::newRow("capability") << QByteArray(
                                       "* CAPABILITY IMAP4rev1 IMAP4rev2 literal+ AUTH=PLAIN\r\n")
                                << QByteArray("CAPABILITY IMAP4REV1 IMAP4REV2 LITERAL+ AUTH=PLAIN");
    QTest::newRow("enabled") << QByteArray("* ENABLED CONDSTORE QRESYNC\r\n")
                             << QByteArray("ENABLED CONDSTORE QRESYNC");
    QTest::newRow("enabled-empty") << QByteArray("* ENABLED\r\n") << QByteArray("ENABLED ");
    QTest::newRow("id") << QByteArray("* ID (\"name\" \"Dovecot\" \"version\" NIL)\r\n")
                        << QByteArray("ID [\"name\"=\"Dovecot\" \"version\"=NIL]");
    QTest::newRow("id-nil") << QByteArray("* ID NIL\r\n") << QByteArray("ID []");
    QTest::newRow("namespace-dovecot")
        << QByteArray("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")"
                      "(\"#public/\" \"/\"))\r\n")
        << QByteArray("NAMESPACE [(\"\" \"/\")] [(\"~\" \"/\")] [(\"#shared/\" \"/\") "
                      "(\"#public/\" \"/\")]");
    QTest::newRow("namespace-nil-and-extension")
        << QByteArray("* NAMESPACE ((\"\" \".\" \"X-PARAM\" (\"A\" \"B\"))) NIL NIL\r\n")
        << QByteArray("NAMESPACE [(\"\" \".\")] [] []");

    // LIST / LSUB
    QTest::newRow("list-special-use")
        << QByteArray("* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n")
        << QByteArray("LIST (\\HasNoChildren \\Sent) \"/\" raw=\"Sent\" name=\"Sent\"");
    QTest::newRow("list-gmail-brackets")
        << QByteArray("* LIST (\\HasChildren \\Noselect) \"/\" \"[Gmail]\"\r\n")
        << QByteArray("LIST (\\HasChildren \\Noselect) \"/\" raw=\"[Gmail]\" name=\"[Gmail]\"");
    QTest::newRow("list-nil-delimiter")
        << QByteArray("* LIST (\\Noinferiors) NIL INBOX\r\n")
        << QByteArray("LIST (\\Noinferiors) NIL raw=\"INBOX\" name=\"INBOX\"");
    QTest::newRow("list-inbox-lowercase")
        << QByteArray("* LIST () \".\" inbox\r\n")
        << QByteArray("LIST () \".\" raw=\"inbox\" name=\"INBOX\"");
    QTest::newRow("list-escaped-delimiter")
        << QByteArray("* LIST () \"\\\\\" Archive\r\n")
        << QByteArray("LIST () \"\\x5c\" raw=\"Archive\" name=\"Archive\"");
    QTest::newRow("list-modified-utf7")
        << QByteArray("* LIST () \"/\" \"~peter/mail/&U,BTFw-/&ZeVnLIqe-\"\r\n")
        << "LIST () \"/\" raw=\"~peter/mail/&U,BTFw-/&ZeVnLIqe-\" name=" +
               quoted(QStringLiteral(u"~peter/mail/台北/日本語").toUtf8());
    QTest::newRow("list-literal-name")
        << QByteArray("* LIST () \"/\" {8}\r\nfoo bar!\r\n")
        << QByteArray("LIST () \"/\" raw=\"foo bar!\" name=\"foo bar!\"");
    QTest::newRow("list-childinfo")
        << QByteArray("* LIST (\\Subscribed) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n")
        << QByteArray("LIST (\\Subscribed) \"/\" raw=\"Foo\" name=\"Foo\" childinfo=SUBSCRIBED");
    QTest::newRow("list-oldname")
        << QByteArray("* LIST () \"/\" \"New\" (\"OLDNAME\" (\"Old\") \"X-OTHER\" (1 2))\r\n")
        << QByteArray("LIST () \"/\" raw=\"New\" name=\"New\" oldname=\"Old\"");
    QTest::newRow("list-invalid-mutf7")
        << QByteArray("* LIST () \"/\" \"&Jjo!\"\r\n")
        << QByteArray("LIST () \"/\" raw=\"&Jjo!\" name=\"&Jjo!\" invalid");
    QTest::newRow("list-raw-utf8-without-utf8-mode")
        << QByteArray("* LIST () \"/\" \"Entw\xc3\xbcrfe\"\r\n")
        << "LIST () \"/\" raw=" + quoted("Entw\xc3\xbcrfe") + " name=" + quoted("Entw\xc3\xbcrfe") +
               " invalid";
    QTest::newRow("list-extra-spaces")
        << QByteArray("* LIST ( \\Trash  \\HasNoChildren )  \"/\"  Trash \r\n")
        << QByteArray("LIST (\\Trash \\HasNoChildren) \"/\" raw=\"Trash\" name=\"Trash\"");
    QTest::newRow("lsub") << QByteArray("* LSUB () \".\" #news.comp.mail.misc\r\n")
                          << QByteArray("LSUB () \".\" raw=\"#news.comp.mail.misc\" "
                                        "name=\"#news.comp.mail.misc\"");

    // STATUS, FLAGS, message counts
    QTest::newRow("status") << QByteArray("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n")
                            << QByteArray("STATUS raw=\"blurdybloop\" name=\"blurdybloop\" "
                                          "MESSAGES=231 UIDNEXT=44292");
    QTest::newRow("status-all-items")
        << QByteArray("* STATUS \"INBOX\" (MESSAGES 3 RECENT 0 UIDNEXT 4 UIDVALIDITY 1700000000 "
                      "UNSEEN 1 DELETED 0 SIZE 9000000000 HIGHESTMODSEQ 7011231777 )\r\n")
        << QByteArray("STATUS raw=\"INBOX\" name=\"INBOX\" MESSAGES=3 RECENT=0 UIDNEXT=4 "
                      "UIDVALIDITY=1700000000 UNSEEN=1 DELETED=0 SIZE=9000000000 "
                      "HIGHESTMODSEQ=7011231777");
    QTest::newRow("status-unknown-items")
        << QByteArray("* STATUS INBOX (MESSAGES 1 X-GUID \"abc\" APPENDLIMIT NIL)\r\n")
        << QByteArray("STATUS raw=\"INBOX\" name=\"INBOX\" MESSAGES=1");
    QTest::newRow("flags")
        << QByteArray("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n")
        << QByteArray("FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)");
    QTest::newRow("flags-empty") << QByteArray("* FLAGS ()\r\n") << QByteArray("FLAGS ()");
    QTest::newRow("exists") << QByteArray("* 172 EXISTS\r\n") << QByteArray("172 EXISTS");
    QTest::newRow("exists-zero") << QByteArray("* 0 EXISTS\r\n") << QByteArray("0 EXISTS");
    QTest::newRow("recent") << QByteArray("* 1 recent\r\n") << QByteArray("1 RECENT");
    QTest::newRow("expunge") << QByteArray("* 44 EXPUNGE\r\n") << QByteArray("44 EXPUNGE");

    // SEARCH, ESEARCH, VANISHED
    QTest::newRow("search") << QByteArray("* SEARCH 2 84 882\r\n")
                            << QByteArray("SEARCH (2 84 882) MODSEQ=-");
    QTest::newRow("search-empty") << QByteArray("* SEARCH\r\n") << QByteArray("SEARCH () MODSEQ=-");
    QTest::newRow("search-modseq") << QByteArray("* SEARCH 2 5 6 (MODSEQ 917162500)\r\n")
                                   << QByteArray("SEARCH (2 5 6) MODSEQ=917162500");
    QTest::newRow("esearch-min-max")
        << QByteArray("* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n")
        << QByteArray("ESEARCH tag=\"A285\" UID MIN=7 MAX=3800 COUNT=- ALL=- MODSEQ=-");
    QTest::newRow("esearch-all") << QByteArray("* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n")
                                 << QByteArray("ESEARCH tag=\"A283\" MIN=- MAX=- COUNT=- "
                                               "ALL=2,10:11 MODSEQ=-");
    QTest::newRow("esearch-no-correlator")
        << QByteArray("* ESEARCH UID COUNT 17 ALL 4:18,21,28 MODSEQ 9\r\n")
        << QByteArray("ESEARCH tag=\"\" UID MIN=- MAX=- COUNT=17 ALL=4:18,21,28 MODSEQ=9");
    QTest::newRow("esearch-unknown-item")
        << QByteArray("* ESEARCH (TAG \"a\") UID PARTIAL (1:10 1,5) COUNT 5\r\n")
        << QByteArray("ESEARCH tag=\"a\" UID MIN=- MAX=- COUNT=5 ALL=- MODSEQ=-");
    QTest::newRow("esearch-empty") << QByteArray("* ESEARCH (TAG \"A1\") UID\r\n")
                                   << QByteArray("ESEARCH tag=\"A1\" UID MIN=- MAX=- COUNT=- "
                                                 "ALL=- MODSEQ=-");
    QTest::newRow("vanished-earlier")
        << QByteArray("* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n")
        << QByteArray("VANISHED EARLIER 41,43:116,118,120:211,214:540");
    QTest::newRow("vanished") << QByteArray("* VANISHED 405,407,410,425\r\n")
                              << QByteArray("VANISHED 405,407,410,425");

    // Untagged data this parser keeps raw
    QTest::newRow("unknown-quota")
        << QByteArray("* QUOTA \"\" (STORAGE 10 512)\r\n")
        << QByteArray("UNKNOWN QUOTA n=- \"\\x22\\x22 (STORAGE 10 512)\"");
    QTest::newRow("unknown-numbered")
        << QByteArray("* 3 XFOO bar\r\n") << QByteArray("UNKNOWN XFOO n=3 \"bar\"");
    QTest::newRow("unknown-with-literal")
        << QByteArray("* METADATA \"INBOX\" (/private/comment {3}\r\nfoo)\r\n* 2 EXISTS\r\n")
        << lines({"UNKNOWN METADATA n=- \"\\x22INBOX\\x22 (/private/comment {3})\"", "2 EXISTS"});
}

void TestImapResponses::responses()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);

    const auto outcome = parseInPieces(input, {});
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QCOMPARE(outcome.responses.join('\n'), expected);
    QCOMPARE(outcome.bufferedAtEnd, 0);
}

void TestImapResponses::responseCodes_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<ResponseCodeKind>("kind");
    QTest::addColumn<QByteArray>("expected");

    using K = ResponseCodeKind;
    QTest::newRow("alert") << QByteArray("* OK [ALERT] System shutdown in 10 minutes") << K::Alert
                           << QByteArray("[ALERT]");
    QTest::newRow("alert-with-arguments")
        << QByteArray("* OK [ALERT extra] x") << K::Alert << QByteArray("[ALERT raw=\"extra\"]");
    QTest::newRow("capability") << QByteArray("A1 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Ok")
                                << K::Capability
                                << QByteArray("[CAPABILITY (IMAP4REV1 AUTH=PLAIN)]");
    QTest::newRow("permanentflags")
        << QByteArray("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited") << K::PermanentFlags
        << QByteArray("[PERMANENTFLAGS (\\Deleted \\Seen \\*)]");
    QTest::newRow("permanentflags-empty") << QByteArray("* OK [PERMANENTFLAGS ()] No")
                                          << K::PermanentFlags << QByteArray("[PERMANENTFLAGS ()]");
    QTest::newRow("uidvalidity") << QByteArray("* OK [UIDVALIDITY 3857529045] UIDs valid")
                                 << K::UidValidity << QByteArray("[UIDVALIDITY 3857529045]");
    QTest::newRow("uidvalidity-lowercase")
        << QByteArray("* ok [uidvalidity 5] x") << K::UidValidity << QByteArray("[UIDVALIDITY 5]");
    QTest::newRow("uidnext") << QByteArray("* OK [UIDNEXT 4392] Predicted") << K::UidNext
                             << QByteArray("[UIDNEXT 4392]");
    QTest::newRow("unseen") << QByteArray("* OK [UNSEEN 12] first unseen") << K::Unseen
                            << QByteArray("[UNSEEN 12]");
    QTest::newRow("highestmodseq")
        << QByteArray("* OK [HIGHESTMODSEQ 715194045007] Ok") << K::HighestModSeq
        << QByteArray("[HIGHESTMODSEQ 715194045007]");
    QTest::newRow("nomodseq") << QByteArray("* OK [NOMODSEQ] Sorry") << K::NoModSeq
                              << QByteArray("[NOMODSEQ]");
    QTest::newRow("modified") << QByteArray("A1 OK [MODIFIED 7,9] Conditional STORE failed")
                              << K::Modified << QByteArray("[MODIFIED 7,9]");
    QTest::newRow("read-only") << QByteArray("A1 OK [READ-ONLY] Ok") << K::ReadOnly
                               << QByteArray("[READ-ONLY]");
    QTest::newRow("read-write") << QByteArray("A1 OK [READ-WRITE] Ok") << K::ReadWrite
                                << QByteArray("[READ-WRITE]");
    QTest::newRow("trycreate") << QByteArray("A1 NO [TRYCREATE] No such mailbox") << K::TryCreate
                               << QByteArray("[TRYCREATE]");
    QTest::newRow("closed") << QByteArray("* OK [CLOSED] Previous mailbox closed") << K::Closed
                            << QByteArray("[CLOSED]");
    QTest::newRow("parse") << QByteArray("* NO [PARSE] Bad header") << K::Parse
                           << QByteArray("[PARSE]");
    QTest::newRow("uidnotsticky") << QByteArray("* NO [UIDNOTSTICKY] Non-persistent UIDs")
                                  << K::UidNotSticky << QByteArray("[UIDNOTSTICKY]");
    QTest::newRow("referral") << QByteArray("A1 NO [REFERRAL IMAP://user;AUTH=*@SERVER2/] Remote")
                              << K::Referral
                              << QByteArray("[REFERRAL url=\"IMAP://user;AUTH=*@SERVER2/\"]");
    QTest::newRow("appenduid") << QByteArray("A1 OK [APPENDUID 38505 3955] APPEND completed")
                               << K::AppendUid << QByteArray("[APPENDUID 38505 3955]");
    QTest::newRow("copyuid") << QByteArray("A1 OK [COPYUID 38505 304,319:320 3956:3958] Done")
                             << K::CopyUid << QByteArray("[COPYUID 38505 304,319:320 3956:3958]");
    QTest::newRow("badcharset-list")
        << QByteArray("A1 NO [BADCHARSET (UTF-8 \"US-ASCII\")] x") << K::BadCharset
        << QByteArray("[BADCHARSET (UTF-8 US-ASCII)]");
    QTest::newRow("badcharset-bare")
        << QByteArray("A1 NO [BADCHARSET] x") << K::BadCharset << QByteArray("[BADCHARSET ()]");
    const std::pair<const char*, K> rfc5530[] = {{"UNAVAILABLE", K::Unavailable},
                                                 {"AUTHENTICATIONFAILED", K::AuthenticationFailed},
                                                 {"AUTHORIZATIONFAILED", K::AuthorizationFailed},
                                                 {"EXPIRED", K::Expired},
                                                 {"PRIVACYREQUIRED", K::PrivacyRequired},
                                                 {"CONTACTADMIN", K::ContactAdmin},
                                                 {"NOPERM", K::NoPerm},
                                                 {"INUSE", K::InUse},
                                                 {"EXPUNGEISSUED", K::ExpungeIssued},
                                                 {"CORRUPTION", K::Corruption},
                                                 {"SERVERBUG", K::ServerBug},
                                                 {"CLIENTBUG", K::ClientBug},
                                                 {"CANNOT", K::Cannot},
                                                 {"LIMIT", K::Limit},
                                                 {"OVERQUOTA", K::OverQuota},
                                                 {"ALREADYEXISTS", K::AlreadyExists},
                                                 {"NONEXISTENT", K::NonExistent}};
    for (const auto& [name, kind] : rfc5530) {
        const QByteArray row = "rfc5530-" + QByteArray(name).toLower();
        QTest::newRow(row.constData()) << "A7 NO [" + QByteArray(name) + "] Server says no" << kind
                                       << '[' + QByteArray(name) + ']';
    }
    QTest::newRow("unknown") << QByteArray("* OK [XPROXYREUSE] x") << K::Unknown
                             << QByteArray("[?XPROXYREUSE]");
    QTest::newRow("unknown-with-arguments")
        << QByteArray("* NO [WEBALERT https://accounts.example/x?y=1] Web login required")
        << K::Unknown << QByteArray("[?WEBALERT raw=\"https://accounts.example/x?y=1\"]");
}

void TestImapResponses::responseCodes()
{
    QFETCH(QByteArray, line);
    QFETCH(ResponseCodeKind, kind);
    QFETCH(QByteArray, expected);

    ResponseParser parser;
    parser.feed(QByteArray(line + "\r\n"));
    const auto response = parser.next();
    QVERIFY2(response, qPrintable(parser.error() ? parser.error()->message : QString()));
    std::optional<ResponseCode> code;
    if (const auto* tagged = std::get_if<TaggedResponse>(&*response)) {
        code = tagged->code;
    } else if (const auto* untagged = std::get_if<UntaggedStatus>(&*response)) {
        code = untagged->code;
    }
    QVERIFY(code);
    QCOMPARE(code->kind, kind);
    QCOMPARE(describe(*code), expected);
    if (kind != ResponseCodeKind::Unknown) {
        QCOMPARE(responseCodeKindFromToken(responseCodeToken(kind)), kind);
    }
}

void TestImapResponses::malformed_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<ParseError::Kind>("kind");
    QTest::addColumn<QString>("message");
    QTest::addColumn<qint64>("offset");

    using K = ParseError::Kind;
    QTest::newRow("empty-line") << QByteArray("\r\n") << K::Syntax
                                << QStringLiteral("empty response line") << qint64(0);
    QTest::newRow("tagged-okay") << QByteArray("A1 OKAY done\r\n") << K::Syntax
                                 << QStringLiteral("must be OK, NO or BAD, found \"OKAY\"")
                                 << qint64(7);
    QTest::newRow("tagged-preauth") << QByteArray("A1 PREAUTH hello\r\n") << K::Syntax
                                    << QStringLiteral("must be OK, NO or BAD") << qint64(10);
    QTest::newRow("tagged-status-missing")
        << QByteArray("A1\r\n") << K::Syntax << QStringLiteral("expected space after tag")
        << qint64(2);
    QTest::newRow("tag-with-plus") << QByteArray("A+1 OK\r\n") << K::Syntax
                                   << QStringLiteral("'+' is not allowed in a tag") << qint64(3);
    QTest::newRow("star-without-space")
        << QByteArray("*OK\r\n") << K::Syntax
        << QStringLiteral("expected space after '*', found \"OK\"") << qint64(1);
    QTest::newRow("second-response-offset")
        << QByteArray("* 1 EXISTS\r\n* OK [UIDVALIDITY x] y\r\n") << K::Syntax
        << QStringLiteral("expected number in response code, found \"x] y\"") << qint64(30);
    QTest::newRow("code-unterminated")
        << QByteArray("* OK [ALERT hello\r\n") << K::Syntax
        << QStringLiteral("']' closing the response code") << qint64(17);
    QTest::newRow("uidvalidity-overflow")
        << QByteArray("* OK [UIDVALIDITY 99999999999] x\r\n") << K::Syntax
        << QStringLiteral("number in response code is out of range") << qint64(27);
    QTest::newRow("uidvalidity-trailing-garbage")
        << QByteArray("* OK [UIDVALIDITY 5:7] x\r\n") << K::Syntax
        << QStringLiteral("expected ']' closing the response code, found \":7] x\"") << qint64(19);
    QTest::newRow("exists-trailing-garbage")
        << QByteArray("* 5 EXISTS junk\r\n") << K::Syntax
        << QStringLiteral("expected end of EXISTS") << qint64(11);
    QTest::newRow("expunge-zero") << QByteArray("* 0 EXPUNGE\r\n") << K::Syntax
                                  << QStringLiteral("EXPUNGE of message number 0") << qint64(11);
    QTest::newRow("fetch-unclosed") << QByteArray("* 1 FETCH (UID 5\r\n") << K::Syntax
                                    << QStringLiteral("expected ')' closing FETCH attributes, "
                                                      "found end of line")
                                    << qint64(16);
    QTest::newRow("fetch-uid-zero") << QByteArray("* 1 FETCH (UID 0)\r\n") << K::Syntax
                                    << QStringLiteral("expected UID value") << qint64(15);
    QTest::newRow("fetch-flags-not-list")
        << QByteArray("* 1 FETCH (FLAGS \\Seen)\r\n") << K::Syntax
        << QStringLiteral("expected flag list of FLAGS") << qint64(17);
    QTest::newRow("list-long-delimiter")
        << QByteArray("* LIST () \"ab\" foo\r\n") << K::Syntax
        << QStringLiteral("delimiter must be one character") << qint64(14);
    QTest::newRow("list-unterminated-quote")
        << QByteArray("* LIST () \"/\" \"abc\r\n") << K::Syntax
        << QStringLiteral("expected mailbox name") << qint64(18);
    QTest::newRow("list-nul-in-quoted")
        << QByteArray("* LIST () \"/\" \"a") + '\0' + QByteArray("b\"\r\n") << K::Syntax
        << QStringLiteral("expected mailbox name") << qint64(16);
    QTest::newRow("literal-not-at-line-end")
        << QByteArray("* LIST () {3} \"/\" x\r\n") << K::Syntax
        << QStringLiteral("expected hierarchy delimiter") << qint64(10);
    QTest::newRow("non-synchronising-literal-from-server")
        << QByteArray("* LIST () \"/\" {5+}\r\nhello\r\n") << K::BadLiteral
        << QStringLiteral("non-synchronising literal") << qint64(14);
    QTest::newRow("vanished-bad-set")
        << QByteArray("* VANISHED 5:x\r\n") << K::Syntax
        << QStringLiteral("invalid uid-set of VANISHED \"5:x\"") << qint64(11);
    QTest::newRow("search-word") << QByteArray("* SEARCH 1 two\r\n") << K::Syntax
                                 << QStringLiteral("expected message number in SEARCH")
                                 << qint64(11);
    QTest::newRow("status-value-not-number")
        << QByteArray("* STATUS INBOX (MESSAGES many)\r\n") << K::Syntax
        << QStringLiteral("expected STATUS attribute value") << qint64(25);
    QTest::newRow("copyuid-bad-set") << QByteArray("A1 OK [COPYUID 1 2:* 3] x\r\n") << K::Syntax
                                     << QStringLiteral("invalid uid-set \"2:*\"") << qint64(17);
}

void TestImapResponses::malformed()
{
    QFETCH(QByteArray, input);
    QFETCH(ParseError::Kind, kind);
    QFETCH(QString, message);
    QFETCH(qint64, offset);

    ResponseParser parser;
    parser.feed(input);
    while (parser.next()) {
    }
    QVERIFY(parser.hasFailed());
    QCOMPARE(parser.error()->kind, kind);
    QVERIFY2(parser.error()->message.contains(message), qPrintable(parser.error()->message));
    QCOMPARE(parser.error()->offset, offset);

    // Failure is final: well-formed input afterwards yields nothing.
    parser.feed("* 1 EXISTS\r\n");
    QVERIFY(!parser.next());
    QVERIFY(parser.hasFailed());
}

void TestImapResponses::utf8MailboxNames()
{
    ResponseParser parser;
    parser.setUtf8MailboxNames(true);
    parser.feed("* LIST () \"/\" \"Entw\xc3\xbcrfe\"\r\n* LIST () \"/\" \"bad\xff\"\r\n");

    const auto valid = parser.next();
    QVERIFY(valid);
    const auto& list = std::get<ListData>(*valid);
    QCOMPARE(list.name, QStringLiteral(u"Entwürfe"));
    QVERIFY(list.nameValid);

    const auto invalid = parser.next();
    QVERIFY(invalid);
    QVERIFY(!std::get<ListData>(*invalid).nameValid);
    QCOMPARE(std::get<ListData>(*invalid).rawName, QByteArray("bad\xff"));
}

QTEST_APPLESS_MAIN(TestImapResponses)
#include "tst_imapresponses.moc"
