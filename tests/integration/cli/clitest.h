// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the latchmail-cli tests: runs the real binary (LATCHMAIL_CLI, set by CMake) with a
// profile directory, and builds account files through AccountStore.
#pragma once

#include "core/account.h"
#include "core/accountstore.h"
#include "core/latch.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

namespace Latchmail::CliTest {

struct CliResult
{
    int exitCode = -1;
    QString out;
    QString err;
    bool finished = false;
};

/// Runs `latchmail-cli --profile PROFILE ARGS…` with `input` on its standard input.
inline CliResult
runCli(const QString& profile, const QStringList& args, const QByteArray& input = {},
       const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(LATCHMAIL_CLI),
                  QStringList{QStringLiteral("--profile"), profile} + args);
    CliResult result;
    if (!process.waitForStarted(30000)) {
        result.err = process.errorString();
        return result;
    }
    process.write(input);
    process.closeWriteChannel();
    result.finished = process.waitForFinished(60000);
    if (!result.finished) {
        process.kill();
        process.waitForFinished(5000);
    }
    result.finished = result.finished && process.exitStatus() == QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

/// The command's standard output as a JSON object (an empty object when it is not one).
inline QJsonObject jsonOutput(const CliResult& result)
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(result.out.toUtf8(), &error);
    return error.error == QJsonParseError::NoError ? document.object() : QJsonObject();
}

/// Files below `root` whose bytes contain `secret` (as UTF-8 or its base64).
inline QStringList filesContaining(const QString& root, const QString& secret)
{
    const QByteArray utf8 = secret.toUtf8();
    QStringList hits;
    QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile file(it.next());
        if (!file.open(QIODevice::ReadOnly)) {
            hits.append(file.fileName() + QStringLiteral(" (unreadable)"));
            continue;
        }
        const QByteArray content = file.readAll();
        if (content.contains(utf8) || content.contains(utf8.toBase64())) {
            hits.append(file.fileName());
        }
    }
    return hits;
}

inline QDateTime at(const char* iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate);
}

/// A plain account with no latches.
inline Account plainAccount(const QString& id)
{
    Account account;
    account.id = id;
    account.displayName = QStringLiteral("Ann Example");
    account.address = id + QStringLiteral("@example.org");
    account.imap.host = QStringLiteral("imap.example.org");
    account.imap.port = 993;
    account.imap.tlsMode = TlsMode::Implicit;
    account.imap.userName = account.address;
    account.submission.host = QStringLiteral("smtp.example.org");
    account.submission.tlsMode = TlsMode::StartTls;
    account.submission.userName = account.address;
    return account;
}

/// The observation of a TLS 1.3 connection with a verified certificate.
inline TlsObservation tls13Observation()
{
    TlsObservation observation;
    observation.transport = TransportSecurity::ImplicitTls;
    observation.protocol = TlsVersion::Tls13;
    observation.cipherIana = QStringLiteral("TLS_AES_256_GCM_SHA384");
    observation.cipherOpenSsl = QStringLiteral("TLS_AES_256_GCM_SHA384");
    observation.keyBits = 256;
    observation.forwardSecrecy = true;
    observation.certificateVerified = true;
    observation.chain.append(CertificateInfo{
        QStringLiteral("CN=imap.example.org"), QStringLiteral("CN=Example Test CA"),
        at("2024-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"),
        QStringLiteral("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                       "AB:CD:EF:01:23:45:67:89")});
    observation.observedAt = at("2024-05-02T08:30:00Z");
    return observation;
}

/// An account whose IMAP record has every latch of a TLS 1.3 connection (set 2024-05-01
/// 10:00 UTC), its observation and one earlier latch failure; plus `extraToken` if given.
inline Account latchedAccount(const QString& id, const QString& extraToken = {})
{
    Account account = plainAccount(id);
    LatchRecord& record = account.latchRecordRef(Service::MessageAccess);
    record.addLatches(LatchSet{LatchToken::Tls10, LatchToken::Tls11, LatchToken::Tls12,
                               LatchToken::Tls13, LatchToken::TlsCert, LatchToken::TlsNoMd5,
                               LatchToken::TlsNoRc4, LatchToken::TlsPfs},
                      at("2024-05-01T10:00:00Z"));
    if (!extraToken.isEmpty()) {
        record.addLatches(LatchSet{extraToken}, at("2024-05-03T09:00:00Z"));
    }
    record.lastObservation = tls13Observation();
    record.hasObservation = true;
    record.addFailure(LatchFailureRecord{at("2024-05-01T12:00:00Z"), LatchSet{LatchToken::TlsCert},
                                         QStringLiteral("certificate expired")});
    return account;
}

/// Writes `account` into `accountsDirectory` through AccountStore; fails the test otherwise.
inline bool saveAccount(const QString& accountsDirectory, const Account& account)
{
    const auto error = AccountStore(accountsDirectory).save(account);
    if (error) {
        qWarning() << "saving the account failed:" << error->message;
    }
    return !error.has_value();
}

} // namespace Latchmail::CliTest
