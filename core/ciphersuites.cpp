// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/ciphersuites.h"

#include <QHash>
#include <QSslCipher>

#include <openssl/obj_mac.h>
#include <openssl/ssl.h>

#include <memory>

namespace Latchmail {

namespace {

// What OpenSSL says about one suite.
struct SuiteEntry
{
    QString iana;
    int keyExchangeNid = NID_undef;
    int cipherNid = NID_undef;
    int digestNid = NID_undef;
};

struct SuiteTable
{
    QHash<QString, SuiteEntry> byOpenSslName;
    QHash<QString, QString> openSslByIana;
};

void addSuite(SuiteTable* table, const SSL_CIPHER* cipher)
{
    const char* name = SSL_CIPHER_get_name(cipher);
    const char* standardName = SSL_CIPHER_standard_name(cipher);
    if (!name || !standardName) {
        return;
    }

    SuiteEntry entry;
    entry.iana = QString::fromLatin1(standardName);
    entry.keyExchangeNid = SSL_CIPHER_get_kx_nid(cipher);
    entry.cipherNid = SSL_CIPHER_get_cipher_nid(cipher);
    entry.digestNid = SSL_CIPHER_get_digest_nid(cipher);

    const QString openSslName = QString::fromLatin1(name);
    table->openSslByIana.insert(entry.iana, openSslName);
    table->byOpenSslName.insert(openSslName, entry);
}

// Every suite this OpenSSL knows, including those disabled by default and the TLS 1.3 suites
// (SSL_get_ciphers lists both), read from a throwaway client context.
SuiteTable buildSuiteTable()
{
    SuiteTable table;
    const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(
        SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
    if (!context) {
        return table;
    }
    SSL_CTX_set_security_level(context.get(), 0);
    SSL_CTX_set_cipher_list(context.get(), "ALL:COMPLEMENTOFALL:@SECLEVEL=0");

    const std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), &SSL_free);
    if (!ssl) {
        return table;
    }

    const STACK_OF(SSL_CIPHER)* ciphers = SSL_get_ciphers(ssl.get());
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
        addSuite(&table, sk_SSL_CIPHER_value(ciphers, i));
    }
    return table;
}

const SuiteTable& suiteTable()
{
    // Built once; C++ guarantees thread-safe initialisation of a function-local static.
    static const SuiteTable table = buildSuiteTable();
    return table;
}

bool isForwardSecretKeyExchange(int nid)
{
    // NID_kx_any is the TLS 1.3 marker: every TLS 1.3 key exchange is ephemeral (RFC 8446 2).
    return nid == NID_kx_ecdhe || nid == NID_kx_dhe || nid == NID_kx_ecdhe_psk ||
           nid == NID_kx_dhe_psk || nid == NID_kx_any;
}

} // namespace

QString ianaCipherName(const QString& openSslName)
{
    return suiteTable().byOpenSslName.value(openSslName).iana;
}

QString openSslCipherName(const QString& ianaName)
{
    return suiteTable().openSslByIana.value(ianaName);
}

CipherFacts cipherFacts(const QString& openSslName, int usedBits)
{
    CipherFacts facts;
    facts.openSsl = openSslName;
    facts.keyBits = usedBits;

    const auto entry = suiteTable().byOpenSslName.constFind(openSslName);
    const bool known = entry != suiteTable().byOpenSslName.constEnd();
    if (known) {
        facts.iana = entry->iana;
        facts.forwardSecrecy = isForwardSecretKeyExchange(entry->keyExchangeNid);
    }

    // The name is checked too, so a suite missing from the table is still caught.
    facts.usesMd5 = (known && entry->digestNid == NID_md5) ||
                    openSslName.contains(QLatin1String("MD5"), Qt::CaseInsensitive);
    facts.usesRc4 = (known && (entry->cipherNid == NID_rc4 || entry->cipherNid == NID_rc4_40)) ||
                    openSslName.contains(QLatin1String("RC4"), Qt::CaseInsensitive);
    return facts;
}

CipherFacts cipherFacts(const QSslCipher& cipher)
{
    CipherFacts facts = cipherFacts(cipher.name(), cipher.usedBits());
    facts.usesRc4 = facts.usesRc4 ||
                    cipher.encryptionMethod().startsWith(QLatin1String("RC4"), Qt::CaseInsensitive);
    return facts;
}

} // namespace Latchmail
