// SPDX-License-Identifier: GPL-3.0-or-later
// A process that changes an outbox as fast as it can, forever: it queues messages, walks them
// through the states a submission goes through and removes them. tst_outbox kills it with
// SIGKILL at random moments and checks what it left behind.
//   outbox_writer DIR SIZE
#include "outboxfixtures.h"
#include "submission/outbox.h"

#include <QCoreApplication>
#include <QIODevice>
#include <QRandomGenerator>

#include <cstdio>

using namespace Latchmail;

namespace {

constexpr int kMaxEntries = 12;

bool step(Outbox& outbox, int size, QString* error)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const std::optional<OutboxEntry> queued = outbox.enqueue(
        [size](QIODevice* device, OutboxEntry* entry, QString*) {
            const QByteArray content = OutboxFixtures::messageContent(entry->id, size);
            entry->reversePath = QStringLiteral("alice@example.test");
            entry->recipients = {
                {QStringLiteral("bob@example.test"), RecipientStatus::Pending, {}}};
            entry->subject = entry->id;
            return device->write(content) == content.size();
        },
        now, error);
    if (!queued) {
        return false;
    }

    const OutboxListing listing = outbox.list();
    for (OutboxEntry entry : listing.entries) {
        switch (QRandomGenerator::global()->bounded(4)) {
        case 0:
            entry.state = OutboxState::Sending;
            entry.attempts += 1;
            break;
        case 1:
            entry.state = OutboxState::SentAwaitingCopy;
            entry.recipients.first().status = RecipientStatus::Accepted;
            entry.sentCopy.started = true;
            break;
        case 2:
            entry.state = OutboxState::Retrying;
            entry.lastError = QStringLiteral("the server said 451");
            break;
        default:
            break;
        }
        if (!outbox.save(entry, error)) {
            return false;
        }
    }
    if (listing.entries.size() > kMaxEntries) {
        return outbox.remove(listing.entries.first().id, error);
    }
    return true;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() != 3) {
        std::fputs("usage: outbox_writer DIR SIZE\n", stderr);
        return 2;
    }

    Outbox outbox(arguments.at(1));
    QString error;
    if (!outbox.lock(10000, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    outbox.recover(QDateTime::currentDateTimeUtc());
    std::fputs("ready\n", stdout);
    std::fflush(stdout);

    const int size = arguments.at(2).toInt();
    for (;;) {
        if (!step(outbox, size, &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
    }
}
