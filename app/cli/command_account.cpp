// SPDX-License-Identifier: GPL-3.0-or-later
// `account list|show|remove` and the dispatch of the `account` subcommands (`add` lives in
// command_account_add.cpp).
#include "app/cli/accountformat.h"
#include "app/cli/commands.h"

#include "core/accountstore.h"
#include "core/profile.h"
#include "core/secrets.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>

namespace Latchmail::Cli {

namespace {

const QString kAccountUsage = QStringLiteral(
    "usage: latchmail-cli account add NAME --email ADDR --imap HOST[:PORT] --smtp HOST[:PORT] …\n"
    "       latchmail-cli account list\n"
    "       latchmail-cli account show NAME\n"
    "       latchmail-cli account remove NAME\n"
    "\n"
    "`latchmail-cli account SUBCOMMAND --help` describes each subcommand.\n");

const QString kListUsage = QStringLiteral(
    "usage: latchmail-cli account list\n"
    "\n"
    "One line per account: name, address, IMAP server, submission server, latch summary.\n"
    "An account whose file cannot be loaded is listed with its error, and the exit status is "
    "1.\n");

const QString kShowUsage =
    QStringLiteral("usage: latchmail-cli account show NAME\n"
                   "\n"
                   "The account's settings and its security latches per service.\n");

const QString kRemoveUsage = QStringLiteral(
    "usage: latchmail-cli account remove NAME\n"
    "\n"
    "Removes the account file (settings and security latches), the account's passwords in the\n"
    "system keyring and its message cache. Queued messages in its outbox are kept.\n"
    "Removing an account is the only way to reset its security latches (DEEP section 3.3).\n");

AccountStore storeFor(const Context& context)
{
    return AccountStore(Profile::resolve(context.profileRoot).accountsDirectory());
}

// Pads every column but the last to a common width.
QString formatTable(const QList<QStringList>& rows)
{
    QList<qsizetype> widths;
    for (const QStringList& row : rows) {
        for (qsizetype column = 0; column + 1 < row.size(); ++column) {
            if (widths.size() <= column) {
                widths.append(0);
            }
            widths[column] = std::max(widths[column], row.at(column).size());
        }
    }
    QString text;
    for (const QStringList& row : rows) {
        for (qsizetype column = 0; column + 1 < row.size(); ++column) {
            text += row.at(column).leftJustified(widths.at(column) + 2);
        }
        text += row.last() + QLatin1Char('\n');
    }
    return text;
}

int runListAccounts(Context& context)
{
    QCommandLineParser parser;
    if (const auto stop = parseCommandLine(context, parser, kListUsage, {})) {
        return *stop;
    }

    const AccountStore store = storeFor(context);
    QJsonArray entries;
    QList<QStringList> rows;
    int status = ExitOk;
    for (const QString& id : store.accountIds()) {
        const AccountLoadResult result = store.load(id);
        if (!result.account) {
            status = ExitFailure;
        }
        entries.append(listEntryJson(id, result));
        rows.append(listEntryColumns(id, result));
    }

    if (context.json) {
        context.printJson(QJsonObject{{QStringLiteral("accounts"), entries}});
    } else if (rows.isEmpty()) {
        context.out << QStringLiteral("No accounts in %1. `latchmail-cli account add --help` "
                                      "shows how to add one.\n")
                           .arg(store.directory());
    } else {
        context.out << formatTable(rows);
    }
    return status;
}

int runShowAccount(Context& context)
{
    QCommandLineParser parser;
    if (const auto stop = parseCommandLine(context, parser, kShowUsage, {QStringLiteral("NAME")})) {
        return *stop;
    }
    const QString id = parser.positionalArguments().first();
    if (!isValidAccountId(id)) {
        return context.usageError(QStringLiteral("invalid account name '%1'").arg(id), kShowUsage);
    }

    const AccountStore store = storeFor(context);
    const AccountLoadResult result = store.load(id);
    if (!result.account) {
        return context.fail(ExitFailure, errorText(*result.error));
    }
    for (const QString& warning : result.warnings) {
        context.err << QStringLiteral("latchmail-cli: warning: ") << warning << Qt::endl;
    }
    if (context.json) {
        QJsonObject shape = accountJson(*result.account, store.filePath(id));
        shape.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings));
        context.printJson(shape);
    } else {
        printAccount(context.out, *result.account, store.filePath(id));
    }
    return ExitOk;
}

// Deletes both keyring entries. Returns the services whose entry existed, or an error.
QString removeSecrets(const QString& id, QStringList* removed)
{
    const SecretStore secrets;
    for (const Service service : {Service::MessageAccess, Service::MessageSubmission}) {
        const SecretStore::Result result = secrets.deletePasswordSync(id, service);
        if (result.ok) {
            removed->append(serviceName(service));
        } else if (!result.notFound) {
            return QStringLiteral("cannot delete the %1 password from the system keyring: %2")
                .arg(serviceName(service), result.error);
        }
    }
    return {};
}

// The cache is derived data (SQLite with its journal files); the outbox holds the user's
// unsent messages and is never deleted here.
void removeCache(const Profile& profile, const QString& id)
{
    const QString cache = profile.cacheFile(id);
    for (const QString& suffix :
         {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal")}) {
        QFile::remove(cache + suffix);
    }
}

void printRemoved(const Context& context, const QString& id, const QString& filePath,
                  const QStringList& secrets, const QString& keptOutbox)
{
    if (context.json) {
        context.printJson(QJsonObject{
            {QStringLiteral("id"), id},
            {QStringLiteral("removed"), true},
            {QStringLiteral("file"), filePath},
            {QStringLiteral("keyringEntriesRemoved"), QJsonArray::fromStringList(secrets)},
            {QStringLiteral("latchesReset"), true},
            {QStringLiteral("outboxKept"),
             keptOutbox.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(keptOutbox)},
        });
        return;
    }
    context.out << QStringLiteral("Removed account '%1': its file %2 with its settings and "
                                  "security latches, and its passwords in the system keyring.\n")
                       .arg(id, filePath)
                << QStringLiteral("Removing an account is the only way to reset its security "
                                  "latches (DEEP section 3.3). If you add it again, its first\n"
                                  "connection is trusted anew and sets new latches.\n");
    if (!keptOutbox.isEmpty()) {
        context.out << QStringLiteral("Unsent messages were kept in %1.\n").arg(keptOutbox);
    }
}

int runRemove(Context& context)
{
    QCommandLineParser parser;
    if (const auto stop =
            parseCommandLine(context, parser, kRemoveUsage, {QStringLiteral("NAME")})) {
        return *stop;
    }
    const QString id = parser.positionalArguments().first();
    if (!isValidAccountId(id)) {
        return context.usageError(QStringLiteral("invalid account name '%1'").arg(id),
                                  kRemoveUsage);
    }

    // A file that no longer loads can still be removed: that is how a user recovers from it.
    const Profile profile = Profile::resolve(context.profileRoot);
    const AccountStore store(profile.accountsDirectory());
    const QString filePath = store.filePath(id);
    if (!QFileInfo::exists(filePath)) {
        return context.fail(
            ExitFailure, QStringLiteral("no account '%1' (%2 does not exist)").arg(id, filePath));
    }

    // Passwords first: without a keyring, nothing is removed and the command can be repeated.
    QStringList removedSecrets;
    if (QString error = removeSecrets(id, &removedSecrets); !error.isEmpty()) {
        return context.fail(ExitFailure, error + QStringLiteral("; the account file was kept"));
    }
    if (const auto error = store.remove(id)) {
        return context.fail(ExitFailure, errorText(*error));
    }
    removeCache(profile, id);

    const QString outbox = profile.outboxDirectory(id);
    const bool outboxKept =
        !QDir(outbox).isEmpty(QDir::Files | QDir::NoDotAndDotDot) && QFileInfo(outbox).isDir();
    printRemoved(context, id, filePath, removedSecrets, outboxKept ? outbox : QString());
    return ExitOk;
}

} // namespace

int runAccount(Context& context)
{
    if (context.args.isEmpty()) {
        return context.usageError(QStringLiteral("missing subcommand"), kAccountUsage);
    }
    const QString subcommand = context.args.takeFirst();
    if (subcommand == QLatin1String("add")) {
        return runAccountAdd(context);
    }
    if (subcommand == QLatin1String("list")) {
        return runListAccounts(context);
    }
    if (subcommand == QLatin1String("show")) {
        return runShowAccount(context);
    }
    if (subcommand == QLatin1String("remove")) {
        return runRemove(context);
    }
    if (subcommand == QLatin1String("--help") || subcommand == QLatin1String("-h")) {
        context.out << kAccountUsage;
        return ExitOk;
    }
    return context.usageError(QStringLiteral("unknown account subcommand '%1'").arg(subcommand),
                              kAccountUsage);
}

} // namespace Latchmail::Cli
