// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap/capabilities.h"

namespace Latchmail::Imap {

namespace {

const QByteArray kAuthPrefix = QByteArrayLiteral("AUTH=");

} // namespace

Capabilities::Capabilities(const QList<QByteArray>& atoms)
{
    for (const QByteArray& atom : atoms) {
        m_atoms.insert(atom.toUpper());
    }
}

bool Capabilities::has(QByteArrayView capability) const
{
    return m_atoms.contains(capability.toByteArray().toUpper());
}

bool Capabilities::speaksImap() const
{
    return has("IMAP4REV1") || has("IMAP4REV2");
}

QList<QByteArray> Capabilities::authMechanisms() const
{
    QList<QByteArray> mechanisms;
    for (const QByteArray& atom : m_atoms) {
        if (atom.startsWith(kAuthPrefix) && atom.size() > kAuthPrefix.size()) {
            mechanisms.append(atom.mid(kAuthPrefix.size()));
        }
    }
    std::sort(mechanisms.begin(), mechanisms.end());
    return mechanisms;
}

QList<QByteArray> Capabilities::toList() const
{
    QList<QByteArray> atoms(m_atoms.cbegin(), m_atoms.cend());
    std::sort(atoms.begin(), atoms.end());
    return atoms;
}

AuthMethod chooseAuthMethod(const Capabilities& capabilities)
{
    if (capabilities.has("AUTH=PLAIN")) {
        return AuthMethod::AuthenticatePlain;
    }
    if (!capabilities.loginDisabled()) {
        return AuthMethod::Login;
    }
    return AuthMethod::None;
}

} // namespace Latchmail::Imap
