// SPDX-License-Identifier: GPL-3.0-or-later
// Proves the real-server test support: a Dovecot + Postfix stack and openssl s_server on
// loopback, started per run on ports picked at run time, spoken to with plain QSslSocket.
#include "lineclient.h"

#include "tests/support/mailstack.h"
#include "tests/support/sserver.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSslCipher>
#include <QTest>

#include <memory>

using namespace Latchmail::Test;

namespace {

constexpr int deliveryTimeoutMs = 60'000;

bool anyContainsAll(const QByteArrayList& messages, const QByteArrayList& needles)
{
    return std::any_of(messages.cbegin(), messages.cend(), [&needles](const QByteArray& message) {
        return std::all_of(needles.cbegin(), needles.cend(), [&message](const QByteArray& needle) {
            return message.contains(needle);
        });
    });
}

bool anyStartsWith(const QByteArrayList& lines, const QByteArray& prefix)
{
    return std::any_of(lines.cbegin(), lines.cend(),
                       [&prefix](const QByteArray& line) { return line.startsWith(prefix); });
}

bool anyContains(const QByteArrayList& lines, const QByteArray& part)
{
    return std::any_of(lines.cbegin(), lines.cend(),
                       [&part](const QByteArray& line) { return line.contains(part); });
}

QByteArray uniqueToken()
{
    return QByteArray::number(QRandomGenerator::global()->generate64(), 36);
}

QByteArray saslPlain(const MailUser& user)
{
    return QByteArray('\0' + user.name.toUtf8() + '\0' + user.password.toUtf8()).toBase64();
}

QByteArray imapLogin(const MailUser& user)
{
    return "LOGIN " + user.name.toUtf8() + ' ' + user.password.toUtf8();
}

} // namespace

class TestMailStack : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void imapsGreetingAndLogin();
    void imapStartTls();
    void imapRejectsWrongPassword();
    void submissionBeforeTls();
    void submissionDeliversWithSuccessReport();
    void submissionFailureReport();
    void submissionImplicitTls();
    void addedMessagesVisibleOverImap();
    void certificateVariants_data();
    void certificateVariants();
    void tls12OnlyCipherList();
    void withoutSsl();
    void sserver_data();
    void sserver();

private:
    // Log in on the submission port after STARTTLS, and send one message. Both record a
    // failure (QTest::currentTestFailed()) when a step goes wrong.
    void submissionLogin(LineClient& client, const MailUser& user);
    void sendMessage(LineClient& client, const QByteArray& envelope, const QByteArray& recipient,
                     const QByteArray& subject);

    std::unique_ptr<MailStack> m_stack;
};

void TestMailStack::initTestCase()
{
    MailStack::Options options;
    options.postfix = true;
    options.users << QStringLiteral("carol");
    m_stack = std::make_unique<MailStack>(options);

    QElapsedTimer timer;
    timer.start();
    QVERIFY2(TestCertificates::shared().isValid(),
             qPrintable(TestCertificates::shared().errorString()));
    qInfo("Test certificates generated in %lld ms", timer.restart());
    QVERIFY2(m_stack->start(), qPrintable(m_stack->errorString()));
    qInfo("Dovecot + Postfix stack started in %lld ms", timer.elapsed());

    const MailStack::Ports ports = m_stack->ports();
    QVERIFY(ports.imapPlain != 0 && ports.imapTls != 0);
    QVERIFY(ports.submission != 0 && ports.submissionTls != 0);
}

void TestMailStack::cleanupTestCase()
{
    QElapsedTimer timer;
    timer.start();
    m_stack->stop();
    qInfo("Dovecot + Postfix stack stopped in %lld ms", timer.elapsed());
    QVERIFY(!m_stack->isRunning());
}

void TestMailStack::imapsGreetingAndLogin()
{
    LineClient client(m_stack->caCertificates());
    QVERIFY(client.connectTls(m_stack->ports().imapTls));
    QVERIFY(client.sslErrors().isEmpty());

    QVERIFY(client.readLine().startsWith("* OK"));
    const QByteArrayList reply = client.imap(imapLogin(m_stack->user(QStringLiteral("alice"))));
    QVERIFY2(reply.value(reply.size() - 1).startsWith("t1 OK"), reply.join('\n').constData());
}

void TestMailStack::imapStartTls()
{
    LineClient client(m_stack->caCertificates());
    QVERIFY(client.connectPlain(m_stack->ports().imapPlain));
    const QByteArray greeting = client.readLine();
    QVERIFY2(greeting.startsWith("* OK") && greeting.contains("STARTTLS"), greeting.constData());

    QVERIFY(client.imap("STARTTLS").value(0).startsWith("t1 OK"));
    QVERIFY(client.startTls());
    QVERIFY(client.sslErrors().isEmpty());

    const QByteArrayList capability = client.imap("CAPABILITY");
    QVERIFY2(anyContains(capability, "AUTH=PLAIN"), capability.join('\n').constData());
    QVERIFY(!anyContains(capability, "STARTTLS"));
    const QByteArrayList reply = client.imap(imapLogin(m_stack->user(QStringLiteral("bob"))));
    QVERIFY2(reply.value(reply.size() - 1).startsWith("t3 OK"), reply.join('\n').constData());
}

void TestMailStack::imapRejectsWrongPassword()
{
    LineClient client(m_stack->caCertificates());
    QVERIFY(client.connectTls(m_stack->ports().imapTls));
    QVERIFY(client.readLine().startsWith("* OK"));
    const QByteArrayList reply = client.imap("LOGIN alice not-the-password");
    QVERIFY2(reply.value(reply.size() - 1).startsWith("t1 NO"), reply.join('\n').constData());
}

void TestMailStack::submissionBeforeTls()
{
    LineClient client(m_stack->caCertificates());
    QVERIFY(client.connectPlain(m_stack->ports().submission));
    QVERIFY(client.smtp({}).value(0).startsWith("220 "));

    const QByteArrayList ehlo = client.smtp("EHLO client.example.test");
    QVERIFY2(anyStartsWith(ehlo, "250-STARTTLS") || anyStartsWith(ehlo, "250 STARTTLS"),
             ehlo.join('\n').constData());
    QVERIFY(anyContains(ehlo, "DSN"));
    // smtpd_tls_auth_only: no AUTH offered, and none accepted, before TLS.
    QVERIFY2(!anyContains(ehlo, "AUTH"), ehlo.join('\n').constData());
    const MailUser alice = m_stack->user(QStringLiteral("alice"));
    QVERIFY(client.smtp("AUTH PLAIN " + saslPlain(alice)).value(0).startsWith("5"));
}

void TestMailStack::submissionLogin(LineClient& client, const MailUser& user)
{
    QVERIFY(client.connectPlain(m_stack->ports().submission));
    QVERIFY(client.smtp({}).value(0).startsWith("220 "));
    QVERIFY(!client.smtp("EHLO client.example.test").isEmpty());
    QVERIFY(client.smtp("STARTTLS").value(0).startsWith("220 "));
    QVERIFY(client.startTls());
    QVERIFY(client.sslErrors().isEmpty());

    const QByteArrayList ehlo = client.smtp("EHLO client.example.test");
    QVERIFY2(anyContains(ehlo, "AUTH PLAIN"), ehlo.join('\n').constData());
    QVERIFY(anyContains(ehlo, "DSN"));
    const QByteArrayList auth = client.smtp("AUTH PLAIN " + saslPlain(user));
    QVERIFY2(auth.value(0).startsWith("235 "), auth.join('\n').constData());
}

void TestMailStack::sendMessage(LineClient& client, const QByteArray& envelope,
                                const QByteArray& recipient, const QByteArray& subject)
{
    QByteArrayList reply = client.smtp(envelope);
    QVERIFY2(reply.value(0).startsWith("250 "), reply.join('\n').constData());
    reply = client.smtp(recipient);
    QVERIFY2(reply.value(0).startsWith("250 "), reply.join('\n').constData());
    QVERIFY(client.smtp("DATA").value(0).startsWith("354 "));
    client.writeLine("From: Alice <alice@example.test>");
    client.writeLine("To: Bob <bob@example.test>");
    client.writeLine("Subject: " + subject);
    client.writeLine("");
    client.writeLine("Sent by the mail-stack smoke test.");
    reply = client.smtp(".");
    QVERIFY2(reply.value(0).startsWith("250 "), reply.join('\n').constData());
    QVERIFY(client.smtp("QUIT").value(0).startsWith("221 "));
}

void TestMailStack::submissionDeliversWithSuccessReport()
{
    const QByteArray token = uniqueToken();
    const QByteArray subject = "Smoke success " + token;
    {
        LineClient client(m_stack->caCertificates());
        submissionLogin(client, m_stack->user(QStringLiteral("alice")));
        if (QTest::currentTestFailed()) {
            return;
        }
        sendMessage(client, "MAIL FROM:<alice@example.test> RET=HDRS ENVID=success-" + token,
                    "RCPT TO:<bob@example.test> NOTIFY=SUCCESS,DELAY,FAILURE", subject);
        if (QTest::currentTestFailed()) {
            return;
        }
    }

    QTRY_VERIFY_WITH_TIMEOUT(
        anyContainsAll(m_stack->messages(QStringLiteral("bob")), {"Subject: " + subject}),
        deliveryTimeoutMs);
    // smtpd_tls_received_header: the Received field names the TLS version and suite.
    QVERIFY(anyContainsAll(m_stack->messages(QStringLiteral("bob")),
                           {"Subject: " + subject, "(using TLSv1.3 with cipher TLS_"}));

    QTRY_VERIFY_WITH_TIMEOUT(anyContainsAll(m_stack->messages(QStringLiteral("alice")),
                                            {"multipart/report", "report-type=delivery-status",
                                             "Original-Envelope-Id: success-" + token,
                                             "Action: delivered", "text/rfc822-headers"}),
                             deliveryTimeoutMs);

    // The delivered message is visible over IMAP at once.
    LineClient imap(m_stack->caCertificates());
    QVERIFY(imap.connectTls(m_stack->ports().imapTls));
    QVERIFY(imap.readLine().startsWith("* OK"));
    QVERIFY(imap.imap(imapLogin(m_stack->user(QStringLiteral("bob")))).last().startsWith("t1 OK"));
    QVERIFY(imap.imap("SELECT INBOX").last().startsWith("t2 OK"));
    const QByteArrayList search = imap.imap("SEARCH SUBJECT \"" + subject + '"');
    QVERIFY2(anyStartsWith(search, "* SEARCH ") && search.last().startsWith("t3 OK"),
             search.join('\n').constData());
}

void TestMailStack::submissionFailureReport()
{
    const QByteArray token = uniqueToken();
    {
        LineClient client(m_stack->caCertificates());
        submissionLogin(client, m_stack->user(QStringLiteral("alice")));
        if (QTest::currentTestFailed()) {
            return;
        }
        sendMessage(client, "MAIL FROM:<alice@example.test> RET=HDRS ENVID=failure-" + token,
                    "RCPT TO:<" + m_stack->bounceRecipient().toUtf8() + "> NOTIFY=FAILURE",
                    "Smoke failure " + token);
        if (QTest::currentTestFailed()) {
            return;
        }
    }

    QTRY_VERIFY_WITH_TIMEOUT(
        anyContainsAll(m_stack->messages(QStringLiteral("alice")),
                       {"multipart/report", "Original-Envelope-Id: failure-" + token,
                        "Action: failed", "Status: 5."}),
        deliveryTimeoutMs);
}

void TestMailStack::submissionImplicitTls()
{
    LineClient client(m_stack->caCertificates());
    QVERIFY(client.connectTls(m_stack->ports().submissionTls));
    QVERIFY(client.sslErrors().isEmpty());
    QVERIFY(client.smtp({}).value(0).startsWith("220 "));
    const QByteArrayList ehlo = client.smtp("EHLO client.example.test");
    QVERIFY2(anyContains(ehlo, "AUTH PLAIN") && !anyContains(ehlo, "STARTTLS"),
             ehlo.join('\n').constData());
    const QByteArrayList auth =
        client.smtp("AUTH PLAIN " + saslPlain(m_stack->user(QStringLiteral("carol"))));
    QVERIFY2(auth.value(0).startsWith("235 "), auth.join('\n').constData());
}

void TestMailStack::addedMessagesVisibleOverImap()
{
    constexpr int count = 1000;
    QElapsedTimer timer;
    timer.start();
    QVERIFY(m_stack->addMessages(QStringLiteral("carol"), count,
                                 [](int index) { return MailStack::generateMessage(index); }));
    qInfo("%d messages of 4 KB written into a Maildir in %lld ms", count, timer.elapsed());

    LineClient client(m_stack->caCertificates());
    QVERIFY(client.connectTls(m_stack->ports().imapTls));
    QVERIFY(client.readLine().startsWith("* OK"));
    QVERIFY(
        client.imap(imapLogin(m_stack->user(QStringLiteral("carol")))).last().startsWith("t1 OK"));
    const QByteArrayList select = client.imap("SELECT INBOX");
    QVERIFY2(select.contains("* 1000 EXISTS"), select.join('\n').constData());

    // Dovecot numbered the messages in the order they were added.
    const QByteArrayList first = client.imap("FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]");
    QVERIFY2(first.contains("Subject: Test message 0"), first.join('\n').constData());
    const QByteArrayList last = client.imap("FETCH 1000 BODY.PEEK[HEADER.FIELDS (SUBJECT)]");
    QVERIFY2(last.contains("Subject: Test message 999"), last.join('\n').constData());
}

void TestMailStack::certificateVariants_data()
{
    QTest::addColumn<CertVariant>("variant");
    QTest::addColumn<int>("expectedError");

    QTest::newRow("ca-signed") << CertVariant::CaSigned << int(QSslError::NoError);
    QTest::newRow("self-signed") << CertVariant::SelfSigned
                                 << int(QSslError::SelfSignedCertificate);
    QTest::newRow("expired") << CertVariant::Expired << int(QSslError::CertificateExpired);
    QTest::newRow("wrong-host") << CertVariant::WrongHost << int(QSslError::HostNameMismatch);
}

void TestMailStack::certificateVariants()
{
    QFETCH(CertVariant, variant);
    QFETCH(int, expectedError);

    MailStack::Options options;
    options.cert = variant;
    MailStack stack(options);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));

    LineClient client(stack.caCertificates());
    client.setIgnoreSslErrors(true);
    QVERIFY(client.connectTls(stack.ports().imapTls));
    QList<QSslError::SslError> errors;
    for (const QSslError& error : client.sslErrors()) {
        errors << error.error();
    }
    if (expectedError == QSslError::NoError) {
        QVERIFY2(errors.isEmpty(), qPrintable(client.sslErrors().value(0).errorString()));
    } else {
        QVERIFY(errors.contains(QSslError::SslError(expectedError)));
    }
    QVERIFY(client.readLine().startsWith("* OK"));
}

void TestMailStack::tls12OnlyCipherList()
{
    MailStack::Options options;
    options.postfix = true;
    options.tls12Only = true;
    options.cipherList = QStringLiteral("AES128-SHA");
    MailStack stack(options);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));

    LineClient imap(stack.caCertificates());
    QVERIFY(imap.connectTls(stack.ports().imapTls));
    QCOMPARE(imap.socket().sessionProtocol(), QSsl::TlsV1_2);
    QCOMPARE(imap.socket().sessionCipher().name(), QStringLiteral("AES128-SHA"));

    LineClient submission(stack.caCertificates());
    QVERIFY(submission.connectTls(stack.ports().submissionTls));
    QCOMPARE(submission.socket().sessionProtocol(), QSsl::TlsV1_2);
    QCOMPARE(submission.socket().sessionCipher().name(), QStringLiteral("AES128-SHA"));
}

void TestMailStack::withoutSsl()
{
    MailStack::Options options;
    options.postfix = true;
    options.ssl = false;
    MailStack stack(options);
    QVERIFY2(stack.start(), qPrintable(stack.errorString()));
    QCOMPARE(stack.ports().imapTls, quint16(0));
    QCOMPARE(stack.ports().submissionTls, quint16(0));

    LineClient imap({});
    QVERIFY(imap.connectPlain(stack.ports().imapPlain));
    const QByteArray greeting = imap.readLine();
    QVERIFY2(greeting.startsWith("* OK") && !greeting.contains("STARTTLS"), greeting.constData());

    LineClient submission({});
    QVERIFY(submission.connectPlain(stack.ports().submission));
    QVERIFY(submission.smtp({}).value(0).startsWith("220 "));
    const QByteArrayList ehlo = submission.smtp("EHLO client.example.test");
    QVERIFY2(!anyContains(ehlo, "STARTTLS"), ehlo.join('\n').constData());
}

void TestMailStack::sserver_data()
{
    QTest::addColumn<SServer::Protocol>("protocol");
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<QString>("cipherSuites");
    QTest::addColumn<CertVariant>("variant");
    QTest::addColumn<QSsl::SslProtocol>("expectedProtocol");
    QTest::addColumn<QString>("expectedCipher");
    QTest::addColumn<bool>("expectSelfSignedError");

    QTest::newRow("tls12-aes128-sha-self-signed")
        << SServer::Protocol::Tls1_2 << QStringLiteral("AES128-SHA") << QString()
        << CertVariant::SelfSigned << QSsl::TlsV1_2 << QStringLiteral("AES128-SHA") << true;
    QTest::newRow("tls12-dhe-rsa-aes128-sha")
        << SServer::Protocol::Tls1_2 << QStringLiteral("DHE-RSA-AES128-SHA") << QString()
        << CertVariant::CaSigned << QSsl::TlsV1_2 << QStringLiteral("DHE-RSA-AES128-SHA") << false;
    QTest::newRow("tls13") << SServer::Protocol::Tls1_3 << QString()
                           << QStringLiteral("TLS_AES_128_GCM_SHA256") << CertVariant::CaSigned
                           << QSsl::TlsV1_3 << QStringLiteral("TLS_AES_128_GCM_SHA256") << false;
}

void TestMailStack::sserver()
{
    QFETCH(SServer::Protocol, protocol);
    QFETCH(QString, cipher);
    QFETCH(QString, cipherSuites);
    QFETCH(CertVariant, variant);
    QFETCH(QSsl::SslProtocol, expectedProtocol);
    QFETCH(QString, expectedCipher);
    QFETCH(bool, expectSelfSignedError);

    SServer::Options options;
    options.protocol = protocol;
    options.cipher = cipher;
    options.cipherSuites = cipherSuites;
    options.cert = variant;
    SServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));

    LineClient client(server.caCertificates());
    client.setIgnoreSslErrors(true);
    QVERIFY2(client.connectTls(server.port()), server.output().constData());
    QCOMPARE(client.socket().sessionProtocol(), expectedProtocol);
    QCOMPARE(client.socket().sessionCipher().name(), expectedCipher);
    const bool selfSigned = std::any_of(
        client.sslErrors().cbegin(), client.sslErrors().cend(),
        [](const QSslError& error) { return error.error() == QSslError::SelfSignedCertificate; });
    QCOMPARE(selfSigned, expectSelfSignedError);

    // Application data reaches s_server's output, and what it is given reaches the client.
    const QByteArray marker = "hello-from-client-" + uniqueToken();
    client.writeLine(marker);
    QTRY_VERIFY(server.output().contains(marker));
    QVERIFY(server.output().contains(QByteArray("CIPHER is " + expectedCipher.toLatin1())));
    server.send("hello-from-server\n");
    QCOMPARE(client.readLine(), QByteArray("hello-from-server"));
}

QTEST_GUILESS_MAIN(TestMailStack)
#include "tst_mailstack.moc"
