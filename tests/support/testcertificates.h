// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QSslCertificate>
#include <QString>

#include <memory>

class QTemporaryDir;

namespace Latchmail::Test {

/// The server certificate variants every test run generates (tests/support/mailstack/certs.sh).
/// Every variant except SelfSigned is signed by the run's test CA.
enum class CertVariant {
    CaSigned,   ///< valid, for DNS:localhost and IP:127.0.0.1
    SelfSigned, ///< self-signed, for the same names
    Expired,    ///< for the same names, valid only in January 2020
    WrongHost,  ///< valid, for DNS:mail.example.net only
};

/// The token of a variant: its file stem in a certificate directory and the value of
/// mailstack.sh's --cert option ("ca-signed", "self-signed", "expired", "wrong-host").
QString certVariantToken(CertVariant variant);

/// The directory under which test servers keep their files: $LATCHMAIL_TEST_RUN_DIR (set by
/// CTest; a directory in /tmp otherwise), or a mirror of it in /tmp when one of its parents is
/// not world-traversable (Dovecot's and Postfix's unprivileged processes must traverse it).
QString testRunRoot();

/// The absolute path of a file in tests/support/mailstack/ of the source tree.
QString mailStackFile(const QString& name);

/// One set of certificates generated per run: a CA, the server variants above (RSA keys, so
/// RSA and DHE-RSA key exchange work) and the RFC 7919 ffdhe2048 group for DHE suites.
class TestCertificates
{
public:
    /// Generates a new set into a temporary directory under testRunRoot(), removed on
    /// destruction.
    TestCertificates();
    /// Uses the set certs.sh generated into `directory`.
    explicit TestCertificates(const QString& directory);
    ~TestCertificates();
    TestCertificates(const TestCertificates&) = delete;
    TestCertificates& operator=(const TestCertificates&) = delete;

    /// The set every launcher uses: the one the CTest fixture's setup step generated for this
    /// run (testRunRoot()/certs-current), or else one generated on first use by this process
    /// (generating takes about a second).
    static const TestCertificates& shared();

    bool isValid() const { return m_error.isEmpty(); }
    QString errorString() const { return m_error; }

    QString directory() const;
    QString caFile() const;
    QString certificateFile(CertVariant variant) const;
    QString keyFile(CertVariant variant) const;
    QString dhParametersFile() const;

    /// The test CA, for QSslConfiguration::setCaCertificates().
    QList<QSslCertificate> caCertificates() const;
    QSslCertificate certificate(CertVariant variant) const;

private:
    std::unique_ptr<QTemporaryDir> m_ownDirectory;
    QString m_directory;
    QString m_error;
};

} // namespace Latchmail::Test
