// SPDX-License-Identifier: GPL-3.0-or-later
// `probe imap|submission HOST[:PORT]`: connects without credentials through the same secure
// channel the engines use, and reports how TLS was reached, what was negotiated, the
// certificate verdict and chain, and the latches the server would earn (DEEP 3.2).
//
// --json prints one object (stable; keys are only ever added) — also when no attempt secured a
// connection, since the attempts are the probe's finding; the error line then goes to standard
// error as usual:
// {
//   "service": "imap" | "submission",
//   "host": "HOST as given",
//   "tlsMode": "auto" | "implicit" | "starttls",
//   "result": "secured" | "security-refusal" | "failed",
//   "attempts": [                       // in the order tried; auto: implicit TLS, then STARTTLS
//     { "transport": "implicit-tls" | "starttls", "port": 993,
//       "outcome": "secured" | "network" | "timeout" | "tls" | "starttls-refused"
//                  | "plaintext-injection" | "cleartext-refused" | "protocol",
//       "message": "why it failed (empty when secured)",
//       "startTlsAdvertised": true | false }        // STARTTLS attempts only
//   ],
//   "observation": null | {             // the secured attempt's TLS session
//     "transport", "protocol" ("TLSv1.3"), "cipherSuite" (IANA), "cipherOpenSsl", "keyBits",
//     "forwardSecrecy", "cipherUsesMd5", "cipherUsesRc4", "certificateVerified",
//     "verificationErrors": [...], "observedAt" (ISO 8601 UTC),
//     "certificate": null | <leaf, as in chain>,
//     "chain": [ { "subject", "issuer", "notBefore", "notAfter", "sha256" } ]  // leaf first
//   },
//   "earnedLatches": [ "tls10", … ]     // canonical order; empty unless secured
// }
// Exit status: 0 secured; 2 usage; 3 STARTTLS missing or refused, or another security refusal;
// 5 network, TLS or protocol failure.
#include "app/cli/accountformat.h"
#include "app/cli/commands.h"

#include "core/connectionlog.h"
#include "core/securechannel.h"
#include "core/starttlspreamble.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>
#include <QSslCertificate>

namespace Latchmail::Cli {

namespace {

const QString kUsage = QStringLiteral(
    "usage: latchmail-cli probe imap|submission HOST[:PORT] [--tls auto|implicit|starttls]\n"
    "                     [--ca-file PEM] [--json]\n"
    "\n"
    "Connects to the server without credentials and reports whether implicit TLS or STARTTLS\n"
    "was used, the TLS version, the IANA cipher suite, key bits, forward secrecy, the\n"
    "certificate verdict and chain, and the security latches the server would earn.\n"
    "\n"
    "  --tls MODE      auto (default): implicit TLS first, then STARTTLS; or only one of them\n"
    "  --ca-file PEM   also trust the CA certificates in this PEM file\n"
    "\n"
    "Default ports: imap 993 (implicit TLS) and 143 (STARTTLS); submission 465 and 587.\n"
    "Exit status: 0 secured, 2 usage error, 3 STARTTLS missing or refused (a security\n"
    "refusal), 5 network, TLS or protocol failure.\n");

constexpr int kAttemptTimeoutMs = 30000;

struct Endpoint
{
    QString host;
    quint16 port = 0; // 0: the mode's default
};

struct Attempt
{
    TransportSecurity transport = TransportSecurity::ImplicitTls;
    quint16 port = 0;
    QString outcome;
    QString message;
    bool securityRefusal = false;
    bool startTlsAdvertised = false;
    TlsObservation observation;
    LatchSet earned;

    [[nodiscard]] bool secured() const { return outcome == QLatin1String("secured"); }
};

QString errorKindName(ChannelError::Kind kind)
{
    switch (kind) {
    case ChannelError::Kind::Network:
        return QStringLiteral("network");
    case ChannelError::Kind::Timeout:
        return QStringLiteral("timeout");
    case ChannelError::Kind::Tls:
        return QStringLiteral("tls");
    case ChannelError::Kind::StartTlsRefused:
        return QStringLiteral("starttls-refused");
    case ChannelError::Kind::PlaintextInjection:
        return QStringLiteral("plaintext-injection");
    case ChannelError::Kind::CleartextRefused:
        return QStringLiteral("cleartext-refused");
    case ChannelError::Kind::Protocol:
        return QStringLiteral("protocol");
    }
    return QStringLiteral("network");
}

// HOST, HOST:PORT, [IPv6] or [IPv6]:PORT; a bare IPv6 literal has no port.
std::optional<Endpoint> parseEndpoint(const QString& text, QString* error)
{
    Endpoint endpoint;
    QString portText;
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        const QString rest = close < 0 ? QString() : text.mid(close + 1);
        if (close < 0 || (!rest.isEmpty() && !rest.startsWith(QLatin1Char(':')))) {
            *error = QStringLiteral("invalid server address '%1'").arg(text);
            return std::nullopt;
        }
        endpoint.host = text.mid(1, close - 1);
        portText = rest.mid(1);
        if (rest == QLatin1String(":")) {
            portText = QStringLiteral("-");
        }
    } else if (text.count(QLatin1Char(':')) == 1) {
        endpoint.host = text.section(QLatin1Char(':'), 0, 0);
        portText = text.section(QLatin1Char(':'), 1);
        if (portText.isEmpty()) {
            portText = QStringLiteral("-");
        }
    } else {
        endpoint.host = text;
    }

    if (endpoint.host.isEmpty() || endpoint.host.contains(QLatin1Char(' '))) {
        *error = QStringLiteral("invalid server address '%1'").arg(text);
        return std::nullopt;
    }
    if (!portText.isEmpty()) {
        bool ok = false;
        const uint port = portText.toUInt(&ok);
        if (!ok || port == 0 || port > 65535) {
            *error = QStringLiteral("invalid port '%1' (1 to 65535)").arg(portText);
            return std::nullopt;
        }
        endpoint.port = quint16(port);
    }
    return endpoint;
}

Attempt runAttempt(const ChannelOptions& options, TransportSecurity transport)
{
    Attempt attempt;
    attempt.transport = transport;
    attempt.port = options.port;

    SecureChannel channel(options);
    StartTlsPreamble preamble(startTlsDialectFor(options.service), &channel);
    QEventLoop loop;
    bool done = false;
    const auto finish = [&](const QString& outcome, const QString& message, bool refusal) {
        if (done) {
            return;
        }
        done = true;
        attempt.outcome = outcome;
        attempt.message = message;
        attempt.securityRefusal = refusal;
        loop.quit();
    };
    const auto fail = [&](const ChannelError& error) {
        finish(errorKindName(error.kind), error.message, error.isSecurityRefusal());
    };

    QObject::connect(&channel, &SecureChannel::secured, &loop, [&](const TlsObservation& seen) {
        attempt.observation = seen;
        attempt.earned = channel.earnedLatches();
        finish(QStringLiteral("secured"), QString(), false);
    });
    QObject::connect(&channel, &SecureChannel::failed, &loop, fail);
    QObject::connect(&preamble, &StartTlsPreamble::failed, &loop, fail);
    QObject::connect(&channel, &SecureChannel::latchViolated, &loop, [&](const LatchFailure& f) {
        finish(QStringLiteral("tls"), f.userMessage(), true);
    });
    QObject::connect(&channel, &SecureChannel::disconnected, &loop, [&] {
        finish(QStringLiteral("network"), QStringLiteral("the server closed the connection"),
               false);
    });

    if (transport == TransportSecurity::StartTls) {
        QObject::connect(&channel, &SecureChannel::plaintextConnected, &preamble,
                         &StartTlsPreamble::start);
        channel.connectPlaintext();
    } else {
        channel.connectImplicitTls();
    }
    if (!done) {
        loop.exec();
    }

    attempt.startTlsAdvertised = preamble.startTlsAdvertised();
    channel.close(); // nothing but the TLS close_notify follows the handshake
    return attempt;
}

QList<std::pair<TransportSecurity, quint16>> plannedAttempts(Service service, TlsMode mode,
                                                             quint16 port)
{
    const auto implicitTls = std::pair{TransportSecurity::ImplicitTls,
                                       port ? port : defaultPort(service, TlsMode::Implicit)};
    const auto startTls = std::pair{TransportSecurity::StartTls,
                                    port ? port : defaultPort(service, TlsMode::StartTls)};
    switch (mode) {
    case TlsMode::Implicit:
        return {implicitTls};
    case TlsMode::StartTls:
        return {startTls};
    case TlsMode::Auto:
        break;
    }
    return {implicitTls, startTls};
}

QString transportText(TransportSecurity transport)
{
    return transport == TransportSecurity::StartTls ? QStringLiteral("STARTTLS")
                                                    : QStringLiteral("implicit TLS");
}

void printObservation(QTextStream& out, const Attempt& attempt)
{
    const TlsObservation& observation = attempt.observation;
    out << QStringLiteral("Connection:       ") << transportText(attempt.transport)
        << QStringLiteral(", port ") << attempt.port << '\n';
    out << QStringLiteral("Protocol:         ") << tlsVersionName(observation.protocol) << '\n';
    out << QStringLiteral("Cipher suite:     ") << observation.cipherIana
        << QStringLiteral(" (OpenSSL: ") << observation.cipherOpenSsl << QStringLiteral(")\n");
    out << QStringLiteral("Key bits:         ") << observation.keyBits << '\n';
    out << QStringLiteral("Forward secrecy:  ")
        << (observation.forwardSecrecy ? QStringLiteral("yes") : QStringLiteral("no")) << '\n';
    out << QStringLiteral("Certificate:      ") << certificateVerdict(observation) << '\n';
    out << QStringLiteral("Certificate chain (leaf first):\n");
    for (qsizetype i = 0; i < observation.chain.size(); ++i) {
        const CertificateInfo& certificate = observation.chain.at(i);
        out << QStringLiteral("  ") << i << QStringLiteral(": subject  ") << certificate.subject
            << '\n';
        out << QStringLiteral("     issuer   ") << certificate.issuer << '\n';
        out << QStringLiteral("     expires  ") << textTime(certificate.notAfter) << '\n';
        out << QStringLiteral("     SHA-256  ") << certificate.sha256 << '\n';
    }
    out << QStringLiteral("Latches this server would earn: ") << attempt.earned.toString() << '\n';
}

QString isoTime(const QDateTime& time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODate) : QString();
}

QJsonObject certificateJson(const CertificateInfo& certificate)
{
    return QJsonObject{
        {QStringLiteral("subject"), certificate.subject},
        {QStringLiteral("issuer"), certificate.issuer},
        {QStringLiteral("notBefore"), isoTime(certificate.notBefore)},
        {QStringLiteral("notAfter"), isoTime(certificate.notAfter)},
        {QStringLiteral("sha256"), certificate.sha256},
    };
}

QJsonObject observationJson(const TlsObservation& observation)
{
    QJsonArray chain;
    for (const CertificateInfo& certificate : observation.chain) {
        chain.append(certificateJson(certificate));
    }
    return QJsonObject{
        {QStringLiteral("transport"), transportSecurityName(observation.transport)},
        {QStringLiteral("protocol"), tlsVersionName(observation.protocol)},
        {QStringLiteral("cipherSuite"), observation.cipherIana},
        {QStringLiteral("cipherOpenSsl"), observation.cipherOpenSsl},
        {QStringLiteral("keyBits"), observation.keyBits},
        {QStringLiteral("forwardSecrecy"), observation.forwardSecrecy},
        {QStringLiteral("cipherUsesMd5"), observation.cipherUsesMd5},
        {QStringLiteral("cipherUsesRc4"), observation.cipherUsesRc4},
        {QStringLiteral("certificateVerified"), observation.certificateVerified},
        {QStringLiteral("verificationErrors"),
         QJsonArray::fromStringList(observation.verificationErrors)},
        {QStringLiteral("observedAt"), isoTime(observation.observedAt)},
        {QStringLiteral("certificate"),
         chain.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(chain.first())},
        {QStringLiteral("chain"), chain},
    };
}

QJsonObject attemptJson(const Attempt& attempt)
{
    QJsonObject json{
        {QStringLiteral("transport"), transportSecurityName(attempt.transport)},
        {QStringLiteral("port"), int(attempt.port)},
        {QStringLiteral("outcome"), attempt.outcome},
        {QStringLiteral("message"), attempt.message},
    };
    if (attempt.transport == TransportSecurity::StartTls) {
        json.insert(QStringLiteral("startTlsAdvertised"), attempt.startTlsAdvertised);
    }
    return json;
}

struct ProbeRequest
{
    Service service = Service::MessageAccess;
    TlsMode mode = TlsMode::Auto;
    Endpoint endpoint;
    QString caFile;
};

std::optional<int> parseRequest(Context& context, ProbeRequest* request)
{
    QCommandLineParser parser;
    const QCommandLineOption tls(QStringLiteral("tls"), QStringLiteral("TLS mode."),
                                 QStringLiteral("MODE"), QStringLiteral("auto"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"), QStringLiteral("Extra CAs."),
                                    QStringLiteral("PEM"));
    parser.addOptions({tls, caFile});
    const QStringList names{QStringLiteral("SERVICE"), QStringLiteral("HOST[:PORT]")};
    if (const auto stop = parseCommandLine(context, parser, kUsage, names)) {
        return stop;
    }

    const QStringList positional = parser.positionalArguments();
    if (!serviceFromName(positional.at(0), &request->service)) {
        return context.usageError(
            QStringLiteral("unknown service '%1' (imap or submission)").arg(positional.at(0)),
            kUsage);
    }
    if (!tlsModeFromName(parser.value(tls), &request->mode)) {
        return context.usageError(
            QStringLiteral("unknown TLS mode '%1' (auto, implicit or starttls)")
                .arg(parser.value(tls)),
            kUsage);
    }
    QString error;
    const std::optional<Endpoint> endpoint = parseEndpoint(positional.at(1), &error);
    if (!endpoint) {
        return context.usageError(error, kUsage);
    }
    request->endpoint = *endpoint;

    request->caFile = parser.value(caFile);
    if (parser.isSet(caFile) &&
        QSslCertificate::fromPath(request->caFile, QSsl::Pem,
                                  QSslCertificate::PatternSyntax::FixedString)
            .isEmpty()) {
        return context.usageError(
            QStringLiteral("cannot read a PEM certificate from the CA file '%1'")
                .arg(request->caFile),
            kUsage);
    }
    return std::nullopt;
}

int exitStatus(const QList<Attempt>& attempts)
{
    bool refused = false;
    for (const Attempt& attempt : attempts) {
        if (attempt.secured()) {
            return ExitOk;
        }
        refused = refused || attempt.securityRefusal;
    }
    return refused ? ExitSecurityRefusal : ExitNetwork;
}

void report(Context& context, const ProbeRequest& request, const QList<Attempt>& attempts,
            int status)
{
    const Attempt* secured =
        attempts.isEmpty() || !attempts.last().secured() ? nullptr : &attempts.last();
    if (context.json) {
        QJsonArray tried;
        for (const Attempt& attempt : attempts) {
            tried.append(attemptJson(attempt));
        }
        const QString result = status == ExitOk                ? QStringLiteral("secured")
                               : status == ExitSecurityRefusal ? QStringLiteral("security-refusal")
                                                               : QStringLiteral("failed");
        context.printJson(QJsonObject{
            {QStringLiteral("service"), serviceName(request.service)},
            {QStringLiteral("host"), request.endpoint.host},
            {QStringLiteral("tlsMode"), tlsModeName(request.mode)},
            {QStringLiteral("result"), result},
            {QStringLiteral("attempts"), tried},
            {QStringLiteral("observation"), secured
                                                ? QJsonValue(observationJson(secured->observation))
                                                : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("earnedLatches"),
             QJsonArray::fromStringList(secured ? secured->earned.toList() : QStringList())},
        });
        return;
    }

    for (const Attempt& attempt : attempts) {
        context.out << transportText(attempt.transport) << QStringLiteral(" on port ")
                    << attempt.port << QStringLiteral(": ")
                    << (attempt.secured() ? QStringLiteral("secured") : attempt.message) << '\n';
    }
    if (secured) {
        context.out << '\n';
        printObservation(context.out, *secured);
    }
    context.out.flush();
}

} // namespace

int runProbe(Context& context)
{
    ProbeRequest request;
    if (const auto stop = parseRequest(context, &request)) {
        return *stop;
    }

    QList<Attempt> attempts;
    for (const auto& [transport, port] :
         plannedAttempts(request.service, request.mode, request.endpoint.port)) {
        ChannelOptions options;
        options.service = request.service;
        options.host = request.endpoint.host;
        options.port = port;
        options.extraCaFile = request.caFile;
        options.timeoutMs = kAttemptTimeoutMs;
        attempts.append(runAttempt(options, transport));
        if (attempts.last().secured()) {
            break;
        }
    }

    const int status = exitStatus(attempts);
    report(context, request, attempts, status);
    if (status != ExitOk) {
        return context.fail(status, QStringLiteral("no TLS connection to the %1 server %2: %3")
                                        .arg(serviceName(request.service), request.endpoint.host,
                                             attempts.last().message));
    }
    return ExitOk;
}

} // namespace Latchmail::Cli
