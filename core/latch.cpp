// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/latch.h"

#include <QMap>

#include <algorithm>

namespace Latchmail {

namespace {

// DEEP 3.1: security-latch-id = ALPHA *31(ALPHA / DIGIT / "-")
constexpr qsizetype MaxLatchTokenLength = 32;

bool isAsciiAlpha(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}

bool isAsciiDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

} // namespace

bool isValidLatchToken(QStringView token)
{
    if (token.isEmpty() || token.size() > MaxLatchTokenLength || !isAsciiAlpha(token.front())) {
        return false;
    }

    return std::all_of(token.begin() + 1, token.end(),
                       [](QChar c) { return isAsciiAlpha(c) || isAsciiDigit(c) || c == u'-'; });
}

bool isKnownLatch(QStringView token)
{
    return knownLatches().contains(token);
}

const QStringList& knownLatches()
{
    static const QStringList tokens{
        LatchToken::Tls10,   LatchToken::Tls11,    LatchToken::Tls12,    LatchToken::Tls13,
        LatchToken::TlsCert, LatchToken::TlsNoMd5, LatchToken::TlsNoRc4, LatchToken::TlsPfs,
    };
    return tokens;
}

LatchSet::LatchSet(std::initializer_list<QString> tokens)
{
    for (const QString& token : tokens) {
        if (isValidLatchToken(token)) {
            m_tokens.insert(token);
        }
    }
}

LatchSet LatchSet::fromList(const QStringList& tokens)
{
    LatchSet set;
    for (const QString& token : tokens) {
        if (isValidLatchToken(token)) {
            set.m_tokens.insert(token);
        }
    }
    return set;
}

LatchSet LatchSet::united(const LatchSet& other) const
{
    LatchSet result = *this;
    result.m_tokens.unite(other.m_tokens);
    return result;
}

LatchSet LatchSet::subtracted(const LatchSet& other) const
{
    LatchSet result = *this;
    result.m_tokens.subtract(other.m_tokens);
    return result;
}

LatchSet LatchSet::unknownTokens() const
{
    LatchSet result;
    for (const QString& token : m_tokens) {
        if (!isKnownLatch(token)) {
            result.m_tokens.insert(token);
        }
    }
    return result;
}

QStringList LatchSet::toList() const
{
    QStringList ordered;
    for (const QString& token : knownLatches()) {
        if (m_tokens.contains(token)) {
            ordered.append(token);
        }
    }

    QStringList unknown = unknownTokens().m_tokens.values();
    std::sort(unknown.begin(), unknown.end());
    ordered.append(unknown);
    return ordered;
}

QString LatchSet::toString() const
{
    return toList().join(u' ');
}

QString latchMeaning(const QString& token)
{
    static const QMap<QString, QString> meanings{
        {LatchToken::Tls10, QStringLiteral("TLS 1.0 or newer with a key of at least 128 bits")},
        {LatchToken::Tls11, QStringLiteral("TLS 1.1 or newer")},
        {LatchToken::Tls12, QStringLiteral("TLS 1.2 or newer")},
        {LatchToken::Tls13, QStringLiteral("TLS 1.3")},
        {LatchToken::TlsCert, QStringLiteral("a verified certificate for this host name")},
        {LatchToken::TlsNoMd5, QStringLiteral("a cipher suite without MD5")},
        {LatchToken::TlsNoRc4, QStringLiteral("a cipher suite without RC4")},
        {LatchToken::TlsPfs, QStringLiteral("forward secrecy ((EC)DHE or TLS 1.3)")},
    };
    return meanings.value(
        token, QStringLiteral("recorded by a newer version; cannot be checked — connections are "
                              "refused until Latchmail is updated or the account is removed and "
                              "added again"));
}

} // namespace Latchmail
