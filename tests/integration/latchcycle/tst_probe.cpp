// SPDX-License-Identifier: GPL-3.0-or-later
// `latchmail-cli probe`, run as the real binary against a real Dovecot and `openssl s_server`
// on loopback: what it prints, its --json shape and its exit status.
#include "sserveroutput.h"

#include "tests/support/mailstack.h"
#include "tests/support/sserver.h"
#include "tests/support/testcertificates.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace Latchmail::Test;

namespace {

struct ProbeRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

ProbeRun runProbe(const QStringList& arguments)
{
    QProcess process;
    process.setProgram(QStringLiteral(LATCHMAIL_CLI_PATH));
    process.setArguments(QStringList{QStringLiteral("probe")} + arguments);
    process.start();
    ProbeRun run;
    if (!process.waitForFinished(120000) || process.exitStatus() != QProcess::NormalExit) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitCode();
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

QString endpoint(quint16 port)
{
    return QStringLiteral("127.0.0.1:%1").arg(port);
}

QString describe(const ProbeRun& run)
{
    return QStringLiteral("exit %1\n--- stdout\n%2--- stderr\n%3")
        .arg(run.exitCode)
        .arg(run.out, run.err);
}

const QString allLatches =
    QStringLiteral("tls10 tls11 tls12 tls13 tls-cert tls-nomd5 tls-norc4 tls-pfs");

} // namespace

class tst_Probe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void dovecotImplicitTls();
    void dovecotStartTlsJson();
    void dovecotAutoFallsBackToStartTls();
    void dovecotWithoutStartTls();
    void postfixSubmission_data();
    void postfixSubmission();
    void selfSignedWithoutForwardSecrecy();
    void networkFailure();
    void usage_data();
    void usage();

private:
    std::unique_ptr<MailStack> m_stack;
};

void tst_Probe::initTestCase()
{
    QVERIFY2(TestCertificates::shared().isValid(),
             qPrintable(TestCertificates::shared().errorString()));
    MailStack::Options options;
    options.postfix = true;
    m_stack = std::make_unique<MailStack>(options);
    QVERIFY2(m_stack->start(), qPrintable(m_stack->errorString()));
}

void tst_Probe::cleanupTestCase()
{
    m_stack.reset();
}

void tst_Probe::dovecotImplicitTls()
{
    const ProbeRun run = runProbe({QStringLiteral("imap"), endpoint(m_stack->ports().imapTls),
                                   QStringLiteral("--tls"), QStringLiteral("implicit"),
                                   QStringLiteral("--ca-file"), m_stack->caFile()});
    qInfo().noquote() << QStringLiteral("probe output:\n") + run.out;
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(run.out.contains(QStringLiteral("Connection:       implicit TLS")),
             qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Protocol:         TLSv1.3\n")), qPrintable(run.out));
    QVERIFY2(run.out.contains(QRegularExpression(QStringLiteral("Cipher suite: +TLS_[A-Z0-9_]+ "))),
             qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Forward secrecy:  yes")), qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Certificate:      verified\n")), qPrintable(run.out));
    QVERIFY2(run.out.contains(
                 QRegularExpression(QStringLiteral("SHA-256  ([0-9A-F]{2}:){31}[0-9A-F]{2}"))),
             qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Latches this server would earn: ") + allLatches +
                              QLatin1Char('\n')),
             qPrintable(run.out));
}

void tst_Probe::dovecotStartTlsJson()
{
    const ProbeRun run =
        runProbe({QStringLiteral("imap"), endpoint(m_stack->ports().imapPlain),
                  QStringLiteral("--tls"), QStringLiteral("starttls"), QStringLiteral("--ca-file"),
                  m_stack->caFile(), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QJsonParseError error;
    const QJsonObject json = QJsonDocument::fromJson(run.out.toUtf8(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(run.out));

    QCOMPARE(json.value(QStringLiteral("service")).toString(), QStringLiteral("imap"));
    QCOMPARE(json.value(QStringLiteral("host")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(json.value(QStringLiteral("tlsMode")).toString(), QStringLiteral("starttls"));
    QCOMPARE(json.value(QStringLiteral("result")).toString(), QStringLiteral("secured"));
    const QJsonArray attempts = json.value(QStringLiteral("attempts")).toArray();
    QCOMPARE(attempts.size(), 1);
    const QJsonObject attempt = attempts.first().toObject();
    QCOMPARE(attempt.value(QStringLiteral("transport")).toString(), QStringLiteral("starttls"));
    QCOMPARE(attempt.value(QStringLiteral("port")).toInt(), int(m_stack->ports().imapPlain));
    QCOMPARE(attempt.value(QStringLiteral("outcome")).toString(), QStringLiteral("secured"));
    QCOMPARE(attempt.value(QStringLiteral("startTlsAdvertised")).toBool(), true);

    const QJsonObject observation = json.value(QStringLiteral("observation")).toObject();
    QCOMPARE(observation.value(QStringLiteral("transport")).toString(), QStringLiteral("starttls"));
    QCOMPARE(observation.value(QStringLiteral("protocol")).toString(), QStringLiteral("TLSv1.3"));
    QVERIFY(observation.value(QStringLiteral("cipherSuite"))
                .toString()
                .startsWith(QStringLiteral("TLS_")));
    QVERIFY(observation.value(QStringLiteral("keyBits")).toInt() >= 128);
    QCOMPARE(observation.value(QStringLiteral("certificateVerified")).toBool(), true);
    QVERIFY(!observation.value(QStringLiteral("chain")).toArray().isEmpty());
    QCOMPARE(json.value(QStringLiteral("earnedLatches"))
                 .toVariant()
                 .toStringList()
                 .join(QLatin1Char(' ')),
             allLatches);
}

void tst_Probe::dovecotAutoFallsBackToStartTls()
{
    // Implicit TLS first (it fails: the port speaks plaintext IMAP), then STARTTLS.
    const ProbeRun run = runProbe({QStringLiteral("imap"), endpoint(m_stack->ports().imapPlain),
                                   QStringLiteral("--ca-file"), m_stack->caFile()});
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    const QStringList lines = run.out.split(QLatin1Char('\n'));
    QVERIFY2(lines.value(0).startsWith(QStringLiteral("implicit TLS on port")),
             qPrintable(run.out));
    QVERIFY2(!lines.value(0).endsWith(QStringLiteral(": secured")), qPrintable(run.out));
    QVERIFY2(lines.value(1).startsWith(QStringLiteral("STARTTLS on port")) &&
                 lines.value(1).endsWith(QStringLiteral(": secured")),
             qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Connection:       STARTTLS")), qPrintable(run.out));
}

void tst_Probe::dovecotWithoutStartTls()
{
    MailStack::Options options;
    options.ssl = false;
    MailStack stack(options);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));

    const ProbeRun run = runProbe({QStringLiteral("imap"), endpoint(stack.ports().imapPlain),
                                   QStringLiteral("--tls"), QStringLiteral("starttls")});
    QVERIFY2(run.exitCode == 3, qPrintable(describe(run)));
    QVERIFY2(run.out.contains(QStringLiteral("does not offer STARTTLS")), qPrintable(run.out));
    QVERIFY2(!run.out.contains(QStringLiteral("Latches this server would earn")),
             qPrintable(run.out));

    // The JSON object is printed for a refusal too: the attempts are the finding.
    const ProbeRun json =
        runProbe({QStringLiteral("imap"), endpoint(stack.ports().imapPlain),
                  QStringLiteral("--tls"), QStringLiteral("starttls"), QStringLiteral("--json")});
    QVERIFY2(json.exitCode == 3, qPrintable(describe(json)));
    const QJsonObject object = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(object.value(QStringLiteral("result")).toString(), QStringLiteral("security-refusal"));
    const QJsonObject attempt =
        object.value(QStringLiteral("attempts")).toArray().first().toObject();
    QCOMPARE(attempt.value(QStringLiteral("outcome")).toString(),
             QStringLiteral("starttls-refused"));
    QCOMPARE(attempt.value(QStringLiteral("startTlsAdvertised")).toBool(true), false);
    QVERIFY(object.value(QStringLiteral("observation")).isNull());
    QVERIFY(object.value(QStringLiteral("earnedLatches")).toArray().isEmpty());
}

void tst_Probe::postfixSubmission_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<bool>("startTls");

    QTest::newRow("starttls-587-style") << "starttls" << true;
    QTest::newRow("implicit-465-style") << "implicit" << false;
}

void tst_Probe::postfixSubmission()
{
    QFETCH(QString, mode);
    QFETCH(bool, startTls);

    const quint16 port = startTls ? m_stack->ports().submission : m_stack->ports().submissionTls;
    const ProbeRun run =
        runProbe({QStringLiteral("submission"), endpoint(port), QStringLiteral("--tls"), mode,
                  QStringLiteral("--ca-file"), m_stack->caFile()});
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(run.out.contains(startTls ? QStringLiteral("Connection:       STARTTLS")
                                       : QStringLiteral("Connection:       implicit TLS")),
             qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Certificate:      verified\n")), qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Latches this server would earn: tls10 tls11 tls12")),
             qPrintable(run.out));
}

void tst_Probe::selfSignedWithoutForwardSecrecy()
{
    SServer::Options options;
    options.protocol = SServer::Protocol::Tls1_2;
    options.cipher = QStringLiteral("AES128-SHA");
    options.cert = CertVariant::SelfSigned;
    SServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));

    const ProbeRun run = runProbe({QStringLiteral("imap"), endpoint(server.port()),
                                   QStringLiteral("--tls"), QStringLiteral("implicit")});
    qInfo().noquote() << QStringLiteral("probe output:\n") + run.out;
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(run.out.contains(QStringLiteral("Protocol:         TLSv1.2\n")), qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Cipher suite:     TLS_RSA_WITH_AES_128_CBC_SHA")),
             qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Forward secrecy:  no")), qPrintable(run.out));
    QVERIFY2(run.out.contains(
                 QStringLiteral("Certificate:      encrypted, server identity not verified: ")),
             qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral(
                 "Latches this server would earn: tls10 tls11 tls12 tls-nomd5 tls-norc4\n")),
             qPrintable(run.out));

    // The probe sends nothing after the handshake.
    QTRY_VERIFY_WITH_TIMEOUT(
        sserverFinishedConnections(server.output() + server.errorOutput()) >= 1, 30000);
    QCOMPARE(sserverApplicationData(server.output()), QByteArray());
}

void tst_Probe::networkFailure()
{
    quint16 port = 0;
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        port = closed.serverPort();
    }
    const ProbeRun run = runProbe({QStringLiteral("submission"), endpoint(port)});
    QVERIFY2(run.exitCode == 5, qPrintable(describe(run)));
    QVERIFY2(run.err.contains(QStringLiteral("no TLS connection")), qPrintable(run.err));
}

void tst_Probe::usage_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");

    QTest::newRow("no-arguments") << QStringList() << "missing SERVICE";
    QTest::newRow("unknown-service")
        << QStringList{QStringLiteral("pop3"), QStringLiteral("mail.example.com")}
        << "unknown service 'pop3'";
    QTest::newRow("unknown-tls-mode")
        << QStringList{QStringLiteral("imap"), QStringLiteral("mail.example.com"),
                       QStringLiteral("--tls"), QStringLiteral("maybe")}
        << "unknown TLS mode 'maybe'";
    QTest::newRow("port-out-of-range")
        << QStringList{QStringLiteral("imap"), QStringLiteral("mail.example.com:70000")}
        << "invalid port '70000'";
    QTest::newRow("port-not-a-number")
        << QStringList{QStringLiteral("imap"), QStringLiteral("mail.example.com:imaps")}
        << "invalid port 'imaps'";
    QTest::newRow("unclosed-ipv6-bracket")
        << QStringList{QStringLiteral("imap"), QStringLiteral("[::1:993")}
        << "invalid server address '[::1:993'";
    QTest::newRow("unreadable-ca-file")
        << QStringList{QStringLiteral("imap"), QStringLiteral("mail.example.com"),
                       QStringLiteral("--ca-file"), QStringLiteral("/nonexistent/ca.pem")}
        << "cannot read a PEM certificate from the CA file '/nonexistent/ca.pem'";
    QTest::newRow("extra-argument")
        << QStringList{QStringLiteral("imap"), QStringLiteral("a.example"),
                       QStringLiteral("b.example")}
        << "unexpected argument 'b.example'";
}

void tst_Probe::usage()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);

    const ProbeRun run = runProbe(arguments);
    QVERIFY2(run.exitCode == 2, qPrintable(describe(run)));
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    QCOMPARE(run.out, QString());
}

QTEST_GUILESS_MAIN(tst_Probe)
#include "tst_probe.moc"
