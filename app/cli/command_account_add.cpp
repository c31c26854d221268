// SPDX-License-Identifier: GPL-3.0-or-later
// `account add`: validates every argument, stores the password in the system keyring, then
// writes the account file. The order is deliberate: a keyring that is unavailable leaves nothing
// behind, and a file that cannot be written makes the command delete the passwords it stored.
#include "app/cli/accountformat.h"
#include "app/cli/accountinput.h"
#include "app/cli/commands.h"

#include "core/accountstore.h"
#include "core/profile.h"
#include "core/secrets.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QSslCertificate>

#include <termios.h>
#include <unistd.h>

namespace Latchmail::Cli {

namespace {

constexpr qsizetype kMaxPasswordBytes = 4096;

const QString kUsage = QStringLiteral(
    "usage: latchmail-cli account add NAME --email ADDR --imap HOST[:PORT] --smtp HOST[:PORT]\n"
    "           [--user USER] [--password-stdin] [--tls auto|implicit|starttls]\n"
    "           [--ca-file PEM] [--allow-cleartext] [--display-name TEXT] [--no-success-dsn]\n"
    "\n"
    "Creates the account NAME (1–64 letters, digits, '.', '-', '_'; not starting with '.').\n"
    "\n"
    "  --email ADDR         the account's address\n"
    "  --imap HOST[:PORT]   message access server (IPv6 as [::1]:993)\n"
    "  --smtp HOST[:PORT]   message submission server\n"
    "  --user USER          login name on both servers (default: the address)\n"
    "  --password-stdin     read the password from the first line of standard input;\n"
    "                       otherwise it is asked for on the terminal. Never an argument.\n"
    "  --tls MODE           auto (implicit TLS, else STARTTLS; the default), implicit,\n"
    "                       starttls\n"
    "  --ca-file PEM        extra trusted CA certificates for both servers\n"
    "  --allow-cleartext    allow unencrypted connections (loopback servers only)\n"
    "  --display-name TEXT  the name shown with the address\n"
    "  --no-success-dsn     do not request delivery status notifications on success\n"
    "\n"
    "The password goes to the system keyring (the same password for both servers), then the\n"
    "account file is written. Without a keyring nothing is created. The new account has no\n"
    "security latches: the first successful connection to each server sets them.\n");

struct AddOptions
{
    QCommandLineOption email{QStringLiteral("email"), QString(), QStringLiteral("ADDR")};
    QCommandLineOption imap{QStringLiteral("imap"), QString(), QStringLiteral("HOST")};
    QCommandLineOption smtp{QStringLiteral("smtp"), QString(), QStringLiteral("HOST")};
    QCommandLineOption user{QStringLiteral("user"), QString(), QStringLiteral("USER")};
    QCommandLineOption passwordStdin{QStringLiteral("password-stdin"), QString()};
    QCommandLineOption tls{QStringLiteral("tls"), QString(), QStringLiteral("MODE")};
    QCommandLineOption caFile{QStringLiteral("ca-file"), QString(), QStringLiteral("PEM")};
    QCommandLineOption allowCleartext{QStringLiteral("allow-cleartext"), QString()};
    QCommandLineOption displayName{QStringLiteral("display-name"), QString(),
                                   QStringLiteral("TEXT")};
    QCommandLineOption noSuccessDsn{QStringLiteral("no-success-dsn"), QString()};

    void addTo(QCommandLineParser& parser) const
    {
        parser.addOptions({email, imap, smtp, user, passwordStdin, tls, caFile, allowCleartext,
                           displayName, noSuccessDsn});
    }
};

bool hasControlCharacter(const QString& text)
{
    return std::any_of(text.begin(), text.end(),
                       [](QChar c) { return c.category() == QChar::Other_Control; });
}

// Fills the settings both services share; returns what is wrong with the arguments, if anything.
QString fillCommonSettings(const QCommandLineParser& parser, const AddOptions& options,
                           Account* account)
{
    TlsMode mode = TlsMode::Auto;
    if (parser.isSet(options.tls) && !tlsModeFromName(parser.value(options.tls), &mode)) {
        return QStringLiteral("--tls must be auto, implicit or starttls, not '%1'")
            .arg(parser.value(options.tls));
    }
    const QString user = parser.isSet(options.user) ? parser.value(options.user) : account->address;
    if (user.isEmpty() || hasControlCharacter(user)) {
        return QStringLiteral("--user must be a non-empty login name without control characters");
    }
    const bool cleartext = parser.isSet(options.allowCleartext);
    if (cleartext && mode == TlsMode::Implicit) {
        return QStringLiteral("--allow-cleartext contradicts --tls implicit");
    }
    for (ServiceSettings* settings : {&account->imap, &account->submission}) {
        settings->tlsMode = mode;
        settings->userName = user;
        settings->allowCleartext = cleartext;
    }
    return {};
}

QString fillServer(const QCommandLineParser& parser, const QCommandLineOption& option,
                   ServiceSettings* settings)
{
    HostPort server;
    if (QString error = parseHostPort(parser.value(option), &server); !error.isEmpty()) {
        return QStringLiteral("--%1 '%2': %3")
            .arg(option.names().first(), parser.value(option), error);
    }
    settings->host = server.host;
    settings->port = server.port;
    return {};
}

// DESIGN: cleartext is only ever allowed for a server on this machine.
QString checkCleartext(const Account& account)
{
    if (!account.imap.allowCleartext) {
        return {};
    }
    for (const ServiceSettings* settings : {&account.imap, &account.submission}) {
        if (!isLoopbackHost(settings->host)) {
            return QStringLiteral("--allow-cleartext is refused: %1 is not a loopback host "
                                  "(127.0.0.0/8, ::1, localhost), and a password sent in "
                                  "cleartext can be read by anyone on the way")
                .arg(settings->host);
        }
    }
    return {};
}

// Everything that can be judged from the command line alone; an error here is a usage error.
QString buildAccount(const QCommandLineParser& parser, const AddOptions& options, const QString& id,
                     Account* account)
{
    for (const QCommandLineOption* required : {&options.email, &options.imap, &options.smtp}) {
        if (!parser.isSet(*required)) {
            return QStringLiteral("missing --%1").arg(required->names().first());
        }
    }
    if (!isValidAccountId(id)) {
        return QStringLiteral("invalid account name '%1': use 1–64 letters, digits, '.', '-' "
                              "or '_', not starting with '.'")
            .arg(id);
    }
    account->id = id;
    account->address = parser.value(options.email);
    if (QString error = checkAddrSpec(account->address); !error.isEmpty()) {
        return QStringLiteral("--email: ") + error;
    }
    account->displayName = parser.value(options.displayName);
    if (hasControlCharacter(account->displayName)) {
        return QStringLiteral("--display-name contains a control character");
    }
    account->requestSuccessDsn = !parser.isSet(options.noSuccessDsn);

    QString error = fillServer(parser, options.imap, &account->imap);
    if (error.isEmpty()) {
        error = fillServer(parser, options.smtp, &account->submission);
    }
    if (error.isEmpty()) {
        error = fillCommonSettings(parser, options, account);
    }
    return error.isEmpty() ? checkCleartext(*account) : error;
}

QString checkCaFile(const QString& path, QString* absolutePath)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        return QStringLiteral("--ca-file %1 does not exist").arg(path);
    }
    if (!info.isFile() || !info.isReadable()) {
        return QStringLiteral("--ca-file %1 is not a readable file").arg(path);
    }
    if (QSslCertificate::fromPath(info.absoluteFilePath(), QSsl::Pem).isEmpty()) {
        return QStringLiteral("--ca-file %1 contains no PEM certificate").arg(path);
    }
    *absolutePath = info.absoluteFilePath();
    return {};
}

// Turns terminal echo off for its lifetime (when standard input is a terminal).
class EchoOff
{
public:
    EchoOff()
    {
        if (::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &m_saved) == 0) {
            termios silent = m_saved;
            silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            m_active = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent) == 0;
        }
    }
    ~EchoOff()
    {
        if (m_active) {
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &m_saved);
        }
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    termios m_saved{};
    bool m_active = false;
};

// The first line of standard input, without its line end.
QString readPassword(const Context& context, bool fromStdin, const QString& address, QString* error)
{
    const bool terminal = ::isatty(STDIN_FILENO) == 1;
    if (!fromStdin && !terminal) {
        *error = QStringLiteral("no password: give --password-stdin and the password on "
                                "standard input");
        return {};
    }
    if (terminal) {
        context.err << QStringLiteral("Password for %1: ").arg(address);
        context.err.flush();
    }

    QFile input;
    QByteArray line;
    {
        const EchoOff echoOff;
        if (input.open(stdin, QIODevice::ReadOnly)) {
            line = input.readLine(kMaxPasswordBytes + 2);
        }
    }
    if (terminal) {
        context.err << Qt::endl;
    }
    if (line.size() > kMaxPasswordBytes && !line.endsWith('\n')) {
        *error = QStringLiteral("the password is longer than %1 bytes").arg(kMaxPasswordBytes);
        return {};
    }
    while (line.endsWith('\n') || line.endsWith('\r')) {
        line.chop(1);
    }
    if (line.isEmpty()) {
        *error = QStringLiteral("the password is empty (read from the first line of standard "
                                "input)");
        return {};
    }
    return QString::fromUtf8(line);
}

// Stores the password for both services; on failure removes what was stored.
QString storeSecrets(const QString& id, const QString& password)
{
    const SecretStore secrets;
    for (const Service service : {Service::MessageAccess, Service::MessageSubmission}) {
        const SecretStore::Result result = secrets.writePasswordSync(id, service, password);
        if (!result.ok) {
            if (service == Service::MessageSubmission) {
                (void)secrets.deletePasswordSync(id, Service::MessageAccess);
            }
            return QStringLiteral("cannot store the password in the system keyring: %1. "
                                  "Latchmail keeps passwords only there; start a keyring "
                                  "(Secret Service, e.g. gnome-keyring) and try again. No account "
                                  "was created.")
                .arg(result.error);
        }
    }
    return {};
}

void removeSecrets(const QString& id)
{
    const SecretStore secrets;
    (void)secrets.deletePasswordSync(id, Service::MessageAccess);
    (void)secrets.deletePasswordSync(id, Service::MessageSubmission);
}

void printAdded(const Context& context, const Account& account, const QString& filePath)
{
    if (context.json) {
        context.printJson(accountJson(account, filePath));
        return;
    }
    context.out << QStringLiteral("Added account '%1' (%2) in %3.\n")
                       .arg(account.id, account.address, filePath)
                << QStringLiteral("The password is in the system keyring for both servers.\n")
                << QStringLiteral("No security latches yet: the first successful connection to "
                                  "each server sets them.\n");
}

} // namespace

int runAccountAdd(Context& context)
{
    // A password on the command line is visible to every user of the machine (ps, /proc).
    for (const QString& argument : std::as_const(context.args)) {
        if (argument.startsWith(QLatin1String("--password")) &&
            argument != QLatin1String("--password-stdin")) {
            return context.usageError(QStringLiteral("a password is never accepted as an "
                                                     "argument; use --password-stdin"),
                                      kUsage);
        }
    }

    QCommandLineParser parser;
    const AddOptions options;
    options.addTo(parser);
    if (const auto stop = parseCommandLine(context, parser, kUsage, {QStringLiteral("NAME")})) {
        return *stop;
    }

    Account account;
    const QString id = parser.positionalArguments().first();
    if (QString error = buildAccount(parser, options, id, &account); !error.isEmpty()) {
        return context.usageError(error, kUsage);
    }

    const AccountStore store(Profile::resolve(context.profileRoot).accountsDirectory());
    const QString filePath = store.filePath(id);
    if (QFileInfo::exists(filePath)) {
        return context.fail(ExitFailure, QStringLiteral("account '%1' already exists (%2); "
                                                        "`account remove %1` removes it")
                                             .arg(id, filePath));
    }
    if (parser.isSet(options.caFile)) {
        QString caFile;
        if (QString error = checkCaFile(parser.value(options.caFile), &caFile); !error.isEmpty()) {
            return context.fail(ExitFailure, error);
        }
        account.imap.extraCaFile = caFile;
        account.submission.extraCaFile = caFile;
    }

    QString error;
    const QString password =
        readPassword(context, parser.isSet(options.passwordStdin), account.address, &error);
    if (!error.isEmpty()) {
        return context.fail(parser.isSet(options.passwordStdin) ? ExitFailure : ExitUsage, error);
    }
    if (error = storeSecrets(id, password); !error.isEmpty()) {
        return context.fail(ExitFailure, error);
    }

    if (const auto saveError = store.save(account)) {
        removeSecrets(id);
        return context.fail(ExitFailure, errorText(*saveError) + QStringLiteral(" No account "
                                                                                "was created."));
    }
    printAdded(context, account, filePath);
    return ExitOk;
}

} // namespace Latchmail::Cli
