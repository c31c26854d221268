// SPDX-License-Identifier: GPL-3.0-or-later
// Passwords in the system keyring through QtKeychain. On Linux QtKeychain talks to the Secret
// Service over the D-Bus session bus; without a bus or a keyring daemon it fails, and this file
// turns that failure into a message the user can act on. Nothing is ever written elsewhere.
#include "core/secrets.h"

#include "core/logging.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QPointer>
#include <QTimer>

#include <qt6keychain/keychain.h>

#include <memory>
#include <optional>

namespace Latchmail {

namespace {

// A keyring may show an unlock prompt; give the user time, but never block forever.
constexpr int kSyncTimeoutMs = 120 * 1000;

QString entryKey(const QString& accountId, Service service)
{
    return accountId % u'/' % serviceName(service);
}

QString noKeyringMessage()
{
    return QStringLiteral("No system keyring is available (Secret Service over D-Bus). Latchmail "
                          "stores passwords only in the keyring; start a keyring daemon and try "
                          "again.");
}

// QtKeychain's error strings come from the keyring backend and never contain the secret.
SecretStore::Result resultFromJob(const QKeychain::Job& job, const QString& key)
{
    SecretStore::Result result;
    const QString detail = job.errorString();
    switch (job.error()) {
    case QKeychain::NoError:
        result.ok = true;
        break;
    case QKeychain::EntryNotFound:
        // Limitation: with a session bus but a locked or missing default collection, reads also
        // end here (QtKeychain 0.13 searches and finds nothing), so a locked keyring reads as "no
        // password stored" — QtKeychain reports no difference; writes do fail with noKeyring.
        result.notFound = true;
        result.error = QStringLiteral("No password is stored in the keyring for %1.").arg(key);
        break;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
        // On Linux every Secret Service failure (no session bus, no daemon, no default
        // collection) arrives as one of these.
        result.noKeyring = true;
        result.error = noKeyringMessage() % QStringLiteral(" (") % detail % u')';
        break;
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        result.error = QStringLiteral("The system keyring refused access to the password for %1; "
                                      "unlock the keyring and try again (%2).")
                           .arg(key, detail);
        break;
    case QKeychain::CouldNotDeleteEntry:
        result.error = QStringLiteral("The system keyring could not delete the password for %1 "
                                      "(%2).")
                           .arg(key, detail);
        break;
    }
    return result;
}

// Turns a finished job into a result for `done`; logs the entry key, never the secret.
void reportJob(QKeychain::Job* job, const QString& key, const char* operation,
               const SecretStore::Callback& done)
{
    SecretStore::Result result = resultFromJob(*job, key);
    const auto* read = qobject_cast<QKeychain::ReadPasswordJob*>(job);
    if (read && result.ok) {
        result.secret = read->textData();
    }

    if (result.ok) {
        qCDebug(lcSecrets) << operation << key << "succeeded";
    } else {
        qCDebug(lcSecrets) << operation << key << "failed:" << job->errorString();
    }
    done(result);
}

// Configures a job, reports its outcome to `done` and lets it delete itself.
void startJob(QKeychain::Job* job, const QString& key, const char* operation,
              const SecretStore::Callback& done)
{
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, job,
                     [key, operation, done](QKeychain::Job* finished) {
                         reportJob(finished, key, operation, done);
                     });
    qCDebug(lcSecrets) << operation << key << "started";
    job->start();
}

SecretStore::Result failure(const QString& message)
{
    SecretStore::Result result;
    result.error = message;
    return result;
}

// Runs one asynchronous operation to its end in a local event loop.
SecretStore::Result runSync(const std::function<void(const SecretStore::Callback&)>& start)
{
    if (!QCoreApplication::instance()) {
        return failure(QStringLiteral("The keyring needs a running application object."));
    }

    // Shared with the callback, which may still run after a timeout has ended the wait.
    auto state = std::make_shared<std::optional<SecretStore::Result>>();
    QEventLoop loop;
    QPointer<QEventLoop> guard(&loop);
    start([state, guard](const SecretStore::Result& result) {
        *state = result;
        if (guard) {
            guard->quit();
        }
    });
    if (!state->has_value()) {
        QTimer::singleShot(kSyncTimeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (state->has_value()) {
        return **state;
    }
    return failure(QStringLiteral("The system keyring did not answer within two minutes."));
}

} // namespace

SecretStore::SecretStore(QString serviceName)
    : m_serviceName(std::move(serviceName))
{
}

void SecretStore::readPassword(const QString& accountId, Service service, Callback done) const
{
    startJob(new QKeychain::ReadPasswordJob(m_serviceName), entryKey(accountId, service), "read",
             done);
}

void SecretStore::writePassword(const QString& accountId, Service service, const QString& password,
                                Callback done) const
{
    auto* job = new QKeychain::WritePasswordJob(m_serviceName);
    job->setTextData(password);
    startJob(job, entryKey(accountId, service), "write", done);
}

void SecretStore::deletePassword(const QString& accountId, Service service, Callback done) const
{
    startJob(new QKeychain::DeletePasswordJob(m_serviceName), entryKey(accountId, service),
             "delete", done);
}

SecretStore::Result SecretStore::readPasswordSync(const QString& accountId, Service service) const
{
    return runSync([&](const Callback& done) { readPassword(accountId, service, done); });
}

SecretStore::Result SecretStore::writePasswordSync(const QString& accountId, Service service,
                                                   const QString& password) const
{
    return runSync(
        [&](const Callback& done) { writePassword(accountId, service, password, done); });
}

SecretStore::Result SecretStore::deletePasswordSync(const QString& accountId, Service service) const
{
    return runSync([&](const Callback& done) { deletePassword(accountId, service, done); });
}

} // namespace Latchmail
