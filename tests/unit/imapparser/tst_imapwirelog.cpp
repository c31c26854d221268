// SPDX-License-Identifier: GPL-3.0-or-later
// Wire-log redaction: sentinel credentials must never reach the log, in any chunking.
#include "imap/wirelog.h"

#include "core/logging.h"

#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTest>

using namespace Latchmail::Imap;

namespace {

struct Exchange
{
    Direction direction;
    QByteArray bytes;
};
using Transcript = QList<Exchange>;

Exchange c(const QByteArray& bytes)
{
    return {Direction::ClientToServer, bytes};
}

Exchange s(const QByteArray& bytes)
{
    return {Direction::ServerToClient, bytes};
}

// Redacts each exchange in pieces of at most maxPiece bytes (0: whole) and collects the lines.
QList<QByteArray> redact(const Transcript& transcript, qsizetype maxPiece, quint32 seed = 1)
{
    QRandomGenerator random(seed);
    RedactionState state;
    QList<QByteArray> lines;
    for (const Exchange& exchange : transcript) {
        qsizetype pos = 0;
        while (pos < exchange.bytes.size()) {
            const qsizetype size =
                maxPiece == 0 ? exchange.bytes.size() : 1 + random.bounded(int(maxPiece));
            const qsizetype take = std::min(size, exchange.bytes.size() - pos);
            const QByteArray out =
                redactForWireLog(exchange.direction, exchange.bytes.mid(pos, take), state);
            if (!out.isEmpty()) {
                lines += out.split('\n');
            }
            pos += take;
        }
    }
    return lines;
}

const QByteArray sentinel = "p\xc3\xa4ssword-S3NT1NEL";

// Every way the sentinel could leak: raw, escaped as the log escapes it, base64 alone and
// inside a SASL PLAIN message.
QList<QByteArray> leakForms()
{
    return {sentinel,
            "S3NT1NEL",
            "p\\xc3\\xa4ssword",
            sentinel.toBase64(),
            sentinel.toBase64().left(12),
            QByteArray(QByteArray("\0alice\0", 7) + sentinel).toBase64().mid(8)};
}

QByteArray saslPlain()
{
    return QByteArray(QByteArray("\0alice\0", 7) + sentinel).toBase64();
}

QByteArray literalOf(const QByteArray& data)
{
    return '{' + QByteArray::number(data.size()) + "}\r\n";
}

QStringList captured;

void captureMessages(QtMsgType, const QMessageLogContext&, const QString& message)
{
    captured.append(message);
}

} // namespace

class TestImapWireLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sentinelNeverLogged_data();
    void sentinelNeverLogged();
    void summaries_data();
    void summaries();
    void logWireWritesRedactedLines();
    void connectionStaysUnloggedOnceCategoryWasDisabled();
};

void TestImapWireLog::sentinelNeverLogged_data()
{
    QTest::addColumn<Transcript>("transcript");
    QTest::addColumn<QList<QByteArray>>("expectedLines");

    QTest::newRow("login-quoted-password")
        << Transcript{c("A1 LOGIN alice \"" + sentinel + "\"\r\n"), s("A1 OK Logged in\r\n")}
        << QList<QByteArray>{"A1 LOGIN <redacted>", "A1 OK Logged in"};
    QTest::newRow("login-lowercase-atom-password")
        << Transcript{c("a1 login alice S3NT1NEL\r\n")} << QList<QByteArray>{"a1 LOGIN <redacted>"};
    QTest::newRow("login-literal-password")
        << Transcript{c("A1 LOGIN alice " + literalOf(sentinel)), s("+ Ready\r\n"),
                      c(sentinel + "\r\n"), s("A1 OK Logged in\r\n"), c("A2 NOOP\r\n")}
        << QList<QByteArray>{"A1 LOGIN <redacted>", "<redacted>",      "+ Ready",
                             "<redacted>",          "A1 OK Logged in", "A2 NOOP"};
    QTest::newRow("login-literal-user-and-password")
        << Transcript{c("A1 LOGIN {5}\r\n"),
                      s("+ go\r\n"),
                      c("alice " + literalOf(sentinel)),
                      s("+ go\r\n"),
                      c(sentinel + "\r\n"),
                      c("A2 SELECT INBOX\r\n")}
        << QList<QByteArray>{"A1 LOGIN <redacted>", "<redacted>", "+ go",       "<redacted>",
                             "<redacted>",          "+ go",       "<redacted>", "A2 SELECT INBOX"};
    QTest::newRow("authenticate-plain-sasl-ir")
        << Transcript{c("A3 AUTHENTICATE PLAIN " + saslPlain() + "\r\n"),
                      s("A3 OK [CAPABILITY IMAP4rev1] Logged in\r\n"), c("A4 LIST \"\" *\r\n")}
        << QList<QByteArray>{"A3 AUTHENTICATE PLAIN <redacted>",
                             "A3 OK [CAPABILITY IMAP4rev1] Logged in", "A4 LIST \"\" *"};
    QTest::newRow("authenticate-plain-continuation")
        << Transcript{c("A3 AUTHENTICATE PLAIN\r\n"), s("+ \r\n"), c(saslPlain() + "\r\n"),
                      s("A3 OK Logged in\r\n"), c("A4 SELECT INBOX\r\n")}
        << QList<QByteArray>{"A3 AUTHENTICATE PLAIN", "+", "<redacted>", "A3 OK Logged in",
                             "A4 SELECT INBOX"};
    QTest::newRow("authenticate-multi-step-failure")
        << Transcript{c("A5 AUTHENTICATE XOAUTH2 " + sentinel.toBase64() + "\r\n"),
                      s("+ eyJzdGF0dXMiOiI0MDEifQ==\r\n"), c("\r\n"),
                      s("A5 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n"), c("A6 LOGOUT\r\n")}
        << QList<QByteArray>{"A5 AUTHENTICATE XOAUTH2 <redacted>", "+ <redacted>", "<redacted>",
                             "A5 NO [AUTHENTICATIONFAILED] Invalid credentials", "A6 LOGOUT"};
    QTest::newRow("authenticate-cancelled")
        << Transcript{c("A7 AUTHENTICATE PLAIN\r\n"), s("+ \r\n"), c("*\r\n"),
                      s("A7 BAD Authentication aborted\r\n")}
        << QList<QByteArray>{"A7 AUTHENTICATE PLAIN", "+", "<redacted>",
                             "A7 BAD Authentication aborted"};
    // A hostile server's literal containing the tag cannot end the exchange early.
    QTest::newRow("fake-completion-inside-server-literal")
        << Transcript{c("A8 AUTHENTICATE PLAIN\r\n"),
                      s("* 1 FETCH (BODY[] {17}\r\nA8 OK fake done\r\n)\r\n"), s("+ \r\n"),
                      c(saslPlain() + "\r\n"), s("A8 OK real\r\n")}
        << QList<QByteArray>{"A8 AUTHENTICATE PLAIN",
                             "* 1 FETCH (BODY[] {17}",
                             "<literal 17 bytes>",
                             ")",
                             "+",
                             "<redacted>",
                             "A8 OK real"};
    // Untagged lines and other tags do not end the exchange either.
    QTest::newRow("other-tag-does-not-end-authenticate")
        << Transcript{c("A9 AUTHENTICATE PLAIN\r\n"), s("A99 OK other\r\n"),
                      s("* OK still going\r\n"), s("+ \r\n"), c(saslPlain() + "\r\n")}
        << QList<QByteArray>{"A9 AUTHENTICATE PLAIN", "A99 OK other", "* OK still going", "+",
                             "<redacted>"};
}

void TestImapWireLog::sentinelNeverLogged()
{
    QFETCH(Transcript, transcript);
    QFETCH(QList<QByteArray>, expectedLines);

    const QList<QByteArray> whole = redact(transcript, 0);
    QCOMPARE(whole, expectedLines);

    QList<QList<QByteArray>> chunkings{redact(transcript, 1)};
    for (quint32 seed = 1; seed <= 6; ++seed) {
        chunkings.append(redact(transcript, 2 + seed * 3, seed));
    }
    for (const QList<QByteArray>& lines : std::as_const(chunkings)) {
        QCOMPARE(lines, whole);
    }

    const QByteArray everything = whole.join('\n');
    for (const QByteArray& leak : leakForms()) {
        QVERIFY2(!everything.contains(leak), leak.constData());
    }
}

void TestImapWireLog::summaries_data()
{
    QTest::addColumn<Transcript>("transcript");
    QTest::addColumn<QList<QByteArray>>("expectedLines");

    QTest::newRow("append-literal-counted")
        << Transcript{c("A6 APPEND Sent (\\Seen) {11}\r\n"), s("+ OK\r\n"), c("hello world"),
                      c("\r\n"), s("A6 OK [APPENDUID 1 5] Append completed.\r\n")}
        << QList<QByteArray>{"A6 APPEND Sent (\\Seen) {11}", "<literal 11 bytes>", "+ OK",
                             "A6 OK [APPENDUID 1 5] Append completed."};
    QTest::newRow("append-literal8-plus")
        << Transcript{c(QByteArray("A6 APPEND Sent ~{3+}\r\na\0b\r\n", 27))}
        << QList<QByteArray>{"A6 APPEND Sent ~{3+}", "<literal 3 bytes>"};
    QTest::newRow("fetch-body-counted")
        << Transcript{s("* 3 FETCH (UID 9 BODY[] {5}\r\nhello)\r\nA7 OK done\r\n")}
        << QList<QByteArray>{"* 3 FETCH (UID 9 BODY[] {5}", "<literal 5 bytes>", ")", "A7 OK done"};
    QTest::newRow("fetch-two-literals")
        << Transcript{s("* 3 FETCH (BODY[1] {2}\r\nab BODY[2] {3}\r\ncde)\r\n")}
        << QList<QByteArray>{"* 3 FETCH (BODY[1] {2}", "<literal 2 bytes>", " BODY[2] {3}",
                             "<literal 3 bytes>", ")"};
    QTest::newRow("status-text-is-not-a-literal")
        << Transcript{s("* OK [ALERT] see {5}\r\n* 1 EXISTS\r\n")}
        << QList<QByteArray>{"* OK [ALERT] see {5}", "* 1 EXISTS"};
    QTest::newRow("control-bytes-escaped") << Transcript{s("* OK \x1b[31mred\x7f\xff\r\n")}
                                           << QList<QByteArray>{"* OK \\x1b[31mred\\x7f\\xff"};
    QTest::newRow("long-line-truncated")
        << Transcript{s("* OK " + QByteArray(5000, 'x') + "\r\n")}
        << QList<QByteArray>{"* OK " + QByteArray(1019, 'x') + " <3981 more bytes>"};
    QTest::newRow("bare-lf") << Transcript{s("* 1 EXISTS\n* 2 RECENT\n")}
                             << QList<QByteArray>{"* 1 EXISTS", "* 2 RECENT"};
}

void TestImapWireLog::summaries()
{
    QFETCH(Transcript, transcript);
    QFETCH(QList<QByteArray>, expectedLines);

    QCOMPARE(redact(transcript, 0), expectedLines);
    QCOMPARE(redact(transcript, 1), expectedLines);
    QCOMPARE(redact(transcript, 7, 42), expectedLines);
}

void TestImapWireLog::logWireWritesRedactedLines()
{
    QLoggingCategory::setFilterRules(QStringLiteral("latchmail.imap.wire.debug=true"));
    captured.clear();
    const QtMessageHandler previous = qInstallMessageHandler(captureMessages);

    RedactionState state;
    logWire(Direction::ClientToServer, QByteArray("A1 LOGIN alice " + sentinel + "\r\n"), state);
    logWire(Direction::ServerToClient, "A1 OK done\r\n", state);
    qInstallMessageHandler(previous);
    QLoggingCategory::setFilterRules(QString());

    QCOMPARE(captured, (QStringList{QStringLiteral("C: A1 LOGIN <redacted>"),
                                    QStringLiteral("S: A1 OK done")}));
}

void TestImapWireLog::connectionStaysUnloggedOnceCategoryWasDisabled()
{
    QVERIFY(!lcImapWire().isDebugEnabled());
    RedactionState state;
    logWire(Direction::ClientToServer, "A1 AUTHENTICATE PLAIN\r\n", state);
    logWire(Direction::ServerToClient, "+ \r\n", state);

    // Logging switched on in the middle of the exchange: where the credential is, is unknown,
    // so nothing of this connection is written, not even lines after the exchange.
    QLoggingCategory::setFilterRules(QStringLiteral("latchmail.imap.wire.debug=true"));
    captured.clear();
    const QtMessageHandler previous = qInstallMessageHandler(captureMessages);
    logWire(Direction::ClientToServer, QByteArray(saslPlain() + "\r\n"), state);
    logWire(Direction::ServerToClient, "A1 OK done\r\nA2 OK later\r\n", state);
    const QByteArray direct =
        redactForWireLog(Direction::ClientToServer, QByteArray(saslPlain() + "\r\n"), state);
    qInstallMessageHandler(previous);
    QLoggingCategory::setFilterRules(QString());

    QCOMPARE(captured, QStringList());
    QCOMPARE(direct, QByteArray());

    // A new connection (a new state) is logged again.
    RedactionState fresh;
    QLoggingCategory::setFilterRules(QStringLiteral("latchmail.imap.wire.debug=true"));
    qInstallMessageHandler(captureMessages);
    logWire(Direction::ServerToClient, "* OK ready\r\n", fresh);
    qInstallMessageHandler(previous);
    QLoggingCategory::setFilterRules(QString());
    QCOMPARE(captured, QStringList{QStringLiteral("S: * OK ready")});
}

QTEST_APPLESS_MAIN(TestImapWireLog)
#include "tst_imapwirelog.moc"
