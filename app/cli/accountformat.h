// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/accountstore.h"

#include <QJsonObject>
#include <QString>
#include <QTextStream>

// Text and JSON renderings of accounts shared by `account list|show` and `security`. The JSON
// shapes are part of the command-line contract and documented in the README; extend them only
// by adding keys.
namespace Latchmail::Cli {

/// "Message access (IMAP)", "Message submission (SMTP)".
[[nodiscard]] QString serviceTitle(Service service);
/// "imap.example.org:993", or the host alone when the port is the TLS mode's default.
[[nodiscard]] QString endpointText(const ServiceSettings& settings);
/// A UTC time as "2024-05-01 10:00:00 UTC" ("unknown" for an invalid time).
[[nodiscard]] QString textTime(const QDateTime& time);
/// Compact one-line latch state: "TLS 1.3, cert, PFS", "no latches yet".
[[nodiscard]] QString latchSummary(const LatchRecord& record);
/// What a latch guarantees, or for an unknown token why it blocks every connection.
[[nodiscard]] QString latchMeaning(const QString& token);

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
