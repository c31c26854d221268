// SPDX-License-Identifier: GPL-3.0-or-later
// Submission of a message with a 10 MB attachment to the local Postfix (tests/support
// MailStack, STARTTLS + AUTH), Latchmail side by side with curl sending the very same bytes:
//   curl --ssl-reqd --mail-from … --mail-rcpt … --upload-file MESSAGE smtp://…
// Each sender runs as its own process (Latchmail: this program in sender mode, sending the
// message already composed in its outbox); wall time and peak RSS (wait4 ru_maxrss) are
// printed per run, then the medians. Also prints the composition time of the message and the
// peak RSS of a 20 MB attachment, to show memory does not grow with the attachment beyond a
// small multiple of its size. curl runs twice: trusting only the stack's CA (--cacert CA), and
// with the trust of the Latchmail account, the system CA bundle plus the stack's CA, which
// makes it load the whole bundle as Latchmail does. Prints figures only; asserts nothing.
//   bench_submit [RUNS]       (default 5; needs root for the mail stack, and curl)
#include "core/accountstore.h"
#include "core/profile.h"
#include "submission/submissionservice.h"
#include "tests/support/mailstack.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace Latchmail;
using namespace Latchmail::Test;

namespace {

struct Measurement
{
    double seconds = 0;
    double cpuSeconds = 0;
    long peakRssKb = 0;
    int status = -1;
};

// fork/exec so that wait4 reports this child's own peak RSS. `input` goes to its stdin.
Measurement measureProcess(const QStringList& command, const QByteArray& input)
{
    int pipeFds[2];
    if (::pipe(pipeFds) != 0) {
        return {};
    }
    std::vector<QByteArray> storage;
    for (const QString& argument : command) {
        storage.push_back(argument.toLocal8Bit());
    }
    std::vector<char*> argv;
    for (QByteArray& argument : storage) {
        argv.push_back(argument.data());
    }
    argv.push_back(nullptr);

    QElapsedTimer timer;
    timer.start();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(pipeFds[0], STDIN_FILENO);
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(pipeFds[0]);
    if (!input.isEmpty() && ::write(pipeFds[1], input.constData(), size_t(input.size())) < 0) {
        std::perror("write");
    }
    ::close(pipeFds[1]);

    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    Measurement measurement;
    measurement.seconds = double(timer.nsecsElapsed()) / 1e9;
    measurement.cpuSeconds = double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                             double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    measurement.peakRssKb = usage.ru_maxrss;
    measurement.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return measurement;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

// Sender mode: send everything in the outbox of PROFILE's account "alice", no Sent copy.
int runSender(const QString& profileRoot)
{
    char line[256] = {};
    const QString secret =
        std::fgets(line, sizeof line, stdin) ? QString::fromUtf8(line).trimmed() : QString();
    const Profile profile = Profile::resolve(profileRoot);
    const AccountLoadResult loaded =
        AccountStore(profile.accountsDirectory()).load(QStringLiteral("alice"));
    if (!loaded.account) {
        return 2;
    }
    SubmissionOptions options;
    options.copyToSent = false;
    SubmissionService service(
        *loaded.account, profile,
        [secret](Service, QString*) { return std::optional<QString>(secret); }, options);
    QString error;
    if (!service.open(&error)) {
        return 2;
    }
    QSignalSpy spy(&service, &SubmissionService::finished);
    service.run();
    if (spy.isEmpty() && !spy.wait(300000)) {
        return 3;
    }
    const SubmissionReport report = spy.first().first().value<SubmissionReport>();
    return report.items.size() == 1 &&
                   report.items.first().outcome == SubmissionItem::Outcome::Sent
               ? 0
               : 1;
}

Account benchAccount(const MailStack& stack)
{
    Account account;
    account.id = QStringLiteral("alice");
    account.address = QStringLiteral("alice@example.test");
    account.imap.host = QStringLiteral("127.0.0.1");
    account.submission.host = QStringLiteral("127.0.0.1");
    account.submission.port = stack.ports().submission;
    account.submission.tlsMode = TlsMode::StartTls;
    account.submission.userName = QStringLiteral("alice");
    account.submission.extraCaFile = stack.caFile();
    account.requestSuccessDsn = false;
    return account;
}

// Queues a message with an attachment of `attachmentBytes` random bytes into a new profile;
// returns the message file (what both senders send) and prints the composition time.
QString queueMessage(const QString& root, const Account& account, qint64 attachmentBytes)
{
    const Profile profile = Profile::resolve(root);
    if (AccountStore(profile.accountsDirectory()).save(account)) {
        return {};
    }
    const QString attachment = root + QStringLiteral("/attachment.bin");
    QFile file(attachment);
    if (!file.open(QIODevice::WriteOnly)) {
        return {};
    }
    QByteArray chunk(1024 * 1024, Qt::Uninitialized);
    for (qint64 written = 0; written < attachmentBytes; written += chunk.size()) {
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32*>(chunk.data()),
                                              chunk.size() / 4);
        file.write(chunk.left(qMin<qint64>(chunk.size(), attachmentBytes - written)));
    }
    file.close();

    SubmissionService service(account, profile, {});
    QString error;
    if (!service.open(&error)) {
        return {};
    }
    MimeDraft draft;
    draft.from = MimeAddress{QString(), account.address};
    draft.to = {MimeAddress{QString(), QStringLiteral("bob@example.test")}};
    draft.subject = QStringLiteral("Benchmark");
    draft.body = QStringLiteral("A large attachment follows.\n");
    draft.attachments = {MimeDraftAttachment{attachment, {}, {}, {}}};
    QElapsedTimer timer;
    timer.start();
    const std::optional<OutboxEntry> queued = service.queue(draft, &error);
    if (!queued) {
        std::fprintf(stderr, "queue: %s\n", qPrintable(error));
        return {};
    }
    std::printf("  composed %.1f MB message in %.3f s\n", double(queued->size) / 1048576.0,
                double(timer.nsecsElapsed()) / 1e9);
    return service.outbox().messageFilePath(queued->id);
}

int runBenchmark(int runs)
{
    MailStack::Options options;
    options.postfix = true;
    MailStack stack(options);
    if (!stack.start()) {
        std::fprintf(stderr, "mail stack: %s\n", qPrintable(stack.errorString()));
        return 1;
    }
    const MailUser alice = stack.user(QStringLiteral("alice"));
    const Account account = benchAccount(stack);
    const QString self = QCoreApplication::applicationFilePath();
    QTemporaryDir work;

    // curl reads the credentials from a netrc file, never from its command line.
    const QString netrc = work.filePath(QStringLiteral("netrc"));
    QFile netrcFile(netrc);
    if (!netrcFile.open(QIODevice::WriteOnly)) {
        return 1;
    }
    netrcFile.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    netrcFile.write("machine 127.0.0.1 login alice password " + alice.password.toUtf8() + '\n');
    netrcFile.close();

    // The Latchmail account's trust for curl: the system bundle and the stack's CA.
    const QString accountTrust = work.filePath(QStringLiteral("system-and-stack-ca.pem"));
    QFile system(QStringLiteral("/etc/ssl/certs/ca-certificates.crt"));
    QFile stackCa(stack.caFile());
    QFile combined(accountTrust);
    if (!system.open(QIODevice::ReadOnly) || !stackCa.open(QIODevice::ReadOnly) ||
        !combined.open(QIODevice::WriteOnly)) {
        std::fprintf(stderr, "cannot write the combined CA file\n");
        return 1;
    }
    combined.write(system.readAll() + '\n' + stackCa.readAll());
    combined.close();

    for (const qint64 megabytes : {10, 20}) {
        std::printf("Attachment %lld MB, %d runs each:\n", qlonglong(megabytes), runs);
        std::vector<double> latchmailTimes;
        std::vector<double> curlTimes;
        std::vector<double> curlAccountTrustTimes;
        long latchmailRss = 0;
        long curlRss = 0;
        for (int run = 0; run < runs; ++run) {
            const QString root = work.filePath(QStringLiteral("p%1-%2").arg(megabytes).arg(run));
            const QString message = queueMessage(root, account, megabytes * 1024 * 1024);
            if (message.isEmpty()) {
                return 1;
            }
            // The same bytes for curl, in a file of its own: Latchmail removes the message from
            // its outbox once sent.
            const QString curlMessage = root + QStringLiteral("/curl-message.eml");
            if (!QFile::copy(message, curlMessage)) {
                return 1;
            }
            const QStringList curl{
                QStringLiteral("/usr/bin/curl"), QStringLiteral("--silent"),
                QStringLiteral("--show-error"), QStringLiteral("--ssl-reqd"),
                QStringLiteral("--cacert"), stack.caFile(), QStringLiteral("--netrc-file"), netrc,
                QStringLiteral("--mail-from"), account.address, QStringLiteral("--mail-rcpt"),
                QStringLiteral("bob@example.test"), QStringLiteral("--upload-file"), curlMessage,
                QStringLiteral("smtp://127.0.0.1:%1").arg(account.submission.port)};
            QStringList curlAccountTrust = curl;
            curlAccountTrust[curl.indexOf(stack.caFile())] = accountTrust;
            // Rotate which sender goes first, so none always meets a warmer Postfix.
            Measurement c;
            Measurement a;
            Measurement l;
            const QStringList sender{self, QStringLiteral("--sender"), root};
            const QByteArray password = alice.password.toUtf8() + '\n';
            if (run % 3 == 0) {
                c = measureProcess(curl, {});
                l = measureProcess(sender, password);
                a = measureProcess(curlAccountTrust, {});
            } else if (run % 3 == 1) {
                l = measureProcess(sender, password);
                a = measureProcess(curlAccountTrust, {});
                c = measureProcess(curl, {});
            } else {
                a = measureProcess(curlAccountTrust, {});
                c = measureProcess(curl, {});
                l = measureProcess(sender, password);
            }
            std::printf("  run %d: latchmail %.3f s (cpu %.3f s), %ld KB peak (exit %d) | curl "
                        "%.3f s (cpu %.3f s), %ld KB peak (exit %d) | curl, account's trust "
                        "%.3f s (exit %d)\n",
                        run + 1, l.seconds, l.cpuSeconds, l.peakRssKb, l.status, c.seconds,
                        c.cpuSeconds, c.peakRssKb, c.status, a.seconds, a.status);
            if (l.status != 0 || c.status != 0 || a.status != 0) {
                std::fprintf(stderr, "a sender failed (latchmail exit %d, curl exit %d and %d); "
                                     "no figures for a failed submission\n",
                             l.status, c.status, a.status);
                return 1;
            }
            curlAccountTrustTimes.push_back(a.seconds);
            latchmailTimes.push_back(l.seconds);
            curlTimes.push_back(c.seconds);
            latchmailRss = std::max(latchmailRss, l.peakRssKb);
            curlRss = std::max(curlRss, c.peakRssKb);
        }
        const double l = median(latchmailTimes);
        const double c = median(curlTimes);
        const double a = median(curlAccountTrustTimes);
        std::printf("  median wall time: latchmail %.3f s, curl %.3f s, ratio %.2f (target "
                    "<= 1.2); curl with the account's trust %.3f s, ratio %.2f\n",
                    l, c, c > 0 ? l / c : 0.0, a, a > 0 ? l / a : 0.0);
        std::printf("  peak RSS: latchmail %ld KB (%.2f x the attachment), curl %ld KB\n",
                    latchmailRss, double(latchmailRss) / double(megabytes * 1024), curlRss);
        std::fflush(stdout);
    }
    return 0;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() == 3 && arguments.at(1) == QLatin1String("--sender")) {
        return runSender(arguments.at(2));
    }
    const int runs = arguments.size() > 1 ? qMax(1, arguments.at(1).toInt()) : 5;
    return runBenchmark(runs);
}
