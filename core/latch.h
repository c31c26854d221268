// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSet>
#include <QString>
#include <QStringList>

#include <initializer_list>

namespace Latchmail {

// Security latch tokens (DEEP section 3.2, plus Latchmail's `tls13`).
namespace LatchToken {
inline const QString Tls10 = QStringLiteral("tls10");
inline const QString Tls11 = QStringLiteral("tls11");
inline const QString Tls12 = QStringLiteral("tls12");
inline const QString Tls13 = QStringLiteral("tls13");
inline const QString TlsCert = QStringLiteral("tls-cert");
inline const QString TlsNoMd5 = QStringLiteral("tls-nomd5");
inline const QString TlsNoRc4 = QStringLiteral("tls-norc4");
inline const QString TlsPfs = QStringLiteral("tls-pfs");
} // namespace LatchToken

/// True when `token` matches `security-latch-id = ALPHA *31(ALPHA / DIGIT / "-")` (DEEP 3.1).
[[nodiscard]] bool isValidLatchToken(QStringView token);

/// True for the tokens this version can enforce (the eight above).
[[nodiscard]] bool isKnownLatch(QStringView token);

/// The known tokens in their canonical order (versions first, then the properties).
[[nodiscard]] const QStringList& knownLatches();

/// What a latch demands, in words for the user ("TLS 1.2 or newer"); for a token this version
/// does not know, that connections are refused until it is updated.
[[nodiscard]] QString latchMeaning(const QString& token);

/// A set of latch tokens. Unknown but well-formed tokens are kept, so a file written by a newer
/// version survives a round trip through this one. The constructor and fromList() drop malformed
/// tokens (callers reading untrusted input check isValidLatchToken() first to report them);
/// insert() stores its argument as given.
class LatchSet
{
public:
    LatchSet() = default;
    LatchSet(std::initializer_list<QString> tokens);

    [[nodiscard]] static LatchSet fromList(const QStringList& tokens);

    [[nodiscard]] bool contains(const QString& token) const { return m_tokens.contains(token); }
    [[nodiscard]] bool isEmpty() const { return m_tokens.isEmpty(); }
    [[nodiscard]] qsizetype size() const { return m_tokens.size(); }
    void insert(const QString& token) { m_tokens.insert(token); }

    [[nodiscard]] LatchSet united(const LatchSet& other) const;
    [[nodiscard]] LatchSet subtracted(const LatchSet& other) const;
    [[nodiscard]] LatchSet unknownTokens() const;

    /// Canonical order: known latches in `knownLatches()` order, then unknown ones sorted.
    [[nodiscard]] QStringList toList() const;
    /// The tokens joined by single spaces, in canonical order.
    [[nodiscard]] QString toString() const;

    friend bool operator==(const LatchSet&, const LatchSet&) = default;

private:
    QSet<QString> m_tokens;
};

} // namespace Latchmail
