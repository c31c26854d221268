// SPDX-License-Identifier: GPL-3.0-or-later
#include "testcertificates.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

namespace Latchmail::Test {

namespace {

// Runs a script of tests/support/mailstack/ and returns its standard output, or sets *error.
QByteArray runScript(const QStringList& arguments, QString* error)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::SeparateChannels);
    process.start(QStringLiteral("bash"), arguments);
    if (!process.waitForFinished(120'000) || process.exitStatus() != QProcess::NormalExit ||
        process.exitCode() != 0) {
        *error = QStringLiteral("bash %1 failed (%2): %3")
                     .arg(arguments.join(QLatin1Char(' ')), process.errorString(),
                          QString::fromLocal8Bit(process.readAllStandardError()));
        process.kill();
        process.waitForFinished();
        return {};
    }
    return process.readAllStandardOutput();
}

QString computeTestRunRoot()
{
    QString runDir = qEnvironmentVariable("LATCHMAIL_TEST_RUN_DIR");
    if (runDir.isEmpty()) {
        runDir = QDir::tempPath() + QStringLiteral("/latchmail-test-run");
    }
    QString error;
    const QByteArray root =
        runScript({mailStackFile(QStringLiteral("mailstack.sh")), QStringLiteral("root"), runDir},
                  &error)
            .trimmed();
    if (root.isEmpty()) {
        qFatal("testRunRoot: %s", qPrintable(error));
    }
    return QString::fromLocal8Bit(root);
}

} // namespace

QString certVariantToken(CertVariant variant)
{
    switch (variant) {
    case CertVariant::CaSigned:
        return QStringLiteral("ca-signed");
    case CertVariant::SelfSigned:
        return QStringLiteral("self-signed");
    case CertVariant::Expired:
        return QStringLiteral("expired");
    case CertVariant::WrongHost:
        return QStringLiteral("wrong-host");
    }
    Q_UNREACHABLE();
}

QString testRunRoot()
{
    static const QString root = computeTestRunRoot();
    return root;
}

QString mailStackFile(const QString& name)
{
    return QStringLiteral(LATCHMAIL_SOURCE_DIR "/tests/support/mailstack/") + name;
}

TestCertificates::TestCertificates()
    : m_ownDirectory(
          std::make_unique<QTemporaryDir>(testRunRoot() + QStringLiteral("/certs-XXXXXX")))
    , m_directory(m_ownDirectory->path())
{
    if (!m_ownDirectory->isValid()) {
        m_error = QStringLiteral("cannot create a certificate directory: ") +
                  m_ownDirectory->errorString();
        return;
    }
    // Server processes that drop privileges read these files.
    QFile::setPermissions(m_directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                           QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                           QFile::ExeOther);
    runScript({mailStackFile(QStringLiteral("certs.sh")), m_directory}, &m_error);
}

TestCertificates::TestCertificates(const QString& directory)
    : m_directory(directory)
{
    if (!QFile::exists(dhParametersFile())) {
        m_error = QStringLiteral("no certificate set in ") + directory;
    }
}

TestCertificates::~TestCertificates() = default;

const TestCertificates& TestCertificates::shared()
{
    static const std::unique_ptr<TestCertificates> certificates = [] {
        // The fixture's setup step swaps this link atomically; resolve it once, so that a
        // parallel run's swap cannot change certificates under a running test.
        const QString current =
            QFileInfo(testRunRoot() + QStringLiteral("/certs-current")).canonicalFilePath();
        if (!current.isEmpty() && QFile::exists(current + QStringLiteral("/dh.pem"))) {
            return std::make_unique<TestCertificates>(current);
        }
        return std::make_unique<TestCertificates>();
    }();
    return *certificates;
}

QString TestCertificates::directory() const
{
    return m_directory;
}

QString TestCertificates::caFile() const
{
    return m_directory + QStringLiteral("/ca.pem");
}

QString TestCertificates::certificateFile(CertVariant variant) const
{
    return m_directory + QLatin1Char('/') + certVariantToken(variant) + QStringLiteral(".pem");
}

QString TestCertificates::keyFile(CertVariant variant) const
{
    return m_directory + QLatin1Char('/') + certVariantToken(variant) + QStringLiteral(".key");
}

QString TestCertificates::dhParametersFile() const
{
    return m_directory + QStringLiteral("/dh.pem");
}

QList<QSslCertificate> TestCertificates::caCertificates() const
{
    return QSslCertificate::fromPath(caFile());
}

QSslCertificate TestCertificates::certificate(CertVariant variant) const
{
    return QSslCertificate::fromPath(certificateFile(variant)).value(0);
}

} // namespace Latchmail::Test
