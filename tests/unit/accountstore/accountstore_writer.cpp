// SPDX-License-Identifier: GPL-3.0-or-later
// Crash-test helper: saves the same account forever, alternating between two versions, until it
// is killed. Prints "ready" once the first save is on disk.
#include "accountfixtures.h"
#include "core/accountstore.h"

#include <cstdio>

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s ACCOUNTS-DIRECTORY\n", argv[0]);
        return 2;
    }

    const Latchmail::AccountStore store(QString::fromLocal8Bit(argv[1]));
    const Latchmail::Account versions[] = {Latchmail::Fixtures::crashAccount(false),
                                           Latchmail::Fixtures::crashAccount(true)};
    for (unsigned long round = 0;; ++round) {
        if (const auto error = store.save(versions[round % 2])) {
            std::fprintf(stderr, "%s\n", qPrintable(error->message));
            return 1;
        }
        if (round == 0) {
            std::puts("ready");
            std::fflush(stdout);
        }
    }
}
