// SPDX-License-Identifier: GPL-3.0-or-later
// latchmail-cli sync, list and show end to end: the real binary, a private keyring
// (tests/support/with-keyring.sh), a real Dovecot. Covers the JSON shapes, STATUS counts of the
// other mailboxes, an HTML-only message shown as safe text, attachment names and sizes, reading
// offline, and the exit statuses 3 (no STARTTLS, latch failure after a server change),
// 4 (wrong password) and 5 (server gone).
#include "core/accountstore.h"
#include "core/profile.h"
#include "tests/support/mailstack.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

struct CliRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

QJsonObject json(const CliRun& run)
{
    return QJsonDocument::fromJson(run.out.toUtf8()).object();
}

const QString kArchive = QStringLiteral("Archive");

// An HTML-only message whose style and script content must never be shown.
QByteArray htmlOnlyMessage()
{
    return "From: Web Shop <shop@example.test>\nTo: alice@example.test\nSubject: HTML only\n"
           "Date: Fri, 01 Mar 2024 12:00:00 +0000\nMIME-Version: 1.0\n"
           "Content-Type: text/html; charset=utf-8\n\n"
           "<html><head><style>p { color: red }</style>"
           "<script>document.write('pwned-by-script')</script></head>"
           "<body><p>Your order has <b>shipped</b>.</p><p>Track it &amp; relax</p></body></html>\n";
}

// The bodies of the two attachments of attachmentMessage(), LF line ends as in Maildir.
QByteArray pdfBody()
{
    QByteArray data;
    for (int i = 0; i < 3000; ++i) {
        data += char(i * 7 % 256);
    }
    const QByteArray encoded = data.toBase64();
    QByteArrayList lines;
    for (qsizetype at = 0; at < encoded.size(); at += 76) {
        lines.append(encoded.mid(at, 76));
    }
    return lines.join('\n');
}

QByteArray notesBody()
{
    return "first line of the notes\nsecond line";
}

// The size IMAP reports for a part body (RFC 9051 body-fld-octets): lines end in CRLF.
qint64 octets(const QByteArray& lfBody)
{
    return lfBody.size() + lfBody.count('\n');
}

QByteArray attachmentMessage()
{
    return "From: Ann <ann@example.test>\nTo: alice@example.test\nSubject: Two files\n"
           "Date: Fri, 01 Mar 2024 13:00:00 +0000\nMIME-Version: 1.0\n"
           "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
           "--b1\nContent-Type: text/plain; charset=us-ascii\n\nSee the attached files.\n"
           "--b1\nContent-Type: application/pdf; name=\"report.pdf\"\n"
           "Content-Disposition: attachment; filename=\"report.pdf\"\n"
           "Content-Transfer-Encoding: base64\n\n" +
           pdfBody() +
           "\n--b1\nContent-Type: text/plain; charset=us-ascii; name=\"notes.txt\"\n"
           "Content-Disposition: attachment; filename=\"notes.txt\"\n\n" +
           notesBody() + "\n--b1--\n";
}

} // namespace

class TestImapCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void syncThenIncrementalSync();
    void listFromCache();
    void showFetchesTextOnce();
    void showHtmlOnlyAsSafeText();
    void showListsAttachmentsWithSizes();
    void latchFailureExitsThreeCacheIntact_data();
    void latchFailureExitsThreeCacheIntact();
    void wrongPasswordExitsFour();
    void missingStartTlsExitsThree();
    void offlineAfterServerStopped();

private:
    CliRun run(const QStringList& arguments, const QByteArray& input = {});
    void addAccount(const QString& name, quint16 port, const QString& password,
                    const QString& caFile);

    QTemporaryDir m_profile;
    std::unique_ptr<MailStack> m_stack;
};

CliRun TestImapCli::run(const QStringList& arguments, const QByteArray& input)
{
    QProcess process;
    process.start(QStringLiteral(LATCHMAIL_CLI),
                  QStringList{QStringLiteral("--profile"), m_profile.path()} + arguments);
    CliRun result;
    if (!process.waitForStarted(30000)) {
        result.err = process.errorString();
        return result;
    }
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished(5000);
        result.err = QStringLiteral("latchmail-cli did not finish");
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

void TestImapCli::addAccount(const QString& name, quint16 port, const QString& password,
                             const QString& caFile)
{
    const CliRun added =
        run({QStringLiteral("account"), QStringLiteral("add"), name, QStringLiteral("--email"),
             QStringLiteral("alice@example.test"), QStringLiteral("--imap"),
             QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--smtp"),
             QStringLiteral("127.0.0.1:587"), QStringLiteral("--user"), QStringLiteral("alice"),
             QStringLiteral("--tls"), QStringLiteral("starttls"), QStringLiteral("--ca-file"),
             caFile, QStringLiteral("--password-stdin")},
            password.toUtf8() + '\n');
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
}

void TestImapCli::initTestCase()
{
    QVERIFY(m_profile.isValid());
    m_stack = std::make_unique<MailStack>();
    QVERIFY2(m_stack->start(), qPrintable(m_stack->errorString()));
    QVERIFY(m_stack->addMessages(QStringLiteral("alice"), 5,
                                 [](int index) { return MailStack::generateMessage(index); }));
    QVERIFY(m_stack->addMessages(QStringLiteral("alice"), {htmlOnlyMessage()}, kArchive));
    QVERIFY(m_stack->addMessages(QStringLiteral("alice"), {attachmentMessage()}, kArchive,
                                 QStringLiteral("S")));
    addAccount(QStringLiteral("work"), m_stack->ports().imapPlain,
               m_stack->user(QStringLiteral("alice")).password, m_stack->caFile());
}

void TestImapCli::cleanupTestCase()
{
    if (m_stack) {
        m_stack->stop();
    }
}

void TestImapCli::syncThenIncrementalSync()
{
    const CliRun first = run({QStringLiteral("sync"), QStringLiteral("work")});
    QVERIFY2(first.exitCode == 0, qPrintable(first.err));
    QVERIFY2(first.out.contains(QStringLiteral("INBOX: 5 messages (5 new")), qPrintable(first.out));

    const CliRun second =
        run({QStringLiteral("--json"), QStringLiteral("sync"), QStringLiteral("work"),
             QStringLiteral("--mailbox"), QStringLiteral("INBOX")});
    QVERIFY2(second.exitCode == 0, qPrintable(second.err));
    const QJsonObject report = json(second);
    QCOMPARE(report.value(QStringLiteral("id")).toString(), QStringLiteral("work"));
    QCOMPARE(report.value(QStringLiteral("mailbox")).toString(), QStringLiteral("INBOX"));
    QCOMPARE(report.value(QStringLiteral("messages")).toInt(), 5);
    QCOMPARE(report.value(QStringLiteral("added")).toInt(), 0);
    QCOMPARE(report.value(QStringLiteral("incremental")).toBool(), true);

    // STATUS of the other mailboxes: Archive holds one unread and one read message.
    QJsonObject archive;
    for (const QJsonValue& other : report.value(QStringLiteral("otherMailboxes")).toArray()) {
        if (other.toObject().value(QStringLiteral("name")).toString() == kArchive) {
            archive = other.toObject();
        }
    }
    QCOMPARE(archive.value(QStringLiteral("messages")).toInt(), 2);
    QCOMPARE(archive.value(QStringLiteral("unseen")).toInt(), 1);
    QCOMPARE(archive.value(QStringLiteral("uidNext")).toInt(), 3);
    QVERIFY2(first.out.contains(QStringLiteral("  Archive: 2 messages, 1 unread")),
             qPrintable(first.out));

    // The login earned the account its latches.
    const CliRun security =
        run({QStringLiteral("--json"), QStringLiteral("security"), QStringLiteral("work")});
    QVERIFY2(security.out.contains(QStringLiteral("\"tls13\"")), qPrintable(security.out));
}

void TestImapCli::listFromCache()
{
    const CliRun listed = run({QStringLiteral("list"), QStringLiteral("work")});
    QVERIFY2(listed.exitCode == 0, qPrintable(listed.err));
    for (int index = 0; index < 5; ++index) {
        QVERIFY2(listed.out.contains(QStringLiteral("Test message %1").arg(index)),
                 qPrintable(listed.out));
    }
    QVERIFY(listed.out.contains(QStringLiteral("5 messages in INBOX")));

    const QJsonObject shape =
        json(run({QStringLiteral("--json"), QStringLiteral("list"), QStringLiteral("work")}));
    const QJsonArray messages = shape.value(QStringLiteral("messages")).toArray();
    QCOMPARE(messages.size(), 5);
    const QJsonObject first = messages.first().toObject();
    QCOMPARE(first.value(QStringLiteral("uid")).toInt(), 1);
    QCOMPARE(first.value(QStringLiteral("subject")).toString(), QStringLiteral("Test message 0"));
    QCOMPARE(first.value(QStringLiteral("from")).toString(),
             QStringLiteral("Test Sender <sender@example.test>"));
    QVERIFY(shape.value(QStringLiteral("lastSync")).isString());

    const CliRun unknown = run({QStringLiteral("list"), QStringLiteral("work"),
                                QStringLiteral("--mailbox"), QStringLiteral("Nowhere")});
    QCOMPARE(unknown.exitCode, 1);
}

void TestImapCli::showFetchesTextOnce()
{
    const CliRun shown = run({QStringLiteral("show"), QStringLiteral("work"), QStringLiteral("2")});
    QVERIFY2(shown.exitCode == 0, qPrintable(shown.err));
    QVERIFY(shown.out.contains(QStringLiteral("Subject: Test message 1")));
    QVERIFY2(shown.out.contains(QStringLiteral("This is test message 1.")), qPrintable(shown.out));

    const QJsonObject shape = json(run({QStringLiteral("--json"), QStringLiteral("show"),
                                        QStringLiteral("work"), QStringLiteral("2")}));
    QCOMPARE(shape.value(QStringLiteral("uid")).toInt(), 2);
    QVERIFY(shape.value(QStringLiteral("text"))
                .toString()
                .contains(QStringLiteral("This is test message 1.")));
    QVERIFY(shape.value(QStringLiteral("attachments")).toArray().isEmpty());
    // BODY.PEEK: showing did not mark the message as read.
    QVERIFY(!shape.value(QStringLiteral("flags")).toArray().contains(QStringLiteral("\\Seen")));

    const CliRun missing =
        run({QStringLiteral("show"), QStringLiteral("work"), QStringLiteral("99")});
    QCOMPARE(missing.exitCode, 1);
    const CliRun badUid =
        run({QStringLiteral("show"), QStringLiteral("work"), QStringLiteral("x")});
    QCOMPARE(badUid.exitCode, 2);
}

void TestImapCli::showHtmlOnlyAsSafeText()
{
    const CliRun synced = run(
        {QStringLiteral("sync"), QStringLiteral("work"), QStringLiteral("--mailbox"), kArchive});
    QVERIFY2(synced.exitCode == 0, qPrintable(synced.err));

    const CliRun shown = run({QStringLiteral("show"), QStringLiteral("work"), QStringLiteral("1"),
                              QStringLiteral("--mailbox"), kArchive});
    QVERIFY2(shown.exitCode == 0, qPrintable(shown.err));
    const QJsonObject shape =
        json(run({QStringLiteral("--json"), QStringLiteral("show"), QStringLiteral("work"),
                  QStringLiteral("1"), QStringLiteral("--mailbox"), kArchive}));
    const QString text = shape.value(QStringLiteral("text")).toString();
    // The body as printed after the headers (which hold "Name <address>"), and as in --json.
    const QString printedBody = shown.out.section(QStringLiteral("\n\n"), 1);
    QVERIFY(shown.out.contains(QStringLiteral("Subject: HTML only\n\n")));
    for (const QString& output : {printedBody, text}) {
        QVERIFY2(output.contains(QStringLiteral("Your order has shipped.")), qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral("Track it & relax")), qPrintable(output));
        for (const QString& unsafe :
             {QStringLiteral("<"), QStringLiteral(">"), QStringLiteral("pwned-by-script"),
              QStringLiteral("document.write"), QStringLiteral("color: red")}) {
            QVERIFY2(!output.contains(unsafe),
                     qPrintable(unsafe + QStringLiteral(" in ") + output));
        }
    }
    QVERIFY(shape.value(QStringLiteral("attachments")).toArray().isEmpty());
}

void TestImapCli::showListsAttachmentsWithSizes()
{
    const CliRun synced = run(
        {QStringLiteral("sync"), QStringLiteral("work"), QStringLiteral("--mailbox"), kArchive});
    QVERIFY2(synced.exitCode == 0, qPrintable(synced.err));
    const qint64 pdfSize = octets(pdfBody());
    const qint64 notesSize = octets(notesBody());

    const CliRun shown = run({QStringLiteral("show"), QStringLiteral("work"), QStringLiteral("2"),
                              QStringLiteral("--mailbox"), kArchive});
    QVERIFY2(shown.exitCode == 0, qPrintable(shown.err));
    QVERIFY2(shown.out.contains(QStringLiteral("See the attached files.")), qPrintable(shown.out));
    QVERIFY2(shown.out.contains(QStringLiteral("[attachment 2: report.pdf, application/pdf, %1 "
                                               "bytes]")
                                    .arg(pdfSize)),
             qPrintable(shown.out));
    QVERIFY2(shown.out.contains(
                 QStringLiteral("[attachment 3: notes.txt, text/plain, %1 bytes]").arg(notesSize)),
             qPrintable(shown.out));

    const QJsonObject shape =
        json(run({QStringLiteral("--json"), QStringLiteral("show"), QStringLiteral("work"),
                  QStringLiteral("2"), QStringLiteral("--mailbox"), kArchive}));
    const QJsonArray attachments = shape.value(QStringLiteral("attachments")).toArray();
    QCOMPARE(attachments.size(), 2);
    const QJsonObject pdf = attachments.at(0).toObject();
    QCOMPARE(pdf.value(QStringLiteral("part")).toString(), QStringLiteral("2"));
    QCOMPARE(pdf.value(QStringLiteral("fileName")).toString(), QStringLiteral("report.pdf"));
    QCOMPARE(pdf.value(QStringLiteral("mimeType")).toString(), QStringLiteral("application/pdf"));
    QCOMPARE(pdf.value(QStringLiteral("size")).toInteger(), pdfSize);
    const QJsonObject notes = attachments.at(1).toObject();
    QCOMPARE(notes.value(QStringLiteral("fileName")).toString(), QStringLiteral("notes.txt"));
    QCOMPARE(notes.value(QStringLiteral("size")).toInteger(), notesSize);
    QVERIFY(shape.value(QStringLiteral("text"))
                .toString()
                .contains(QStringLiteral("See the attached files.")));
}

void TestImapCli::latchFailureExitsThreeCacheIntact_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("latch");
    QTest::addColumn<bool>("tls12Only");
    QTest::addColumn<CertVariant>("cert");
    QTest::newRow("tls13-then-tls12-only")
        << QStringLiteral("latched-tls13") << QStringLiteral("\"tls13\"") << true
        << CertVariant::CaSigned;
    QTest::newRow("tls-cert-then-self-signed")
        << QStringLiteral("latched-cert") << QStringLiteral("\"tls-cert\"") << false
        << CertVariant::SelfSigned;
}

void TestImapCli::latchFailureExitsThreeCacheIntact()
{
    QFETCH(QString, name);
    QFETCH(QString, latch);
    QFETCH(bool, tls12Only);
    QFETCH(CertVariant, cert);

    MailStack before;
    QVERIFY2(before.start(), qPrintable(before.errorString()));
    QVERIFY(before.addMessages(QStringLiteral("alice"), 3,
                               [](int index) { return MailStack::generateMessage(index); }));
    const QString password = before.user(QStringLiteral("alice")).password;
    addAccount(name, before.ports().imapPlain, password, before.caFile());
    const CliRun first = run({QStringLiteral("sync"), name});
    QVERIFY2(first.exitCode == 0, qPrintable(first.err));
    const CliRun security = run({QStringLiteral("--json"), QStringLiteral("security"), name});
    QVERIFY2(security.out.contains(latch), qPrintable(security.out));
    before.stop();

    // The same host now answers with less than was latched.
    MailStack::Options options;
    options.tls12Only = tls12Only;
    options.cert = cert;
    options.users = {QStringLiteral("alice:") + password};
    MailStack after(options);
    QVERIFY2(after.start(), qPrintable(after.errorString()));
    const AccountStore store(Profile::resolve(m_profile.path()).accountsDirectory());
    Account account = store.load(name).account.value_or(Account());
    QCOMPARE(account.id, name);
    account.imap.port = after.ports().imapPlain;
    QVERIFY(!store.save(account).has_value());

    const CliRun refused = run({QStringLiteral("sync"), name});
    QCOMPARE(refused.exitCode, 3);
    QVERIFY(!refused.err.isEmpty());
    QVERIFY2(!after.logs().contains(QStringLiteral("Login: user=<alice>")),
             qPrintable(after.logs().right(2000)));

    // The offline cache is intact.
    const CliRun listed = run({QStringLiteral("list"), name});
    QVERIFY2(listed.exitCode == 0, qPrintable(listed.err));
    QVERIFY2(listed.out.contains(QStringLiteral("3 messages in INBOX")), qPrintable(listed.out));
    for (int index = 0; index < 3; ++index) {
        QVERIFY(listed.out.contains(QStringLiteral("Test message %1").arg(index)));
    }
    const QJsonObject shape = json(run({QStringLiteral("--json"), QStringLiteral("list"), name}));
    QCOMPARE(shape.value(QStringLiteral("messages")).toArray().size(), 3);
}

void TestImapCli::wrongPasswordExitsFour()
{
    addAccount(QStringLiteral("wrong"), m_stack->ports().imapPlain, QStringLiteral("not-it"),
               m_stack->caFile());
    const CliRun synced = run({QStringLiteral("sync"), QStringLiteral("wrong")});
    QCOMPARE(synced.exitCode, 4);
    QVERIFY2(synced.err.contains(QStringLiteral("Login to 127.0.0.1 failed")),
             qPrintable(synced.err));
}

void TestImapCli::missingStartTlsExitsThree()
{
    MailStack::Options options;
    options.ssl = false; // no STARTTLS offered at all
    MailStack plain(options);
    QVERIFY2(plain.start(), qPrintable(plain.errorString()));
    addAccount(QStringLiteral("stripped"), plain.ports().imapPlain,
               plain.user(QStringLiteral("alice")).password, m_stack->caFile());
    const CliRun synced = run({QStringLiteral("sync"), QStringLiteral("stripped")});
    QCOMPARE(synced.exitCode, 3);
    QVERIFY2(synced.err.contains(QStringLiteral("STARTTLS")), qPrintable(synced.err));
    QVERIFY(!plain.logs().contains(QStringLiteral("Login: user=<alice>")));
}

void TestImapCli::offlineAfterServerStopped()
{
    m_stack->stop();
    const CliRun listed = run({QStringLiteral("list"), QStringLiteral("work")});
    QVERIFY2(listed.exitCode == 0, qPrintable(listed.err));
    QVERIFY(listed.out.contains(QStringLiteral("Test message 4")));
    const CliRun shown = run({QStringLiteral("show"), QStringLiteral("work"), QStringLiteral("2")});
    QVERIFY2(shown.exitCode == 0, qPrintable(shown.err));
    QVERIFY(shown.out.contains(QStringLiteral("This is test message 1.")));

    const CliRun synced = run({QStringLiteral("sync"), QStringLiteral("work")});
    QCOMPARE(synced.exitCode, 5);
}

QTEST_GUILESS_MAIN(TestImapCli)
#include "tst_imap_cli.moc"
