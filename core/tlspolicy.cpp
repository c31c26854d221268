// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/tlspolicy.h"

#include "core/ciphersuites.h"

#include <QSslCipher>

#include <algorithm>

namespace Latchmail {

namespace {

constexpr int MinimumKeyBits = 128;

// QSslCipher reports a TLS 1.3 suite's protocol as TlsV1_3.
bool isTls13Suite(const QSslCipher& cipher)
{
    return cipher.protocol() == QSsl::TlsV1_3 || cipher.protocol() == QSsl::TlsV1_3OrLater;
}

bool isAead(const QSslCipher& cipher)
{
    const QString method = cipher.encryptionMethod();
    return method.contains(QLatin1String("GCM")) || method.contains(QLatin1String("CCM")) ||
           method.contains(QLatin1String("POLY1305"));
}

// Suites a mail client can never complete: anonymous ones authenticate nobody, PSK and SRP ones
// need a shared secret Latchmail never has.
bool needsCredentialsOrIsAnonymous(const QSslCipher& cipher)
{
    const QString keyExchange = cipher.keyExchangeMethod();
    const QString authentication = cipher.authenticationMethod();
    return keyExchange.contains(QLatin1String("PSK")) ||
           keyExchange.contains(QLatin1String("SRP")) || authentication == QLatin1String("None") ||
           authentication == QLatin1String("PSK") || authentication == QLatin1String("SRP");
}

bool isOffered(const QSslCipher& cipher, const CipherFacts& facts, bool forwardSecrecyRequired)
{
    // RFC 7465 forbids RC4; MD5 and short keys fall short of every latch (DEEP 3.2), so none of
    // them is offered even before the corresponding latch is recorded.
    if (facts.keyBits < MinimumKeyBits || facts.usesMd5 || facts.usesRc4) {
        return false;
    }
    if (needsCredentialsOrIsAnonymous(cipher)) {
        return false;
    }
    return facts.forwardSecrecy || !forwardSecrecyRequired;
}

// Lower ranks first: TLS 1.3, then forward-secret AEAD, forward-secret CBC (ECDHE before DHE),
// then RSA key transport. This keeps TLS_DHE_RSA_WITH_AES_128_CBC_SHA ahead of
// TLS_RSA_WITH_AES_128_CBC_SHA, the order DEEP 5.2 asks servers for.
int preferenceRank(const QSslCipher& cipher, const CipherFacts& facts)
{
    if (isTls13Suite(cipher)) {
        return 0;
    }
    const bool ecdhe = cipher.keyExchangeMethod() == QLatin1String("ECDH");
    const int aeadBonus = isAead(cipher) ? 0 : 2;
    if (facts.forwardSecrecy) {
        return 1 + aeadBonus + (ecdhe ? 0 : 1);
    }
    return 5 + aeadBonus;
}

QList<QSslCipher> offeredCiphers(bool forwardSecrecyRequired)
{
    QList<std::pair<int, QSslCipher>> ranked;
    for (const QSslCipher& cipher : QSslConfiguration::supportedCiphers()) {
        const CipherFacts facts = cipherFacts(cipher);
        if (isOffered(cipher, facts, forwardSecrecyRequired)) {
            ranked.append({preferenceRank(cipher, facts), cipher});
        }
    }

    // Stable: within a rank OpenSSL's own order (stronger first) is kept.
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });

    QList<QSslCipher> ciphers;
    for (const auto& entry : ranked) {
        ciphers.append(entry.second);
    }
    return ciphers;
}

} // namespace

QSslConfiguration policyFor(const LatchSet& required, const QSslConfiguration& base)
{
    QSslConfiguration configuration = base;

    // DEEP 5.3 asks to stop offering 1.0/1.1 once a newer version is latched; Latchmail never
    // offers them at all (RFC 8996), so only `tls13` raises the floor further.
    configuration.setProtocol(required.contains(LatchToken::Tls13) ? QSsl::TlsV1_3OrLater
                                                                   : QSsl::TlsV1_2OrLater);

    // Limitation: setCiphers() narrows only the TLS <= 1.2 suites — the TLS 1.3 suites come from
    // OpenSSL's own list, which holds only forward-secret AEAD suites of 128 bits or more, so
    // every latch is still met.
    configuration.setCiphers(offeredCiphers(required.contains(LatchToken::TlsPfs)));
    return configuration;
}

} // namespace Latchmail
