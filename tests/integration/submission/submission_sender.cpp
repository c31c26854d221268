// SPDX-License-Identifier: GPL-3.0-or-later
// Sends everything in one account's outbox, as latchmail-cli would, and exits: the process
// tst_submission_crash kills with SIGKILL at random moments.
//   submission_sender PROFILE ACCOUNT   (the password on the first line of standard input)
// Exit status 0 when the outbox is empty afterwards, 1 otherwise.
#include "core/accountstore.h"
#include "core/profile.h"
#include "submission/submissionservice.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

using namespace Latchmail;

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() != 3) {
        std::fputs("usage: submission_sender PROFILE ACCOUNT < password\n", stderr);
        return 2;
    }
    const QString password = QTextStream(stdin).readLine();
    const Profile profile = Profile::resolve(arguments.at(1));
    const AccountLoadResult loaded =
        AccountStore(profile.accountsDirectory()).load(arguments.at(2));
    if (!loaded.account) {
        std::fprintf(stderr, "%s\n", qPrintable(loaded.error ? loaded.error->message : QString()));
        return 2;
    }

    SubmissionOptions options;
    options.ignoreSchedule = true; // the test restarts the sender at once after each kill
    options.connectTimeoutMs = 20000;
    SubmissionService service(
        *loaded.account, profile,
        [password](Service, QString*) { return std::optional<QString>(password); }, options);
    QString error;
    if (!service.open(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    QObject::connect(&service, &SubmissionService::finished, &app,
                     [&](const SubmissionReport& report) {
                         for (const SubmissionItem& item : report.items) {
                             std::fprintf(stderr, "%s %s %s\n", qPrintable(item.id),
                                          qPrintable(submissionOutcomeName(item.outcome)),
                                          qPrintable(item.message));
                         }
                         if (!report.copyError.isEmpty()) {
                             std::fprintf(stderr, "copy: %s\n", qPrintable(report.copyError));
                         }
                         app.exit(service.outbox().list().entries.isEmpty() ? 0 : 1);
                     });
    QMetaObject::invokeMethod(&service, &SubmissionService::run, Qt::QueuedConnection);
    return app.exec();
}
