// SPDX-License-Identifier: GPL-3.0-or-later
// SecureChannel's diagnostic handshake (see DESIGN.md, "Security latches"): when the offer
// narrowed by the latches is refused, one more handshake with the unrestricted offer — after
// which nothing is sent — tells a server that fell below its latches from a broken one.
#include "core/securechannel.h"
#include "core/securechannel_p.h"

#include "core/latchrules.h"
#include "core/logging.h"
#include "core/starttlspreamble.h"

namespace Latchmail {

void SecureChannel::startDiagnosticHandshake(const QString& handshakeError)
{
    releaseSocket();
    d->timer.stop();
    d->handshakeError = handshakeError;
    qCInfo(lcTls).noquote() << "the TLS offer narrowed by the latches"
                            << m_options.required.toString() << "failed with" << endpoint() << '('
                            << handshakeError << "); asking once with the unrestricted offer";

    ChannelOptions options = m_options;
    options.required = LatchSet();
    options.allowCleartext = false;
    options.connectionLogFile.clear();
    auto* channel = new SecureChannel(options, this);
    channel->d->diagnostic = true;
    d->diagnosticChannel = channel;

    connect(channel, &SecureChannel::secured, this, &SecureChannel::handleDiagnosticResult);
    const auto noObservation = [this] { handleDiagnosticResult(TlsObservation()); };
    connect(channel, &SecureChannel::failed, this, noObservation);
    connect(channel, &SecureChannel::disconnected, this, noObservation);

    if (d->transport == TransportSecurity::StartTls) {
        auto* preamble =
            new StartTlsPreamble(startTlsDialectFor(m_options.service), channel, channel);
        connect(channel, &SecureChannel::plaintextConnected, preamble, &StartTlsPreamble::start);
        connect(preamble, &StartTlsPreamble::failed, this, noObservation);
        channel->connectPlaintext();
    } else {
        channel->connectImplicitTls();
    }
}

void SecureChannel::handleDiagnosticResult(const TlsObservation& observation)
{
    if (!d->diagnosticChannel) {
        return;
    }
    d->diagnosticChannel->disconnect(this);
    d->diagnosticChannel->deleteLater();
    d->diagnosticChannel = nullptr;

    const LatchSet failedLatches =
        observation.isEncrypted() ? violations(m_options.required, observation) : LatchSet();
    if (!failedLatches.isEmpty()) {
        m_observation = observation;
        finishWithLatchFailure(LatchFailure{m_options.service, m_options.host, m_options.port,
                                            m_options.required, failedLatches, observation, true});
        return;
    }
    // Limitation: a server now offering only TLS 1.0/1.1 also fails the unrestricted offer,
    // which never includes them, and is reported as a TLS failure — refused all the same.
    finishWithError(
        ChannelError::Kind::Tls,
        QStringLiteral("the TLS handshake with %1 failed: %2").arg(endpoint(), d->handshakeError));
}

} // namespace Latchmail
