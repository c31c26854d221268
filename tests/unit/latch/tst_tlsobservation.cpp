// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/tlsobservation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <functional>

using namespace Latchmail;

namespace {

const QString Fingerprint = QStringLiteral("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:"
                                           "EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");

TlsObservation fullObservation()
{
    TlsObservation observation;
    observation.transport = TransportSecurity::StartTls;
    observation.protocol = TlsVersion::Tls13;
    observation.cipherIana = QStringLiteral("TLS_AES_128_GCM_SHA256");
    observation.cipherOpenSsl = QStringLiteral("TLS_AES_128_GCM_SHA256");
    observation.keyBits = 128;
    observation.forwardSecrecy = true;
    observation.certificateVerified = false;
    observation.verificationErrors = {QStringLiteral("The certificate has expired."),
                                      QStringLiteral("The certificate is self-signed.")};
    const QDateTime notBefore(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC);
    observation.chain = {
        {QStringLiteral("CN=mail.example.test"), QStringLiteral("CN=Example CA"), notBefore,
         notBefore.addDays(90), Fingerprint},
        {QStringLiteral("CN=Example CA"), QStringLiteral("CN=Example CA"), notBefore,
         notBefore.addYears(10), QString()},
    };
    observation.observedAt = QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 123), Qt::UTC);
    return observation;
}

using Mutation = std::function<void(QJsonObject&)>;

Mutation setField(const char* key, const QJsonValue& value)
{
    return [key, value](QJsonObject& json) { json.insert(QLatin1String(key), value); };
}

Mutation removeField(const char* key)
{
    return [key](QJsonObject& json) { json.remove(QLatin1String(key)); };
}

Mutation setLeafField(const char* key, const QJsonValue& value)
{
    return [key, value](QJsonObject& json) {
        QJsonArray chain = json.value(QStringLiteral("chain")).toArray();
        QJsonObject leaf = chain.at(0).toObject();
        leaf.insert(QLatin1String(key), value);
        chain.replace(0, leaf);
        json.insert(QStringLiteral("chain"), chain);
    };
}

} // namespace

Q_DECLARE_METATYPE(Mutation)

class TestTlsObservation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void versionNames_data();
    void versionNames();
    void transportNames_data();
    void transportNames();
    void roundTrip_data();
    void roundTrip();
    void jsonShape();
    void accepted_data();
    void accepted();
    void rejected_data();
    void rejected();
};

void TestTlsObservation::versionNames_data()
{
    QTest::addColumn<TlsVersion>("version");
    QTest::addColumn<QString>("name");

    QTest::newRow("none") << TlsVersion::None << QStringLiteral("none");
    QTest::newRow("tls10") << TlsVersion::Tls10 << QStringLiteral("TLSv1.0");
    QTest::newRow("tls11") << TlsVersion::Tls11 << QStringLiteral("TLSv1.1");
    QTest::newRow("tls12") << TlsVersion::Tls12 << QStringLiteral("TLSv1.2");
    QTest::newRow("tls13") << TlsVersion::Tls13 << QStringLiteral("TLSv1.3");
    QTest::newRow("unknown") << TlsVersion::Unknown << QStringLiteral("unknown");
}

void TestTlsObservation::versionNames()
{
    QFETCH(TlsVersion, version);
    QFETCH(QString, name);

    QCOMPARE(tlsVersionName(version), name);
    QCOMPARE(tlsVersionFromName(name), version);
    QCOMPARE(tlsVersionFromName(name.toUpper() + u'x'), TlsVersion::Unknown);
}

void TestTlsObservation::transportNames_data()
{
    QTest::addColumn<TransportSecurity>("transport");
    QTest::addColumn<QString>("name");

    QTest::newRow("cleartext") << TransportSecurity::Cleartext << QStringLiteral("cleartext");
    QTest::newRow("implicit-tls") << TransportSecurity::ImplicitTls
                                  << QStringLiteral("implicit-tls");
    QTest::newRow("starttls") << TransportSecurity::StartTls << QStringLiteral("starttls");
}

void TestTlsObservation::transportNames()
{
    QFETCH(TransportSecurity, transport);
    QFETCH(QString, name);

    bool ok = false;
    QCOMPARE(transportSecurityName(transport), name);
    QCOMPARE(transportSecurityFromName(name, &ok), transport);
    QVERIFY(ok);

    ok = true;
    QCOMPARE(transportSecurityFromName(name.toUpper(), &ok), TransportSecurity::Cleartext);
    QVERIFY(!ok);
}

void TestTlsObservation::roundTrip_data()
{
    QTest::addColumn<TlsObservation>("observation");

    QTest::newRow("default-constructed") << TlsObservation();
    QTest::newRow("starttls-tls13-with-chain") << fullObservation();

    TlsObservation cleartext;
    cleartext.observedAt = QDateTime(QDate(2023, 12, 31), QTime(23, 59, 59), Qt::UTC);
    QTest::newRow("cleartext") << cleartext;

    TlsObservation unknownVersion = fullObservation();
    unknownVersion.protocol = TlsVersion::Unknown;
    unknownVersion.chain.clear();
    QTest::newRow("unknown-version-no-chain") << unknownVersion;
}

void TestTlsObservation::roundTrip()
{
    QFETCH(TlsObservation, observation);

    // Through text, as the account file stores it.
    const QByteArray text = QJsonDocument(observation.toJson()).toJson();
    const QJsonDocument parsed = QJsonDocument::fromJson(text);
    QVERIFY(parsed.isObject());

    TlsObservation read;
    QString error;
    QVERIFY2(TlsObservation::fromJson(parsed.object(), &read, &error), qPrintable(error));
    QVERIFY(error.isEmpty());
    QVERIFY(read == observation);
}

void TestTlsObservation::jsonShape()
{
    const QJsonObject json = fullObservation().toJson();
    QCOMPARE(json.value(QStringLiteral("transport")).toString(), QStringLiteral("starttls"));
    QCOMPARE(json.value(QStringLiteral("protocol")).toString(), QStringLiteral("TLSv1.3"));
    QCOMPARE(json.value(QStringLiteral("keyBits")).toInt(), 128);
    QCOMPARE(json.value(QStringLiteral("observedAt")).toString(),
             QStringLiteral("2024-05-06T07:08:09.123Z"));
    const QJsonObject leaf = json.value(QStringLiteral("chain")).toArray().at(0).toObject();
    QCOMPARE(leaf.value(QStringLiteral("notAfter")).toString(),
             QStringLiteral("2024-04-01T03:04:05.000Z"));
    QCOMPARE(leaf.value(QStringLiteral("sha256")).toString(), Fingerprint);
    QVERIFY(TlsObservation().toJson().value(QStringLiteral("observedAt")).isNull());
}

void TestTlsObservation::accepted_data()
{
    QTest::addColumn<Mutation>("mutation");
    QTest::addColumn<QDateTime>("observedAt");

    const QDateTime original = fullObservation().observedAt;
    QTest::newRow("unknown-field-ignored") << setField("futureField", QJsonArray{1, 2}) << original;
    QTest::newRow("date-with-offset")
        << setField("observedAt", QStringLiteral("2024-05-06T09:08:09.123+02:00")) << original;
    QTest::newRow("date-without-milliseconds")
        << setField("observedAt", QStringLiteral("2024-05-06T07:08:09Z"))
        << QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9), Qt::UTC);
    QTest::newRow("null-date") << setField("observedAt", QJsonValue(QJsonValue::Null))
                               << QDateTime();
}

void TestTlsObservation::accepted()
{
    QFETCH(Mutation, mutation);
    QFETCH(QDateTime, observedAt);

    QJsonObject json = fullObservation().toJson();
    mutation(json);

    TlsObservation read;
    QString error;
    QVERIFY2(TlsObservation::fromJson(json, &read, &error), qPrintable(error));
    QCOMPARE(read.observedAt, observedAt);
    QCOMPARE(read.observedAt.isValid(), observedAt.isValid());
    QCOMPARE(read.chain, fullObservation().chain);
}

void TestTlsObservation::rejected_data()
{
    QTest::addColumn<Mutation>("mutation");
    QTest::addColumn<QString>("error");

    const auto row = [](const char* name, const Mutation& mutation, const char* error) {
        QTest::newRow(name) << mutation << QString::fromUtf8(error);
    };
    row("transport-number", setField("transport", 1),
        "observation.transport: expected a string, got a number");
    row("transport-unknown", setField("transport", QStringLiteral("tls")),
        "observation.transport: unknown transport \"tls\"");
    row("transport-missing", removeField("transport"), "observation.transport: missing");
    row("protocol-unknown", setField("protocol", QStringLiteral("TLSv1.4")),
        "observation.protocol: unknown TLS version \"TLSv1.4\"");
    row("protocol-wrong-case", setField("protocol", QStringLiteral("tlsv1.3")),
        "observation.protocol: unknown TLS version \"tlsv1.3\"");
    row("protocol-null", setField("protocol", QJsonValue(QJsonValue::Null)),
        "observation.protocol: expected a string, got null");
    row("cipher-iana-missing", removeField("cipherIana"), "observation.cipherIana: missing");
    row("key-bits-string", setField("keyBits", QStringLiteral("128")),
        "observation.keyBits: expected an integer, got a string");
    row("key-bits-fraction", setField("keyBits", 127.5),
        "observation.keyBits: expected an integer from 0 to 65536, got 127.5");
    row("key-bits-negative", setField("keyBits", -1),
        "observation.keyBits: expected an integer from 0 to 65536, got -1");
    row("key-bits-huge", setField("keyBits", 1e12),
        "observation.keyBits: expected an integer from 0 to 65536, got 1e+12");
    row("forward-secrecy-string", setField("forwardSecrecy", QStringLiteral("true")),
        "observation.forwardSecrecy: expected a boolean, got a string");
    row("verified-number", setField("certificateVerified", 1),
        "observation.certificateVerified: expected a boolean, got a number");
    row("rc4-object", setField("cipherUsesRc4", QJsonObject()),
        "observation.cipherUsesRc4: expected a boolean, got an object");
    row("errors-not-array", setField("verificationErrors", QStringLiteral("expired")),
        "observation.verificationErrors: expected an array, got a string");
    row("errors-element-number", setField("verificationErrors", QJsonArray{QStringLiteral("a"), 3}),
        "observation.verificationErrors[1]: expected a string, got a number");
    row("chain-object", setField("chain", QJsonObject()),
        "observation.chain: expected an array, got an object");
    row("chain-element-string", setField("chain", QJsonArray{QStringLiteral("cert")}),
        "observation.chain[0]: expected an object, got a string");
    row("chain-subject-missing", setField("chain", QJsonArray{QJsonObject()}),
        "observation.chain[0].subject: missing");
    row("chain-issuer-bool", setLeafField("issuer", true),
        "observation.chain[0].issuer: expected a string, got a boolean");
    row("chain-date-garbage", setLeafField("notAfter", QStringLiteral("yesterday")),
        "observation.chain[0].notAfter: not an ISO 8601 date: \"yesterday\"");
    row("chain-date-missing", setLeafField("notBefore", QJsonValue(QJsonValue::Undefined)),
        "observation.chain[0].notBefore: missing");
    row("chain-fingerprint-lower-case", setLeafField("sha256", Fingerprint.toLower()),
        "observation.chain[0].sha256: expected 32 colon-separated upper-case hex bytes");
    row("chain-fingerprint-short", setLeafField("sha256", QStringLiteral("AB:CD")),
        "observation.chain[0].sha256: expected 32 colon-separated upper-case hex bytes");
    row("observed-at-no-offset", setField("observedAt", QStringLiteral("2024-05-06T07:08:09")),
        "observation.observedAt: date without UTC offset: \"2024-05-06T07:08:09\"");
    row("observed-at-number", setField("observedAt", 1714979289),
        "observation.observedAt: expected an ISO 8601 date or null, got a number");
    row("observed-at-missing", removeField("observedAt"), "observation.observedAt: missing");
}

void TestTlsObservation::rejected()
{
    QFETCH(Mutation, mutation);
    QFETCH(QString, error);

    QJsonObject json = fullObservation().toJson();
    mutation(json);

    TlsObservation untouched;
    untouched.cipherIana = QStringLiteral("sentinel");
    TlsObservation read = untouched;
    QString message;
    QVERIFY(!TlsObservation::fromJson(json, &read, &message));
    QCOMPARE(message, error);
    QVERIFY(read == untouched);
}

QTEST_GUILESS_MAIN(TestTlsObservation)
#include "tst_tlsobservation.moc"
