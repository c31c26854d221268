// SPDX-License-Identifier: GPL-3.0-or-later
#include "invalidaccounts.h"

#include "accountjsonedit.h"

#include <QJsonArray>
#include <QTest>

namespace Latchmail::Fixtures {

namespace {

using Kind = AccountStoreError::Kind;

const QString kDateHint = QStringLiteral(
    " is not an ISO 8601 date and time with a time zone (such as 2026-01-31T12:00:00Z)");
const QString kPortHint = QStringLiteral(" is not a port number (0 to 65535, 0 for the default)");

void row(const char* name, const QByteArray& json, Kind kind, const QString& message)
{
    QTest::newRow(name) << json << kind << message;
}

// `path` is dot-separated; numeric steps index arrays ("latchRecords.0.host").
QByteArray set(const QByteArray& base, const QString& path, const QJsonValue& value)
{
    return edited(base, path.split(u'.'), value);
}

QByteArray drop(const QByteArray& base, const QString& path)
{
    return edited(base, path.split(u'.'), std::nullopt);
}

void addDocumentRows(const QByteArray& base)
{
    const QString notAccount = QStringLiteral("; this is not a Latchmail account file");
    const QString readsOne = QStringLiteral("; this version of Latchmail reads schema version 1");
    row("empty-file", "", Kind::Corrupt, QStringLiteral("the file is empty"));
    row("whitespace-only", " \n\t", Kind::Corrupt, QStringLiteral("the file is empty"));
    row("larger-than-limit", QByteArray(AccountStore::kMaxFileBytes, ' ') + base, Kind::Corrupt,
        QStringLiteral("the file is larger than %1 bytes; this is not an account file")
            .arg(AccountStore::kMaxFileBytes));
    row("top-level-array", "[1]", Kind::Corrupt,
        QStringLiteral("the top level is not a JSON object") + notAccount);
    row("missing-version", drop(base, QStringLiteral("schemaVersion")), Kind::Corrupt,
        QStringLiteral("missing \"schemaVersion\"") + notAccount);
    row("version-string", set(base, QStringLiteral("schemaVersion"), QStringLiteral("1")),
        Kind::Corrupt, QStringLiteral("schemaVersion: expected an integer, found a string"));
    row("version-fraction", set(base, QStringLiteral("schemaVersion"), 1.5), Kind::Corrupt,
        QStringLiteral("schemaVersion: expected an integer, found 1.5"));
    row("version-newer", set(base, QStringLiteral("schemaVersion"), 2), Kind::UnknownVersion,
        QStringLiteral("schema version 2 was written by a newer Latchmail") + readsOne);
    row("version-zero", set(base, QStringLiteral("schemaVersion"), 0), Kind::UnknownVersion,
        QStringLiteral("schema version 0 is unknown") + readsOne);
}

void addSettingsRows(const QByteArray& base)
{
    row("missing-field", drop(base, QStringLiteral("displayName")), Kind::Invalid,
        QStringLiteral("missing field \"displayName\""));
    row("unknown-field", set(base, QStringLiteral("colour"), QStringLiteral("red")), Kind::Invalid,
        QStringLiteral("unknown field \"colour\""));
    row("id-wrong-type", set(base, QStringLiteral("id"), 5), Kind::Invalid,
        QStringLiteral("id: expected a string, found a number"));
    row("id-not-valid", set(base, QStringLiteral("id"), QStringLiteral("../work")), Kind::Invalid,
        QStringLiteral("id: \"../work\" is not a valid account id (1 to 64 letters, digits, "
                       "'.', '_' or '-', not starting with '.')"));
    row("id-other-file", set(base, QStringLiteral("id"), QStringLiteral("home")), Kind::Invalid,
        QStringLiteral("id: \"home\" does not match the file name"));
    row("dsn-wrong-type", set(base, QStringLiteral("requestSuccessDsn"), QStringLiteral("yes")),
        Kind::Invalid, QStringLiteral("requestSuccessDsn: expected true or false, found a string"));
    row("services-null", set(base, QStringLiteral("services"), QJsonValue::Null), Kind::Invalid,
        QStringLiteral("services: expected an object, found null"));
    row("service-missing", drop(base, QStringLiteral("services.submission")), Kind::Invalid,
        QStringLiteral("services: missing field \"submission\""));
    row("service-unknown", set(base, QStringLiteral("services.pop3"), 1), Kind::Invalid,
        QStringLiteral("services: unknown field \"pop3\""));
    row("port-too-large", set(base, QStringLiteral("services.imap.port"), 70000), Kind::Invalid,
        QStringLiteral("services.imap.port: 70000") + kPortHint);
    row("port-negative", set(base, QStringLiteral("services.imap.port"), -1), Kind::Invalid,
        QStringLiteral("services.imap.port: -1") + kPortHint);
    row("port-fraction", set(base, QStringLiteral("services.imap.port"), 99.5), Kind::Invalid,
        QStringLiteral("services.imap.port: 99.5") + kPortHint);
    row("port-string", set(base, QStringLiteral("services.imap.port"), QStringLiteral("993")),
        Kind::Invalid,
        QStringLiteral("services.imap.port: expected a port number, found a string"));
    row("tls-mode-unknown",
        set(base, QStringLiteral("services.imap.tlsMode"), QStringLiteral("tls")), Kind::Invalid,
        QStringLiteral("services.imap.tlsMode: \"tls\" is not a TLS mode (expected \"auto\", "
                       "\"implicit\" or \"starttls\")"));
    row("cleartext-number", set(base, QStringLiteral("services.imap.allowCleartext"), 0),
        Kind::Invalid,
        QStringLiteral("services.imap.allowCleartext: expected true or false, found a number"));
}

void addHostRows(const QByteArray& base)
{
    const QString hint = QStringLiteral(" is not a valid host name");
    row("host-empty", set(base, QStringLiteral("services.imap.host"), QString()), Kind::Invalid,
        QStringLiteral("services.imap.host: the host name is empty"));
    row("host-with-space",
        set(base, QStringLiteral("services.imap.host"), QStringLiteral("imap example.org")),
        Kind::Invalid, QStringLiteral("services.imap.host: \"imap example.org\"") + hint);
    row("host-bad-label",
        set(base, QStringLiteral("services.imap.host"), QStringLiteral("imap-.example.org")),
        Kind::Invalid, QStringLiteral("services.imap.host: \"imap-.example.org\"") + hint);
    row("host-with-port",
        set(base, QStringLiteral("services.imap.host"), QStringLiteral("imap.example.org:993")),
        Kind::Invalid, QStringLiteral("services.imap.host: \"imap.example.org:993\"") + hint);
    row("record-host-bad", set(base, QStringLiteral("latchRecords.0.host"), QStringLiteral("a..b")),
        Kind::Invalid, QStringLiteral("latchRecords[0].host: \"a..b\"") + hint);

    const QJsonValue firstRecord =
        QJsonDocument::fromJson(base)[QStringLiteral("latchRecords")].toArray().at(0);
    row("record-duplicate-host-case",
        set(set(base, QStringLiteral("latchRecords.2"), firstRecord),
            QStringLiteral("latchRecords.2.host"), QStringLiteral("IMAP.Example.ORG")),
        Kind::Invalid,
        QStringLiteral("latchRecords[2]: a second record for imap:imap.example.org"));
}

void addLatchRecordRows(const QByteArray& base)
{
    const QString tokenHint = QStringLiteral(" is not a valid latch token");
    const QString date = QStringLiteral("2026-01-02T00:00:00Z");
    row("records-object", set(base, QStringLiteral("latchRecords"), QJsonObject()), Kind::Invalid,
        QStringLiteral("latchRecords: expected an array, found an object"));
    row("record-service-unknown",
        set(base, QStringLiteral("latchRecords.0.service"), QStringLiteral("pop3")), Kind::Invalid,
        QStringLiteral("latchRecords[0].service: \"pop3\" is not a service (expected \"imap\" or "
                       "\"submission\")"));
    row("latch-token-with-space", set(base, QStringLiteral("latchRecords.0.latches.tls 12"), date),
        Kind::Invalid, QStringLiteral("latchRecords[0].latches: \"tls 12\"") + tokenHint);
    row("latch-token-leading-digit",
        set(base, QStringLiteral("latchRecords.0.latches.12tls"), date), Kind::Invalid,
        QStringLiteral("latchRecords[0].latches: \"12tls\"") + tokenHint);
    const QString longToken = QStringLiteral("t").repeated(33);
    row("latch-token-33-characters",
        set(base, QStringLiteral("latchRecords.0.latches.") + longToken, date), Kind::Invalid,
        QStringLiteral("latchRecords[0].latches: \"") + longToken + u'"' + tokenHint);
    row("latch-date-garbage",
        set(base, QStringLiteral("latchRecords.0.latches.tls12"), QStringLiteral("yesterday")),
        Kind::Invalid, QStringLiteral("latchRecords[0].latches.tls12: \"yesterday\"") + kDateHint);
    row("latch-date-without-zone",
        set(base, QStringLiteral("latchRecords.0.latches.tls12"),
            QStringLiteral("2026-01-02T00:00:00")),
        Kind::Invalid,
        QStringLiteral("latchRecords[0].latches.tls12: \"2026-01-02T00:00:00\"") + kDateHint);
    row("latch-date-number", set(base, QStringLiteral("latchRecords.0.latches.tls12"), 1767225600),
        Kind::Invalid,
        QStringLiteral("latchRecords[0].latches.tls12: expected a date string, found a number"));
    row("observation-not-object",
        set(base, QStringLiteral("latchRecords.0.lastObservation"), QJsonArray()), Kind::Invalid,
        QStringLiteral("latchRecords[0].lastObservation: expected an object, found an array"));
}

void addFailureRows(const QByteArray& base)
{
    const QString failure = QStringLiteral("latchRecords.0.recentFailures.0");
    row("failure-token-bad",
        set(base, failure + QStringLiteral(".failed"), QJsonArray{QStringLiteral("a b")}),
        Kind::Invalid,
        QStringLiteral("latchRecords[0].recentFailures[0].failed[0]: \"a b\" is not a valid "
                       "latch token"));
    row("failure-token-number", set(base, failure + QStringLiteral(".failed"), QJsonArray{7}),
        Kind::Invalid,
        QStringLiteral("latchRecords[0].recentFailures[0].failed[0]: expected a latch token, "
                       "found a number"));
    row("failure-missing-detail", drop(base, failure + QStringLiteral(".detail")), Kind::Invalid,
        QStringLiteral("latchRecords[0].recentFailures[0]: missing field \"detail\""));
    row("failure-date-bad", set(base, failure + QStringLiteral(".at"), QString()), Kind::Invalid,
        QStringLiteral("latchRecords[0].recentFailures[0].at: \"\"") + kDateHint);
}

} // namespace

void addInvalidContentRows(const QByteArray& base)
{
    addDocumentRows(base);
    addSettingsRows(base);
    addHostRows(base);
    addLatchRecordRows(base);
    addFailureRows(base);
}

} // namespace Latchmail::Fixtures
