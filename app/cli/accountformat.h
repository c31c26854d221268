// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/accountstore.h"

#include <QJsonObject>
#include <QString>
#include <QTextStream>

// Text and JSON renderings of accounts shared by `account list|show` and `security`. The JSON
// shapes are part of the command-line contract; extend them only by adding keys. Times are UTC
// ISO 8601 ("2024-05-01T10:00:00Z") or null; "port" 0 means the TLS mode's default port.
//
//   account list    {"accounts": [ENTRY…]}                       sorted by id
//     ENTRY loaded  {"id", "ok": true, "address", "displayName", "warnings": [text],
//                    "services": {"imap"|"submission": {"host", "port", "latches": [token]}}}
//     ENTRY broken  {"id", "ok": false, "error": {"kind", "file", "message"}}
//                    kind: not-found|unreadable|corrupt|unknown-version|invalid|write-failed
//   account show    {"id", "displayName", "address", "requestSuccessDsn", "file", "warnings",
//   account add      "services": {"imap"|"submission": {"host", "port", "tls", "user",
//                    "allowCleartext", "caFile" (path|null), "latches": [token]}}}
//                    (`add` prints the same object without "warnings")
//   account remove  {"id", "removed": true, "file", "keyringEntriesRemoved": ["imap"…],
//                    "latchesReset": true, "outboxKept": path|null}
//   security        {"id", "address", "warnings",
//                    "services": {"imap"|"submission": {"host", "port", "tls",
//                      "latches": [{"token", "firstSet", "known", "meaning"}],
//                      "lastObservation": null | {"observedAt", "transport" (cleartext|
//                        implicit-tls|starttls), "protocol" (TLSv1.2…), "cipherSuite" (IANA),
//                        "cipherOpenSsl", "keyBits", "forwardSecrecy", "cipherUsesMd5",
//                        "cipherUsesRc4", "certificateVerified", "verificationErrors": [text],
//                        "certificate": CERT|null (the leaf), "chain": [CERT…]},
//                      "recentFailures": [{"at", "failed": [token], "detail"}]}}}
//     CERT          {"subject", "issuer", "notBefore", "notAfter", "sha256"}
// Errors never go to standard output: they are one line on standard error.
namespace Latchmail::Cli {

/// "Message access (IMAP)", "Message submission (SMTP)".
[[nodiscard]] QString serviceTitle(Service service);
/// "imap.example.org:993", or the host alone when the port is the TLS mode's default.
[[nodiscard]] QString endpointText(const ServiceSettings& settings);
/// A UTC time as "2024-05-01 10:00:00 UTC" ("unknown" for an invalid time).
[[nodiscard]] QString textTime(const QDateTime& time);
/// Compact one-line latch state: "TLS 1.3, cert, PFS", "no latches yet".
[[nodiscard]] QString latchSummary(const LatchRecord& record);

/// The store error in one line that names the file.
[[nodiscard]] QString errorText(const AccountStoreError& error);

/// `account list`: one entry, for an account that loaded or one that did not.
[[nodiscard]] QJsonObject listEntryJson(const QString& id, const AccountLoadResult& result);
/// The columns of its text line: id, address, IMAP server, submission server, latch summary;
/// or id and the error for an account that did not load.
[[nodiscard]] QStringList listEntryColumns(const QString& id, const AccountLoadResult& result);

/// `account show`.
[[nodiscard]] QJsonObject accountJson(const Account& account, const QString& filePath);
void printAccount(QTextStream& out, const Account& account, const QString& filePath);

/// `security`.
[[nodiscard]] QJsonObject securityJson(const Account& account);
void printSecurity(QTextStream& out, const Account& account);

} // namespace Latchmail::Cli
