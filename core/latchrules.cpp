// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/latchrules.h"

namespace Latchmail {

namespace {

// DEEP 3.2: every latch requires "a strong encryption layer with a symmetric key of at least
// 128 bits".
constexpr int MinimumStrongKeyBits = 128;

// The version latches implied by the negotiated version; a version this build cannot name
// (TlsVersion::Unknown) vouches for nothing.
QStringList versionLatches(TlsVersion version)
{
    switch (version) {
    case TlsVersion::Tls13:
        return {LatchToken::Tls10, LatchToken::Tls11, LatchToken::Tls12, LatchToken::Tls13};
    case TlsVersion::Tls12:
        return {LatchToken::Tls10, LatchToken::Tls11, LatchToken::Tls12};
    case TlsVersion::Tls11:
        return {LatchToken::Tls10, LatchToken::Tls11};
    case TlsVersion::Tls10:
        return {LatchToken::Tls10};
    case TlsVersion::None:
    case TlsVersion::Unknown:
        break;
    }
    return {};
}

} // namespace

LatchSet earned(const TlsObservation& observation)
{
    const QStringList versions = versionLatches(observation.protocol);
    if (!observation.isEncrypted() || observation.keyBits < MinimumStrongKeyBits ||
        versions.isEmpty()) {
        return {};
    }

    LatchSet latches = LatchSet::fromList(versions);
    if (observation.certificateVerified) {
        latches.insert(LatchToken::TlsCert);
    }
    if (!observation.cipherUsesMd5) {
        latches.insert(LatchToken::TlsNoMd5);
    }
    if (!observation.cipherUsesRc4) {
        latches.insert(LatchToken::TlsNoRc4);
    }
    if (observation.forwardSecrecy) {
        latches.insert(LatchToken::TlsPfs);
    }
    return latches;
}

LatchSet violations(const LatchSet& required, const TlsObservation& observation)
{
    // earned() never yields an unknown token, so unknown required tokens always remain here.
    return required.subtracted(earned(observation));
}

} // namespace Latchmail
