// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/systemtrust.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <vector>

namespace Latchmail {

namespace {

using X509Pointer = std::unique_ptr<X509, decltype(&X509_free)>;

struct StackFree
{
    void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};

X509Pointer fromQt(const QSslCertificate& certificate)
{
    const QByteArray der = certificate.toDer();
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.constData());
    return X509Pointer(d2i_X509(nullptr, &cursor, long(der.size())), &X509_free);
}

} // namespace

bool systemStoreVerifiesChain(const QList<QSslCertificate>& chain)
{
    if (chain.isEmpty()) {
        return false;
    }
    std::vector<X509Pointer> certificates;
    for (const QSslCertificate& certificate : chain) {
        certificates.push_back(fromQt(certificate));
        if (!certificates.back()) {
            return false;
        }
    }

    const std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                        &X509_STORE_free);
    // The stack borrows the certificates `certificates` owns.
    const std::unique_ptr<STACK_OF(X509), StackFree> intermediates(sk_X509_new_null());
    const std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(
        X509_STORE_CTX_new(), &X509_STORE_CTX_free);
    if (!store || !intermediates || !context || X509_STORE_set_default_paths(store.get()) != 1) {
        return false;
    }
    for (std::size_t i = 1; i < certificates.size(); ++i) {
        if (sk_X509_push(intermediates.get(), certificates[i].get()) <= 0) {
            return false;
        }
    }

    if (X509_STORE_CTX_init(context.get(), store.get(), certificates.front().get(),
                            intermediates.get()) != 1 ||
        X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_SERVER) != 1) {
        return false;
    }
    return X509_verify_cert(context.get()) == 1;
}

} // namespace Latchmail
