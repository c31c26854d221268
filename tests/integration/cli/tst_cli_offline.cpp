// SPDX-License-Identifier: GPL-3.0-or-later
// latchmail-cli without a keyring: usage errors, help, account files written by AccountStore
// (latches, observations, failures, unknown tokens, corrupt files) shown by `account list|show`
// and `security` as text and JSON, and `account add|remove` failing cleanly when no keyring is
// reachable.
#include "clitest.h"

#include <QJsonArray>
#include <QTemporaryDir>

#include <memory>

using namespace Latchmail;
using namespace Latchmail::CliTest;

namespace {

const QString kSentinel = QStringLiteral("S3ntinel-offline-Pw-7f3a");

QStringList sortedKeys(const QJsonObject& object)
{
    QStringList keys = object.keys();
    keys.sort();
    return keys;
}

QStringList validAdd()
{
    return {QStringLiteral("account"),
            QStringLiteral("add"),
            QStringLiteral("work"),
            QStringLiteral("--email"),
            QStringLiteral("ann@example.org"),
            QStringLiteral("--imap"),
            QStringLiteral("imap.example.org"),
            QStringLiteral("--smtp"),
            QStringLiteral("smtp.example.org"),
            QStringLiteral("--password-stdin")};
}

// validAdd() with the value of `option` replaced (or the option appended).
QStringList addWith(const QString& option, const QString& value)
{
    QStringList args = validAdd();
    const qsizetype position = args.indexOf(option);
    if (position >= 0) {
        args[position + 1] = value;
    } else {
        args << option << value;
    }
    return args;
}

QStringList addWithout(const QString& option)
{
    QStringList args = validAdd();
    const qsizetype position = args.indexOf(option);
    args.remove(position, 2);
    return args;
}

// An environment in which no Secret Service can be found: a throwaway HOME, no desktop session,
// and the session bus either unset or pointing nowhere.
QProcessEnvironment withoutKeyring(const QString& home, const QString& busAddress)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char* name :
         {"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP",
          "DESKTOP_SESSION", "KDE_FULL_SESSION", "GNOME_KEYRING_CONTROL"}) {
        environment.remove(QString::fromLatin1(name));
    }
    const QString runtime = home + QStringLiteral("/run");
    QDir().mkpath(runtime);
    QFile::setPermissions(runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    environment.insert(QStringLiteral("HOME"), home);
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/.config"));
    environment.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/.local/share"));
    environment.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime);
    if (!busAddress.isNull()) {
        environment.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), busAddress);
    }
    return environment;
}

} // namespace

class TestCliOffline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void usageErrors_data();
    void usageErrors();
    void help_data();
    void help();
    void corruptFileIsNamed_data();
    void corruptFileIsNamed();
    void listShowsEveryAccount();
    void listJsonShape();
    void showTextAndJson();
    void securityText();
    void securityJsonShape();
    void unknownLatchTokenFlagged();
    void addWithoutKeyring_data();
    void addWithoutKeyring();
    void removeWithoutKeyringKeepsFile();
    void addRefusesExistingAccount();
    void addChecksCaFile_data();
    void addChecksCaFile();

private:
    QString profile() const { return m_profile->path(); }
    QString accounts() const { return m_profile->path() + QStringLiteral("/accounts"); }

    std::unique_ptr<QTemporaryDir> m_profile;
};

void TestCliOffline::init()
{
    m_profile = std::make_unique<QTemporaryDir>();
    QVERIFY(m_profile->isValid());
}

void TestCliOffline::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");

    const auto row = [](const char* name, const QStringList& args, const char* message) {
        QTest::newRow(name) << args << QString::fromUtf8(message);
    };
    row("no-command", {}, "no command given");
    row("unknown-command", {QStringLiteral("frobnicate")}, "unknown command 'frobnicate'");
    row("unknown-global-option", {QStringLiteral("--verbose"), QStringLiteral("account")},
        "Unknown option 'verbose'");
    row("account-without-subcommand", {QStringLiteral("account")}, "missing subcommand");
    row("account-unknown-subcommand", {QStringLiteral("account"), QStringLiteral("rename")},
        "unknown account subcommand 'rename'");
    row("add-missing-name", {QStringLiteral("account"), QStringLiteral("add")}, "missing NAME");
    row("add-missing-email", addWithout(QStringLiteral("--email")), "missing --email");
    row("add-missing-imap", addWithout(QStringLiteral("--imap")), "missing --imap");
    row("add-missing-smtp", addWithout(QStringLiteral("--smtp")), "missing --smtp");
    row("add-option-without-value", validAdd() << QStringLiteral("--user"),
        "Missing value after '--user'");
    row("add-password-argument", validAdd() << QStringLiteral("--password=hunter2-sentinel"),
        "a password is never accepted as an argument; use --password-stdin");
    row("add-unknown-option", validAdd() << QStringLiteral("--colour"), "Unknown option 'colour'");
    row("add-extra-argument", validAdd() << QStringLiteral("extra"), "unexpected argument 'extra'");
    QStringList badName = validAdd();
    badName[2] = QStringLiteral("../work");
    row("add-bad-name", badName, "invalid account name '../work'");
    row("add-address-without-at", addWith(QStringLiteral("--email"), QStringLiteral("ann")),
        "'ann' has no '@'");
    row("add-address-without-domain", addWith(QStringLiteral("--email"), QStringLiteral("ann@")),
        "has no domain");
    row("add-address-double-dot",
        addWith(QStringLiteral("--email"), QStringLiteral("ann..x@example.org")),
        "local part 'ann..x' is not a valid");
    row("add-address-space",
        addWith(QStringLiteral("--email"), QStringLiteral("ann x@example.org")),
        "local part 'ann x' is not a valid");
    row("add-address-bad-domain",
        addWith(QStringLiteral("--email"), QStringLiteral("ann@exa mple.org")),
        "the domain 'exa mple.org' is not valid");
    row("add-port-out-of-range",
        addWith(QStringLiteral("--imap"), QStringLiteral("imap.example.org:99999")),
        "--imap 'imap.example.org:99999': port 99999 is out of range (1–65535)");
    row("add-port-zero", addWith(QStringLiteral("--smtp"), QStringLiteral("smtp.example.org:0")),
        "port 0 is out of range");
    row("add-port-missing", addWith(QStringLiteral("--imap"), QStringLiteral("imap.example.org:")),
        "missing port after ':'");
    row("add-port-not-number",
        addWith(QStringLiteral("--imap"), QStringLiteral("imap.example.org:imaps")),
        "port 'imaps' is not a number");
    row("add-host-missing", addWith(QStringLiteral("--imap"), QStringLiteral(":993")),
        "missing host before ':'");
    row("add-host-bad-label", addWith(QStringLiteral("--imap"), QStringLiteral("-imap.example")),
        "'-imap.example' is not a valid host name");
    row("add-host-empty-label", addWith(QStringLiteral("--imap"), QStringLiteral("imap..example")),
        "has an empty label");
    row("add-host-bad-ipv4", addWith(QStringLiteral("--imap"), QStringLiteral("127.0.0.300")),
        "'127.0.0.300' is not a valid IPv4 address");
    row("add-ipv6-without-brackets", addWith(QStringLiteral("--imap"), QStringLiteral("::1:993")),
        "write an IPv6 address in brackets");
    row("add-ipv6-bad", addWith(QStringLiteral("--imap"), QStringLiteral("[::g]:993")),
        "'::g' is not a valid IPv6 address");
    row("add-ipv6-unclosed", addWith(QStringLiteral("--imap"), QStringLiteral("[::1:993")),
        "missing ']'");
    row("add-bad-tls-mode", addWith(QStringLiteral("--tls"), QStringLiteral("ssl")),
        "--tls must be auto, implicit or starttls, not 'ssl'");
    row("add-cleartext-remote", validAdd() << QStringLiteral("--allow-cleartext"),
        "--allow-cleartext is refused: imap.example.org is not a loopback host");
    row("add-cleartext-one-remote",
        addWith(QStringLiteral("--imap"), QStringLiteral("127.0.0.1:1143"))
            << QStringLiteral("--allow-cleartext"),
        "--allow-cleartext is refused: smtp.example.org is not a loopback host");
    row("add-cleartext-implicit",
        addWith(QStringLiteral("--tls"), QStringLiteral("implicit"))
            << QStringLiteral("--allow-cleartext"),
        "--allow-cleartext contradicts --tls implicit");
    row("show-missing-name", {QStringLiteral("account"), QStringLiteral("show")}, "missing NAME");
    row("show-bad-name", {QStringLiteral("account"), QStringLiteral("show"), QStringLiteral(".x")},
        "invalid account name '.x'");
    row("show-extra-argument",
        {QStringLiteral("account"), QStringLiteral("show"), QStringLiteral("a"),
         QStringLiteral("b")},
        "unexpected argument 'b'");
    row("list-extra-argument",
        {QStringLiteral("account"), QStringLiteral("list"), QStringLiteral("work")},
        "unexpected argument 'work'");
    row("remove-missing-name", {QStringLiteral("account"), QStringLiteral("remove")},
        "missing NAME");
    row("security-missing-name", {QStringLiteral("security")}, "missing NAME");
    row("security-unknown-option",
        {QStringLiteral("security"), QStringLiteral("work"), QStringLiteral("--reset")},
        "Unknown option 'reset'");
    row("help-unknown-command", {QStringLiteral("help"), QStringLiteral("frobnicate")},
        "unknown command 'frobnicate'");
}

void TestCliOffline::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);

    const CliResult result = runCli(profile(), args);
    QVERIFY2(result.finished, qPrintable(result.err));
    QCOMPARE(result.exitCode, 2);
    const QString firstLine = result.err.section(QLatin1Char('\n'), 0, 0);
    QVERIFY2(firstLine.startsWith(QStringLiteral("latchmail-cli: ")), qPrintable(result.err));
    QVERIFY2(firstLine.contains(message), qPrintable(result.err));
    QVERIFY2(result.err.contains(QStringLiteral("usage: latchmail-cli")), qPrintable(result.err));
    QVERIFY2(result.out.isEmpty(), qPrintable(result.out));
    QVERIFY(!result.err.contains(QStringLiteral("hunter2-sentinel")));
    QVERIFY(!QFileInfo::exists(accounts())); // a refused command leaves nothing behind
}

void TestCliOffline::help_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("usage");

    const QString global = QStringLiteral("usage: latchmail-cli [--profile DIR] [--json] COMMAND");
    const QString add = QStringLiteral("usage: latchmail-cli account add NAME --email ADDR");
    QTest::newRow("global-help") << QStringList{QStringLiteral("--help")} << global;
    QTest::newRow("help-command") << QStringList{QStringLiteral("help")} << global;
    QTest::newRow("account-help") << QStringList{QStringLiteral("account"), QStringLiteral("-h")}
                                  << QStringLiteral("usage: latchmail-cli account add NAME");
    QTest::newRow("account-add-help")
        << QStringList{QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("--help")}
        << add;
    QTest::newRow("help-account-add")
        << QStringList{QStringLiteral("help"), QStringLiteral("account"), QStringLiteral("add")}
        << add;
    QTest::newRow("account-list-help")
        << QStringList{QStringLiteral("account"), QStringLiteral("list"), QStringLiteral("--help")}
        << QStringLiteral("usage: latchmail-cli account list");
    QTest::newRow("security-help")
        << QStringList{QStringLiteral("security"), QStringLiteral("--help")}
        << QStringLiteral("usage: latchmail-cli security NAME");
}

void TestCliOffline::help()
{
    QFETCH(QStringList, args);
    QFETCH(QString, usage);

    const CliResult result = runCli(profile(), args);
    QVERIFY2(result.finished, qPrintable(result.err));
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.startsWith(usage), qPrintable(result.out));
    QVERIFY2(result.err.isEmpty(), qPrintable(result.err));
}

void TestCliOffline::corruptFileIsNamed_data()
{
    QTest::addColumn<QStringList>("args");
    const QString broken = QStringLiteral("broken");
    for (const char* json : {"text", "json"}) {
        const QStringList jsonFlag =
            qstrcmp(json, "json") == 0 ? QStringList{QStringLiteral("--json")} : QStringList{};
        QTest::addRow("show-%s", json)
            << jsonFlag + QStringList{QStringLiteral("account"), QStringLiteral("show"), broken};
        QTest::addRow("security-%s", json)
            << jsonFlag + QStringList{QStringLiteral("security"), broken};
    }
}

void TestCliOffline::corruptFileIsNamed()
{
    QFETCH(QStringList, args);
    QVERIFY(QDir().mkpath(accounts()));
    const QString file = accounts() + QStringLiteral("/broken.json");
    QFile corrupt(file);
    QVERIFY(corrupt.open(QIODevice::WriteOnly));
    corrupt.write("{\"schemaVersion\": 1, \"id\": \"broken\", ");
    corrupt.close();

    const CliResult result = runCli(profile(), args);
    QVERIFY2(result.finished, qPrintable(result.err));
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.startsWith(QStringLiteral("latchmail-cli: ") + file),
             qPrintable(result.err));
    QVERIFY2(result.out.isEmpty(), qPrintable(result.out));
}

void TestCliOffline::listShowsEveryAccount()
{
    QVERIFY(saveAccount(accounts(), latchedAccount(QStringLiteral("work"))));
    QVERIFY(saveAccount(accounts(), plainAccount(QStringLiteral("home"))));
    QFile corrupt(accounts() + QStringLiteral("/broken.json"));
    QVERIFY(corrupt.open(QIODevice::WriteOnly));
    corrupt.write("not json at all");
    corrupt.close();

    const CliResult result = runCli(profile(), {QStringLiteral("account"), QStringLiteral("list")});
    QVERIFY2(result.finished, qPrintable(result.err));
    QCOMPARE(result.exitCode, 1); // a file that does not load is an error, never hidden
    const QStringList lines = result.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines.at(0).startsWith(QStringLiteral("broken")), qPrintable(lines.at(0)));
    QVERIFY2(lines.at(0).contains(QStringLiteral("ERROR: ") + corrupt.fileName()),
             qPrintable(lines.at(0)));
    QVERIFY2(lines.at(1).startsWith(QStringLiteral("home ")), qPrintable(lines.at(1)));
    QVERIFY2(lines.at(1).contains(QStringLiteral("imap: no latches yet; submission: no latches "
                                                 "yet")),
             qPrintable(lines.at(1)));
    const QString& work = lines.at(2);
    for (const QString& part :
         {QStringLiteral("work"), QStringLiteral("work@example.org"),
          QStringLiteral("imap.example.org:993"), QStringLiteral("smtp.example.org"),
          QStringLiteral("imap: TLS 1.3, cert, PFS; submission: no latches yet")}) {
        QVERIFY2(work.contains(part), qPrintable(work + QStringLiteral(" lacks ") + part));
    }
}

void TestCliOffline::listJsonShape()
{
    QVERIFY(saveAccount(accounts(), latchedAccount(QStringLiteral("work"))));
    QVERIFY(QDir().mkpath(accounts()));
    QFile corrupt(accounts() + QStringLiteral("/broken.json"));
    QVERIFY(corrupt.open(QIODevice::WriteOnly));
    corrupt.write("[]");
    corrupt.close();

    const CliResult result = runCli(
        profile(), {QStringLiteral("--json"), QStringLiteral("account"), QStringLiteral("list")});
    QCOMPARE(result.exitCode, 1);
    const QJsonArray entries = jsonOutput(result).value(QStringLiteral("accounts")).toArray();
    QCOMPARE(entries.size(), 2);

    const QJsonObject broken = entries.at(0).toObject();
    QCOMPARE(sortedKeys(broken),
             (QStringList{QStringLiteral("error"), QStringLiteral("id"), QStringLiteral("ok")}));
    QCOMPARE(broken.value(QStringLiteral("ok")).toBool(true), false);
    const QJsonObject error = broken.value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("file")).toString(), corrupt.fileName());
    QVERIFY(error.value(QStringLiteral("message")).toString().contains(corrupt.fileName()));
    QVERIFY(!error.value(QStringLiteral("kind")).toString().isEmpty());

    const QJsonObject work = entries.at(1).toObject();
    QCOMPARE(sortedKeys(work),
             (QStringList{QStringLiteral("address"), QStringLiteral("displayName"),
                          QStringLiteral("id"), QStringLiteral("ok"), QStringLiteral("services"),
                          QStringLiteral("warnings")}));
    const QJsonObject imap =
        work.value(QStringLiteral("services")).toObject().value(QStringLiteral("imap")).toObject();
    QCOMPARE(sortedKeys(imap), (QStringList{QStringLiteral("host"), QStringLiteral("latches"),
                                            QStringLiteral("port")}));
    QCOMPARE(imap.value(QStringLiteral("port")).toInt(), 993);
    QCOMPARE(imap.value(QStringLiteral("latches")).toArray().size(), 8);
}

void TestCliOffline::showTextAndJson()
{
    Account account = latchedAccount(QStringLiteral("work"));
    account.requestSuccessDsn = false;
    QVERIFY(saveAccount(accounts(), account));

    const CliResult text = runCli(
        profile(), {QStringLiteral("account"), QStringLiteral("show"), QStringLiteral("work")});
    QCOMPARE(text.exitCode, 0);
    for (const QString& part :
         {QStringLiteral("Account:         work"), QStringLiteral("Success DSN:     not requested"),
          QStringLiteral("Message access (IMAP)"), QStringLiteral("imap.example.org:993"),
          QStringLiteral("Message submission (SMTP)"),
          QStringLiteral("tls10 tls11 tls12 tls13 tls-cert tls-nomd5 tls-norc4 tls-pfs"),
          QStringLiteral("none yet — the first connection sets them")}) {
        QVERIFY2(text.out.contains(part), qPrintable(part));
    }

    const CliResult json = runCli(profile(), {QStringLiteral("account"), QStringLiteral("show"),
                                              QStringLiteral("work"), QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 0);
    const QJsonObject shape = jsonOutput(json);
    QCOMPARE(sortedKeys(shape),
             (QStringList{QStringLiteral("address"), QStringLiteral("displayName"),
                          QStringLiteral("file"), QStringLiteral("id"),
                          QStringLiteral("requestSuccessDsn"), QStringLiteral("services"),
                          QStringLiteral("warnings")}));
    QCOMPARE(shape.value(QStringLiteral("requestSuccessDsn")).toBool(true), false);
    const QJsonObject submission = shape.value(QStringLiteral("services"))
                                       .toObject()
                                       .value(QStringLiteral("submission"))
                                       .toObject();
    QCOMPARE(sortedKeys(submission),
             (QStringList{QStringLiteral("allowCleartext"), QStringLiteral("caFile"),
                          QStringLiteral("host"), QStringLiteral("latches"), QStringLiteral("port"),
                          QStringLiteral("tls"), QStringLiteral("user")}));
    QCOMPARE(submission.value(QStringLiteral("tls")).toString(), QStringLiteral("starttls"));
    QCOMPARE(submission.value(QStringLiteral("port")).toInt(-1), 0);
    QVERIFY(submission.value(QStringLiteral("caFile")).isNull());
}

void TestCliOffline::securityText()
{
    QVERIFY(saveAccount(accounts(), latchedAccount(QStringLiteral("work"))));

    const CliResult result =
        runCli(profile(), {QStringLiteral("security"), QStringLiteral("work")});
    QVERIFY2(result.finished, qPrintable(result.err));
    QCOMPARE(result.exitCode, 0);
    for (const QString& part :
         {QStringLiteral("Message access (IMAP): imap.example.org:993"),
          QStringLiteral("tls-cert   since 2024-05-01 10:00:00 UTC"),
          QStringLiteral("Last connection: 2024-05-02 08:30:00 UTC"),
          QStringLiteral("Transport:       implicit TLS"), QStringLiteral("TLSv1.3"),
          QStringLiteral("TLS_AES_256_GCM_SHA384"), QStringLiteral("Key bits:        256"),
          QStringLiteral("Forward secrecy: yes"), QStringLiteral("Certificate:     verified"),
          QStringLiteral("Subject:       CN=imap.example.org"),
          QStringLiteral("Issuer:        CN=Example Test CA"),
          QStringLiteral("Expires:       2026-01-01 00:00:00 UTC"),
          QStringLiteral("SHA-256:       AB:CD:EF:01"),
          QStringLiteral("2024-05-01 12:00:00 UTC  failed: tls-cert — certificate expired"),
          QStringLiteral("Message submission (SMTP): smtp.example.org"),
          QStringLiteral("Latches: none yet"), QStringLiteral("Last connection: none recorded")}) {
        QVERIFY2(result.out.contains(part), qPrintable(part + QStringLiteral("\n") + result.out));
    }
    QVERIFY(!result.out.contains(QStringLiteral("newer version")));
}

void TestCliOffline::securityJsonShape()
{
    QVERIFY(saveAccount(accounts(), latchedAccount(QStringLiteral("work"))));

    const CliResult result = runCli(
        profile(), {QStringLiteral("--json"), QStringLiteral("security"), QStringLiteral("work")});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject shape = jsonOutput(result);
    QCOMPARE(sortedKeys(shape),
             (QStringList{QStringLiteral("address"), QStringLiteral("id"),
                          QStringLiteral("services"), QStringLiteral("warnings")}));
    const QJsonObject services = shape.value(QStringLiteral("services")).toObject();
    const QJsonObject imap = services.value(QStringLiteral("imap")).toObject();
    QCOMPARE(sortedKeys(imap),
             (QStringList{QStringLiteral("host"), QStringLiteral("lastObservation"),
                          QStringLiteral("latches"), QStringLiteral("port"),
                          QStringLiteral("recentFailures"), QStringLiteral("tls")}));

    const QJsonObject firstLatch = imap.value(QStringLiteral("latches")).toArray().at(0).toObject();
    QCOMPARE(firstLatch.value(QStringLiteral("token")).toString(), QStringLiteral("tls10"));
    QCOMPARE(firstLatch.value(QStringLiteral("firstSet")).toString(),
             QStringLiteral("2024-05-01T10:00:00Z"));
    QCOMPARE(firstLatch.value(QStringLiteral("known")).toBool(), true);

    const QJsonObject observation = imap.value(QStringLiteral("lastObservation")).toObject();
    QCOMPARE(observation.value(QStringLiteral("protocol")).toString(), QStringLiteral("TLSv1.3"));
    QCOMPARE(observation.value(QStringLiteral("transport")).toString(),
             QStringLiteral("implicit-tls"));
    QCOMPARE(observation.value(QStringLiteral("cipherSuite")).toString(),
             QStringLiteral("TLS_AES_256_GCM_SHA384"));
    QCOMPARE(observation.value(QStringLiteral("keyBits")).toInt(), 256);
    QCOMPARE(observation.value(QStringLiteral("forwardSecrecy")).toBool(), true);
    QCOMPARE(observation.value(QStringLiteral("certificateVerified")).toBool(), true);
    const QJsonObject leaf = observation.value(QStringLiteral("certificate")).toObject();
    QCOMPARE(leaf.value(QStringLiteral("notAfter")).toString(),
             QStringLiteral("2026-01-01T00:00:00Z"));
    QCOMPARE(leaf.value(QStringLiteral("subject")).toString(),
             QStringLiteral("CN=imap.example.org"));

    const QJsonObject failure =
        imap.value(QStringLiteral("recentFailures")).toArray().at(0).toObject();
    QCOMPARE(failure.value(QStringLiteral("at")).toString(),
             QStringLiteral("2024-05-01T12:00:00Z"));
    QCOMPARE(failure.value(QStringLiteral("failed")).toArray(),
             QJsonArray{QStringLiteral("tls-cert")});

    const QJsonObject submission = services.value(QStringLiteral("submission")).toObject();
    QVERIFY(submission.value(QStringLiteral("lastObservation")).isNull());
    QVERIFY(submission.value(QStringLiteral("latches")).toArray().isEmpty());
}

void TestCliOffline::unknownLatchTokenFlagged()
{
    QVERIFY(saveAccount(accounts(),
                        latchedAccount(QStringLiteral("work"), QStringLiteral("tls-quantum"))));

    const CliResult text = runCli(profile(), {QStringLiteral("security"), QStringLiteral("work")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY2(text.out.contains(QStringLiteral(
                 "tls-quantum since 2024-05-03 09:00:00 UTC  recorded by a newer version; cannot "
                 "be checked — connections are refused until")),
             qPrintable(text.out));
    QVERIFY(text.out.contains(QStringLiteral("every connection is refused (fail closed)")));

    const CliResult json = runCli(
        profile(), {QStringLiteral("security"), QStringLiteral("work"), QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 0);
    const QJsonArray latches = jsonOutput(json)
                                   .value(QStringLiteral("services"))
                                   .toObject()
                                   .value(QStringLiteral("imap"))
                                   .toObject()
                                   .value(QStringLiteral("latches"))
                                   .toArray();
    const QJsonObject unknown = latches.last().toObject();
    QCOMPARE(unknown.value(QStringLiteral("token")).toString(), QStringLiteral("tls-quantum"));
    QCOMPARE(unknown.value(QStringLiteral("known")).toBool(true), false);

    const CliResult list = runCli(profile(), {QStringLiteral("account"), QStringLiteral("list")});
    QCOMPARE(list.exitCode, 0);
    QVERIFY2(list.out.contains(QStringLiteral("1 unknown latch(es): connections refused")),
             qPrintable(list.out));
}

void TestCliOffline::addWithoutKeyring_data()
{
    QTest::addColumn<QString>("busAddress"); // null: DBUS_SESSION_BUS_ADDRESS unset
    QTest::newRow("bus-address-unset") << QString();
    QTest::newRow("bus-address-unreachable") << QStringLiteral("unix:path=/nonexistent/bus");
}

void TestCliOffline::addWithoutKeyring()
{
    QFETCH(QString, busAddress);
    QTemporaryDir home;
    QVERIFY(home.isValid());

    const CliResult result = runCli(profile(), validAdd(), kSentinel.toUtf8() + '\n',
                                    withoutKeyring(home.path(), busAddress));
    QVERIFY2(result.finished, qPrintable(result.err));
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(QStringLiteral("cannot store the password in the system "
                                                "keyring")),
             qPrintable(result.err));
    QVERIFY2(result.err.contains(QStringLiteral("No account was created.")),
             qPrintable(result.err));
    QVERIFY(result.out.isEmpty());
    QVERIFY(!QFileInfo::exists(accounts() + QStringLiteral("/work.json")));
    QVERIFY(!result.err.contains(kSentinel));
    QCOMPARE(filesContaining(profile(), kSentinel), QStringList());
    QCOMPARE(filesContaining(home.path(), kSentinel), QStringList()); // no plaintext fallback
}

void TestCliOffline::removeWithoutKeyringKeepsFile()
{
    QVERIFY(saveAccount(accounts(), plainAccount(QStringLiteral("work"))));
    QTemporaryDir home;
    QVERIFY(home.isValid());

    const CliResult result = runCli(
        profile(), {QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("work")},
        {}, withoutKeyring(home.path(), QString()));
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(QStringLiteral("the account file was kept")),
             qPrintable(result.err));
    QVERIFY(QFileInfo::exists(accounts() + QStringLiteral("/work.json")));
}

void TestCliOffline::addRefusesExistingAccount()
{
    QVERIFY(saveAccount(accounts(), latchedAccount(QStringLiteral("work"))));
    const QByteArray before = [this] {
        QFile file(accounts() + QStringLiteral("/work.json"));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();

    const CliResult result = runCli(profile(), validAdd(), kSentinel.toUtf8() + '\n');
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(QStringLiteral("account 'work' already exists")),
             qPrintable(result.err));
    QFile file(accounts() + QStringLiteral("/work.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), before); // latches untouched
}

void TestCliOffline::addChecksCaFile_data()
{
    QTest::addColumn<QString>("caFile");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << QStringLiteral("no-such-ca.pem")
                             << QStringLiteral("does not exist");
    QTest::newRow("directory") << QStringLiteral(".") << QStringLiteral("is not a readable file");
    QTest::newRow("not-pem") << QStringLiteral("not-pem.txt")
                             << QStringLiteral("contains no PEM certificate");
}

void TestCliOffline::addChecksCaFile()
{
    QFETCH(QString, caFile);
    QFETCH(QString, message);
    QFile notPem(profile() + QStringLiteral("/not-pem.txt"));
    QVERIFY(notPem.open(QIODevice::WriteOnly));
    notPem.write("-----BEGIN NOTHING-----\n");
    notPem.close();

    const QString path = profile() + QLatin1Char('/') + caFile;
    const CliResult result =
        runCli(profile(), addWith(QStringLiteral("--ca-file"), path), kSentinel.toUtf8() + '\n');
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(QStringLiteral("--ca-file ") + path + QLatin1Char(' ') + message),
             qPrintable(result.err));
    QVERIFY(!QFileInfo::exists(accounts() + QStringLiteral("/work.json")));
}

QTEST_GUILESS_MAIN(TestCliOffline)
#include "tst_cli_offline.moc"
