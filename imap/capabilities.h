// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QSet>

namespace Latchmail::Imap {

/// The capabilities a server announced (RFC 9051 section 7.2.2), uppercased. A session keeps
/// only those learnt over TLS (or, with cleartext explicitly allowed, on the plain connection).
class Capabilities
{
public:
    Capabilities() = default;
    explicit Capabilities(const QList<QByteArray>& atoms);

    [[nodiscard]] bool isEmpty() const { return m_atoms.isEmpty(); }
    [[nodiscard]] bool has(QByteArrayView capability) const;
    /// IMAP4rev1 or IMAP4rev2: the server speaks a version this client implements.
    [[nodiscard]] bool speaksImap() const;
    /// SASL mechanisms of the `AUTH=` capabilities (RFC 9051 section 6.2.2), uppercased.
    [[nodiscard]] QList<QByteArray> authMechanisms() const;
    [[nodiscard]] QList<QByteArray> toList() const;

    [[nodiscard]] bool startTls() const { return has("STARTTLS"); }
    [[nodiscard]] bool loginDisabled() const { return has("LOGINDISABLED"); }
    [[nodiscard]] bool saslIr() const { return has("SASL-IR"); }
    [[nodiscard]] bool condStore() const { return has("CONDSTORE") || qresync(); }
    [[nodiscard]] bool qresync() const { return has("QRESYNC"); }
    [[nodiscard]] bool move() const { return has("MOVE"); }
    [[nodiscard]] bool uidPlus() const { return has("UIDPLUS"); }
    [[nodiscard]] bool idle() const { return has("IDLE"); }
    [[nodiscard]] bool specialUse() const { return has("SPECIAL-USE"); }
    [[nodiscard]] bool listExtended() const { return has("LIST-EXTENDED"); }
    [[nodiscard]] bool eSearch() const { return has("ESEARCH"); }
    [[nodiscard]] bool enable() const { return has("ENABLE"); }
    [[nodiscard]] bool literalPlus() const { return has("LITERAL+"); }
    [[nodiscard]] bool literalMinus() const { return has("LITERAL-"); }

private:
    QSet<QByteArray> m_atoms;
};

/// How a session proves its identity, chosen from post-TLS capabilities only.
enum class AuthMethod { None, AuthenticatePlain, Login };

/// RFC 4616 PLAIN when `AUTH=PLAIN` is offered (with SASL-IR when offered, RFC 4959), else
/// LOGIN unless LOGINDISABLED (RFC 9051 section 6.2.3), else None.
[[nodiscard]] AuthMethod chooseAuthMethod(const Capabilities& capabilities);

} // namespace Latchmail::Imap
