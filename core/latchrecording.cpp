// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/latchrecording.h"

#include "core/accountstore.h"
#include "core/logging.h"

namespace Latchmail {

namespace {

// The account file as it is now, or nothing with the reason logged.
std::optional<Account> reload(const AccountStore& store, const QString& id, const char* what)
{
    AccountLoadResult loaded = store.load(id);
    if (!loaded.account) {
        qCWarning(lcCore).noquote() << QStringLiteral("cannot record the %1 of %2: %3")
                                           .arg(QLatin1StringView(what), id,
                                                loaded.error ? loaded.error->message : QString());
        return std::nullopt;
    }
    return std::move(*loaded.account);
}

std::optional<Account> save(const AccountStore& store, Account account, const char* what)
{
    if (const std::optional<AccountStoreError> error = store.save(account)) {
        qCWarning(lcCore).noquote()
            << QStringLiteral("cannot record the %1 of %2: %3")
                   .arg(QLatin1StringView(what), account.id, error->message);
        return std::nullopt;
    }
    return account;
}

} // namespace

std::optional<Account> recordEarnedLatches(const Profile& profile, const Account& account,
                                           Service service, const LatchSet& earned,
                                           const TlsObservation& observation)
{
    const AccountStore store(profile.accountsDirectory());
    std::optional<Account> current = reload(store, account.id, "earned latches");
    if (!current || current->settings(service).host != account.settings(service).host) {
        return std::nullopt;
    }

    LatchRecord& record = current->latchRecordRef(service);
    record.addLatches(earned, QDateTime::currentDateTimeUtc());
    record.lastObservation = observation;
    record.hasObservation = true;
    return save(store, std::move(*current), "earned latches");
}

std::optional<Account> recordLatchFailure(const Profile& profile, const Account& account,
                                          Service service, const LatchFailure& failure)
{
    const AccountStore store(profile.accountsDirectory());
    std::optional<Account> current = reload(store, account.id, "latch failure");
    if (!current) {
        return std::nullopt;
    }

    const TlsObservation& seen = failure.observation;
    LatchFailureRecord entry;
    entry.at = QDateTime::currentDateTimeUtc();
    entry.failed = failure.failed;
    entry.detail = seen.isEncrypted()
                       ? tlsVersionName(seen.protocol) + QLatin1Char(' ') + seen.cipherIana
                       : QStringLiteral("handshake refused");
    current->latchRecordRef(service).addFailure(entry);
    return save(store, std::move(*current), "latch failure");
}

} // namespace Latchmail
