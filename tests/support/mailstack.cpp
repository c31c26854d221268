// SPDX-License-Identifier: GPL-3.0-or-later
#include "mailstack.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Latchmail::Test {

namespace {

constexpr int startTimeoutMs = 120'000;
constexpr int stopTimeoutMs = 60'000;
// Dovecot's mail_uid/mail_gid and Postfix's virtual_uid_maps in mailstack.sh's configuration.
constexpr uid_t mailUid = 5000;
constexpr gid_t mailGid = 5000;
// Maildir file names start with a time stamp; Dovecot numbers new files in that order.
constexpr qint64 firstMessageTime = 1'600'000'000;

QString randomPassword()
{
    static const QByteArray alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    QString password;
    for (int i = 0; i < 20; ++i) {
        password += QLatin1Char(alphabet.at(QRandomGenerator::global()->bounded(62)));
    }
    return password;
}

// Creates a directory owned by the mail user unless it exists.
bool makeMailDirectory(const QString& path)
{
    const QByteArray native = QFile::encodeName(path);
    if (::mkdir(native.constData(), 0700) != 0 && errno != EEXIST) {
        return false;
    }
    return ::chown(native.constData(), mailUid, mailGid) == 0;
}

bool writeMailFile(const QString& path, const QByteArray& contents)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        return false;
    }
    qsizetype written = 0;
    while (written < contents.size()) {
        const ssize_t n = ::write(fd, contents.constData() + written, contents.size() - written);
        if (n <= 0) {
            ::close(fd);
            return false;
        }
        written += n;
    }
    const bool owned = ::fchown(fd, mailUid, mailGid) == 0;
    return ::close(fd) == 0 && owned;
}

QString tail(const QString& path, int lines)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    const QStringList all = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
    return QStringLiteral("==> %1 <==\n").arg(path) +
           all.mid(qMax(0, all.size() - lines)).join(QLatin1Char('\n'));
}

} // namespace

MailStack::MailStack()
    : MailStack(Options())
{
}

MailStack::MailStack(Options options)
    : m_options(std::move(options))
{
    for (const QString& entry : std::as_const(m_options.users)) {
        const qsizetype colon = entry.indexOf(QLatin1Char(':'));
        m_users.append(colon < 0 ? MailUser{entry, randomPassword()}
                                 : MailUser{entry.left(colon), entry.mid(colon + 1)});
    }
}

MailStack::~MailStack()
{
    stop();
    if (!m_dir) {
        return;
    }
    // Keep the configuration and logs of a stack whose test failed.
    if (!m_error.isEmpty() || QTest::currentTestFailed() ||
        qEnvironmentVariableIsSet("LATCHMAIL_KEEP_STACKS")) {
        m_dir->setAutoRemove(false);
        qInfo("Mail stack kept for inspection: %s", qPrintable(m_dir->path()));
    }
}

bool MailStack::start()
{
    const TestCertificates& certificates = TestCertificates::shared();
    if (!certificates.isValid()) {
        m_error = certificates.errorString();
        return false;
    }
    if (!prepareDirectory()) {
        return false;
    }

    m_supervisor = std::make_unique<QProcess>();
    m_supervisor->setProcessChannelMode(QProcess::SeparateChannels);
    // Standard input stays an open pipe: the supervisor stops the stack when it closes, which
    // also happens when this process dies.
    m_supervisor->start(QStringLiteral("bash"), scriptArguments());
    if (!m_supervisor->waitForStarted(startTimeoutMs)) {
        m_error = QStringLiteral("cannot run bash: ") + m_supervisor->errorString();
        return false;
    }
    return waitUntilReady() && readStackEnvironment();
}

bool MailStack::prepareDirectory()
{
    const QString stacks = testRunRoot() + QStringLiteral("/stacks");
    QDir().mkpath(stacks);
    const auto traversable = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                             QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                             QFile::ExeOther;
    QFile::setPermissions(stacks, traversable);
    m_dir = std::make_unique<QTemporaryDir>(stacks + QStringLiteral("/stack-XXXXXX"));
    if (!m_dir->isValid()) {
        m_error = QStringLiteral("cannot create the stack directory: ") + m_dir->errorString();
        return false;
    }
    QFile::setPermissions(m_dir->path(), traversable);

    QFile users(m_dir->filePath(QStringLiteral("users")));
    if (!users.open(QIODevice::WriteOnly) ||
        !users.setPermissions(QFile::ReadOwner | QFile::WriteOwner)) {
        m_error = QStringLiteral("cannot write the users file: ") + users.errorString();
        return false;
    }
    for (const MailUser& user : std::as_const(m_users)) {
        users.write((user.name + QLatin1Char(':') + user.password + QLatin1Char('\n')).toUtf8());
    }
    return true;
}

QStringList MailStack::scriptArguments() const
{
    QStringList arguments{
        mailStackFile(QStringLiteral("mailstack.sh")),
        QStringLiteral("run"),
        m_dir->path(),
        QStringLiteral("--certs"),
        TestCertificates::shared().directory(),
        QStringLiteral("--users-file"),
        m_dir->filePath(QStringLiteral("users")),
        QStringLiteral("--owner"),
        QString::number(QCoreApplication::applicationPid()),
        QStringLiteral("--cert"),
        certVariantToken(m_options.cert),
    };
    if (m_options.postfix) {
        arguments << QStringLiteral("--postfix");
    }
    if (m_options.tls12Only) {
        arguments << QStringLiteral("--tls12-only");
    }
    if (!m_options.cipherList.isEmpty()) {
        arguments << QStringLiteral("--cipher-list") << m_options.cipherList;
    }
    if (!m_options.ssl) {
        arguments << QStringLiteral("--no-ssl");
    }
    if (!m_options.dsn) {
        arguments << QStringLiteral("--no-dsn");
    }
    if (m_options.sentMailbox != QLatin1String("Sent")) {
        arguments << QStringLiteral("--sent-mailbox") << m_options.sentMailbox;
    }
    return arguments;
}

// The supervisor prints "READY" once every server greets, or "FAILED" and exits.
bool MailStack::waitUntilReady()
{
    const QDeadlineTimer deadline(startTimeoutMs);
    QByteArray output;
    while (!deadline.hasExpired()) {
        output += m_supervisor->readAllStandardOutput();
        if (output.contains("READY\n")) {
            return true;
        }
        if (output.contains("FAILED") || m_supervisor->state() == QProcess::NotRunning) {
            break;
        }
        m_supervisor->waitForReadyRead(200);
    }
    m_supervisor->waitForFinished(1000);
    m_error = QStringLiteral("the mail stack did not start:\n") +
              QString::fromLocal8Bit(m_supervisor->readAllStandardError()) + logs();
    stop();
    return false;
}

bool MailStack::readStackEnvironment()
{
    QFile file(m_dir->filePath(QStringLiteral("stack.env")));
    if (!file.open(QIODevice::ReadOnly)) {
        m_error = QStringLiteral("stack.env missing: ") + file.errorString();
        return false;
    }
    QHash<QByteArray, QByteArray> values;
    const QByteArrayList lines = file.readAll().split('\n');
    for (const QByteArray& line : lines) {
        const qsizetype equals = line.indexOf('=');
        if (equals > 0) {
            values.insert(line.left(equals), line.mid(equals + 1));
        }
    }
    m_ports.imapPlain = values.value("IMAP_PORT").toUShort();
    m_ports.imapTls = values.value("IMAPS_PORT").toUShort();
    m_ports.submission = values.value("SUBMISSION_PORT").toUShort();
    m_ports.submissionTls = values.value("SUBMISSIONS_PORT").toUShort();
    return true;
}

void MailStack::stop()
{
    if (!m_supervisor) {
        return;
    }
    m_supervisor->closeWriteChannel();
    if (!m_supervisor->waitForFinished(stopTimeoutMs)) {
        m_supervisor->kill();
        m_supervisor->waitForFinished(stopTimeoutMs);
    }
    m_supervisor.reset();
    m_ports = {};
}

bool MailStack::isRunning() const
{
    return m_supervisor && m_supervisor->state() == QProcess::Running;
}

QString MailStack::caFile() const
{
    return TestCertificates::shared().caFile();
}

QList<QSslCertificate> MailStack::caCertificates() const
{
    return TestCertificates::shared().caCertificates();
}

MailUser MailStack::user(const QString& name) const
{
    for (const MailUser& user : m_users) {
        if (user.name == name) {
            return user;
        }
    }
    return {};
}

QString MailStack::directory() const
{
    return m_dir ? m_dir->path() : QString();
}

QString MailStack::maildir(const QString& user, const QString& mailbox) const
{
    QString path = directory() + QStringLiteral("/mail/") + user + QStringLiteral("/Maildir");
    if (mailbox.compare(QLatin1String("INBOX"), Qt::CaseInsensitive) != 0) {
        // Maildir++ layout: a folder is a dot-directory, "/" becomes ".".
        path += QStringLiteral("/.") + QString(mailbox).replace(QLatin1Char('/'), QLatin1Char('.'));
    }
    return path;
}

QString MailStack::logs() const
{
    if (!m_dir) {
        return {};
    }
    QStringList parts;
    for (const char* name :
         {"dovecot/stderr.log", "dovecot/dovecot.log", "postfix/stderr.log", "postfix/maillog"}) {
        const QString text = tail(m_dir->filePath(QLatin1String(name)), 40);
        if (!text.isEmpty()) {
            parts << text;
        }
    }
    return parts.join(QLatin1Char('\n'));
}

bool MailStack::addMessages(const QString& user, const QByteArrayList& messages,
                            const QString& mailbox, const QString& flags)
{
    return addMessages(
        user, int(messages.size()), [&messages](int index) { return messages.at(index); }, mailbox,
        flags);
}

bool MailStack::addMessages(const QString& user, int count,
                            const std::function<QByteArray(int)>& generate, const QString& mailbox,
                            const QString& flags)
{
    const QString userDir = directory() + QStringLiteral("/mail/") + user;
    const QString root = maildir(user, QStringLiteral("INBOX"));
    const QString box = maildir(user, mailbox);
    const QStringList directories{directory() + QStringLiteral("/mail"), userDir, root, box};
    for (const QString& dir : directories) {
        if (!makeMailDirectory(dir)) {
            return false;
        }
    }
    for (const char* sub : {"/cur", "/new", "/tmp"}) {
        if (!makeMailDirectory(box + QLatin1String(sub))) {
            return false;
        }
    }
    if (box != root) {
        writeMailFile(box + QStringLiteral("/maildirfolder"), {});
    }

    const QString host = QStringLiteral("latchmail");
    const qint64 pid = QCoreApplication::applicationPid();
    for (int index = 0; index < count; ++index) {
        const QByteArray message = generate(index);
        const int sequence = m_nextMessage++;
        // S= is the file's size, W= the size with CRLF line ends (RFC822.SIZE), as Dovecot's
        // own delivery names files; without W= Dovecot renames every file once it has computed
        // the size, and each rename makes its next session rescan the whole directory.
        const qsizetype bareLineFeeds = message.count('\n') - message.count("\r\n");
        const QString name = QStringLiteral("%1.M%2P%3.%4,S=%5,W=%6:2,%7")
                                 .arg(firstMessageTime + sequence)
                                 .arg(sequence)
                                 .arg(pid)
                                 .arg(host)
                                 .arg(message.size())
                                 .arg(message.size() + bareLineFeeds)
                                 .arg(flags);
        if (!writeMailFile(box + QStringLiteral("/cur/") + name, message)) {
            return false;
        }
    }
    return true;
}

QByteArray MailStack::generateMessage(int index, int size)
{
    const QDateTime date = QDateTime::fromSecsSinceEpoch(firstMessageTime + index, Qt::UTC);
    QByteArray message = "From: Test Sender <sender@example.test>\n"
                         "To: Test Recipient <recipient@example.test>\n"
                         "Subject: Test message " +
                         QByteArray::number(index) +
                         "\n"
                         "Date: " +
                         date.toString(Qt::RFC2822Date).toLatin1() +
                         "\n"
                         "Message-ID: <test-" +
                         QByteArray::number(index) +
                         "@example.test>\n"
                         "MIME-Version: 1.0\n"
                         "Content-Type: text/plain; charset=us-ascii\n"
                         "\n"
                         "This is test message " +
                         QByteArray::number(index) + ".\n";
    static const QByteArray line =
        "The quick brown fox jumps over the lazy dog, again and again and again.\n";
    while (message.size() + line.size() <= size) {
        message += line;
    }
    return message;
}

QByteArrayList MailStack::messages(const QString& user, const QString& mailbox) const
{
    const QString box = maildir(user, mailbox);
    QStringList files;
    for (const char* sub : {"/new", "/cur"}) {
        const QDir dir(box + QLatin1String(sub));
        const QStringList names = dir.entryList(QDir::Files, QDir::Name);
        for (const QString& name : names) {
            files << dir.filePath(name);
        }
    }
    std::sort(files.begin(), files.end(), [](const QString& a, const QString& b) {
        return QFileInfo(a).fileName() < QFileInfo(b).fileName();
    });

    QByteArrayList contents;
    for (const QString& path : std::as_const(files)) {
        QFile file(path);
        if (file.open(QIODevice::ReadOnly)) {
            contents << file.readAll();
        }
    }
    return contents;
}

} // namespace Latchmail::Test
