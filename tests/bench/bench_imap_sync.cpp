// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmark of the IMAP header sync against a local Dovecot (tests/support MailStack) holding
// many generated messages (100,000 unless given as the first argument). Prints, for a cold
// and three warm full header syncs into an empty cache, a no-change resync and loading the
// message list from the cache: wall time, CPU time and peak resident memory. Each warm sync is
// followed by the same UID FETCH through `openssl s_client`, the raw transfer it is compared
// with; Python's imaplib runs it once. Prints figures only; not a CTest.
#include "core/accountstore.h"
#include "core/profile.h"
#include "imap/cache/messagecache.h"
#include "imap/imapservice.h"
#include "tests/support/mailstack.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

const QString kInbox = QStringLiteral("INBOX");
const QByteArray kFetchItems = "(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)";

double cpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

qint64 peakResidentKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:")) {
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    return -1;
}

void resetPeakResident()
{
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    if (clear.open(QIODevice::WriteOnly)) {
        clear.write("5");
    }
}

// Measures one phase: wall time, CPU time of this process, peak resident memory.
class Phase
{
public:
    explicit Phase(const char* name)
        : m_name(name)
    {
        resetPeakResident();
        m_cpu = cpuSeconds();
        m_wall.start();
    }
    void report(const QString& detail = {}) const
    {
        std::printf("%-34s wall %8.2f s   cpu %8.2f s   peak RSS %7.1f MiB   %s\n", m_name,
                    m_wall.elapsed() / 1000.0, cpuSeconds() - m_cpu, peakResidentKiB() / 1024.0,
                    qPrintable(detail));
        std::fflush(stdout);
    }
    [[nodiscard]] double wallSeconds() const { return double(m_wall.nsecsElapsed()) / 1e9; }

private:
    const char* m_name;
    double m_cpu = 0;
    QElapsedTimer m_wall;
};

struct Setup
{
    QTemporaryDir directory;
    Profile profile;
    Account account;
};

bool makeAccount(const MailStack& stack, Setup* setup)
{
    setup->profile = Profile::resolve(setup->directory.path());
    Account& account = setup->account;
    account.id = QStringLiteral("bench");
    account.address = stack.user(QStringLiteral("alice")).address();
    account.imap.host = QStringLiteral("127.0.0.1");
    account.imap.port = stack.ports().imapTls;
    account.imap.tlsMode = TlsMode::Implicit;
    account.imap.userName = QStringLiteral("alice");
    account.imap.extraCaFile = stack.caFile();
    account.submission.host = QStringLiteral("127.0.0.1");
    return !AccountStore(setup->profile.accountsDirectory()).save(account);
}

// One sync with a fresh service; returns the report's "added" count, or -1 on failure.
qsizetype sync(const MailStack& stack, const Setup& setup, bool* unchanged = nullptr)
{
    const QString password = stack.user(QStringLiteral("alice")).password;
    const Account account =
        *AccountStore(setup.profile.accountsDirectory()).load(setup.account.id).account;
    Imap::ImapService service(account, setup.profile,
                              [password](QString*) { return std::optional<QString>(password); });
    // A real event loop, as in the application: a polling wait would add its sleep to every
    // round trip.
    QEventLoop loop;
    qsizetype added = -1;
    QObject::connect(&service, &Imap::ImapService::synchronized,
                     [&](const Imap::SyncReport& report) {
                         added = report.added;
                         if (unchanged != nullptr) {
                             *unchanged = report.unchanged;
                         }
                         loop.quit();
                     });
    QObject::connect(&service, &Imap::ImapService::failed, [&](const Imap::SessionError& error) {
        std::fprintf(stderr, "sync failed: %s\n", qPrintable(error.message));
        loop.quit();
    });
    service.synchronize(kInbox);
    loop.exec();
    return added;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0.0 : values[values.size() / 2];
}

// The raw transfer: one UID FETCH of every message, nothing parsed or stored. `commands` is
// what follows LOGIN; the output is counted, not kept. Returns the wall time in seconds.
double runOpensslFetch(const MailStack& stack, const char* name, const QByteArray& commands)
{
    const QString password = stack.user(QStringLiteral("alice")).password;
    QProcess process;
    process.start(QStringLiteral("openssl"),
                  {QStringLiteral("s_client"), QStringLiteral("-quiet"), QStringLiteral("-ign_eof"),
                   QStringLiteral("-CAfile"), stack.caFile(), QStringLiteral("-connect"),
                   QStringLiteral("127.0.0.1:%1").arg(stack.ports().imapTls)});
    QElapsedTimer wall;
    wall.start();
    process.write("a LOGIN alice " + password.toUtf8() + "\r\n" + commands + "z LOGOUT\r\n");
    process.closeWriteChannel();
    qint64 bytes = 0;
    while (process.state() != QProcess::NotRunning || process.bytesAvailable() > 0) {
        process.waitForReadyRead(1000);
        bytes += process.readAllStandardOutput().size();
    }
    const double seconds = double(wall.nsecsElapsed()) / 1e9;
    std::printf("%-34s wall %8.2f s   %lld bytes received\n", name, seconds, bytes);
    std::fflush(stdout);
    return seconds;
}

void runImaplibFetch(const MailStack& stack)
{
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (python.isEmpty()) {
        std::printf("%-34s not run: python3 is not installed\n", "Python imaplib UID FETCH");
        return;
    }
    const QByteArray script =
        "import imaplib, ssl, sys, time\n"
        "host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]\n"
        "password = sys.stdin.readline().strip()\n"
        "start = time.monotonic()\n"
        "c = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(cafile=ca))\n"
        "c.login('alice', password)\n"
        "c.select('INBOX', readonly=True)\n"
        "typ, data = c.uid('FETCH', '1:*', '" +
        kFetchItems +
        "')\n"
        "c.logout()\n"
        "print('%.2f %d' % (time.monotonic() - start, len(data)))\n";
    QProcess process;
    process.start(python,
                  {QStringLiteral("-c"), QString::fromUtf8(script), QStringLiteral("127.0.0.1"),
                   QString::number(stack.ports().imapTls), stack.caFile()});
    process.write(stack.user(QStringLiteral("alice")).password.toUtf8() + '\n');
    process.closeWriteChannel();
    process.waitForFinished(3600 * 1000);
    const QList<QByteArray> figures = process.readAllStandardOutput().trimmed().split(' ');
    std::printf("%-34s wall %8s s   %s response items\n", "Python imaplib UID FETCH",
                figures.value(0).constData(), figures.value(1).constData());
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? QByteArray(argv[1]).toInt() : 100000;

    MailStack stack;
    if (!stack.start()) {
        std::fprintf(stderr, "cannot start the mail stack: %s\n", qPrintable(stack.errorString()));
        return 1;
    }
    {
        const Phase phase("generate messages into Maildir");
        if (!stack.addMessages(QStringLiteral("alice"), count,
                               [](int index) { return MailStack::generateMessage(index, 2048); })) {
            return 1;
        }
        phase.report(QStringLiteral("%1 messages").arg(count));
    }

    // The items a Latchmail sync asks for, MODSEQ included, after SELECT (CONDSTORE): the
    // server's own cost of this sync's requests.
    const QByteArray syncFetch = "b SELECT INBOX (CONDSTORE)\r\nc UID FETCH 1:* (UID FLAGS "
                                 "ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE MODSEQ)\r\n";
    Setup cold;
    if (!makeAccount(stack, &cold)) {
        return 1;
    }
    {
        const Phase phase("cold full header sync");
        const qsizetype added = sync(stack, cold);
        phase.report(QStringLiteral("%1 messages stored (server cache cold)").arg(added));
    }
    // Dovecot settles which fields its own cache keeps over the first FETCHes of a mailbox and
    // rewrites that cache on the way; one untimed pass lets it finish before the warm runs.
    (void)runOpensslFetch(stack, "server warm-up (s_client)", syncFetch);

    // Warm runs alternate with the raw transfer, so both see the same server state.
    std::vector<double> warmTimes;
    std::vector<double> rawTimes;
    Setup warm[3];
    for (int run = 0; run < 3; ++run) {
        if (!makeAccount(stack, &warm[run])) {
            return 1;
        }
        const QByteArray name = "warm full header sync " + QByteArray::number(run + 1);
        const Phase phase(name.constData());
        const qsizetype added = sync(stack, warm[run]);
        phase.report(QStringLiteral("%1 messages stored (server cache warm)").arg(added));
        warmTimes.push_back(phase.wallSeconds());
        rawTimes.push_back(runOpensslFetch(stack, "openssl s_client, sync's items", syncFetch));
    }
    std::printf("median warm sync %.2f s, median s_client %.2f s: ratio %.2f (target <= 1.5)\n",
                median(warmTimes), median(rawTimes), median(warmTimes) / median(rawTimes));

    // Nothing changed, so STATUS answers without a SELECT; three runs show the spread.
    for (const char* name : {"no-change resync 1", "no-change resync 2", "no-change resync 3"}) {
        const Phase phase(name);
        bool unchanged = false;
        const qsizetype added = sync(stack, warm[2], &unchanged);
        phase.report(QStringLiteral("%1 new (%2)")
                         .arg(added)
                         .arg(unchanged ? QStringLiteral("STATUS showed no change")
                                        : QStringLiteral("QRESYNC")));
    }
    {
        const Phase phase("cache list load");
        MessageCache cache;
        if (!cache.open(warm[2].profile.cacheFile(warm[2].account.id))) {
            return 1;
        }
        const qsizetype loaded = cache.summaries(kInbox).size();
        phase.report(QStringLiteral("%1 messages read").arg(loaded));
    }
    (void)runOpensslFetch(stack, "openssl s_client UID FETCH",
                          "b EXAMINE INBOX\r\nc UID FETCH 1:* " + kFetchItems + "\r\n");
    runImaplibFetch(stack);
    stack.stop();
    return 0;
}
