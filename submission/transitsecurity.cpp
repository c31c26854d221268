// SPDX-License-Identifier: GPL-3.0-or-later
// Reads Received header fields written by servers along a message's path (untrusted input):
// a bounded tokenizer, no recursion, every field cut at a fixed length.
#include "submission/transitsecurity.h"

#include "core/mimeheaders.h"

#include <QCoreApplication>
#include <QRegularExpression>

#include <array>
#include <utility>

namespace Latchmail {

namespace {

constexpr qsizetype kMaxReceivedLength = 8192;
constexpr int kMaxHopsNamed = 3;

constexpr std::array kClaimNames{
    std::pair{ClaimedTls::Used, "used"},
    std::pair{ClaimedTls::NotUsed, "not-used"},
    std::pair{ClaimedTls::NotStated, "not-stated"},
};

constexpr std::array kSourceNames{
    std::pair{ClaimSource::None, "none"},
    std::pair{ClaimSource::TlsClause, "tls-clause"},
    std::pair{ClaimSource::Comment, "comment"},
    std::pair{ClaimSource::Protocol, "protocol"},
};

template <typename Enum, typename Names>
QString nameOf(const Names& names, Enum value)
{
    for (const auto& [entry, name] : names) {
        if (entry == value) {
            return QLatin1String(name);
        }
    }
    return QLatin1String(names.front().second);
}

template <typename Enum, typename Names>
bool valueOf(const Names& names, const QString& name, Enum* out)
{
    for (const auto& [entry, text] : names) {
        if (name == QLatin1String(text)) {
            *out = entry;
            return true;
        }
    }
    return false;
}

void setSource(ReceivedHopClaim* hop, ClaimSource source, const QString& text)
{
    hop->source = source;
    hop->claimText = text.left(ReceivedHopClaim::kMaxClaimText);
}

QString tr(const char* text)
{
    return QCoreApplication::translate("Latchmail::TransitSecurity", text);
}

struct Token
{
    enum class Kind { Word, Comment, Literal, Angle, Quoted };
    Kind kind;
    QString text;
};

// Reads a parenthesised comment starting at `pos` (RFC 5322 3.2.2: nested, with quoted-pairs);
// returns the position after it. Nested parentheses are kept in the text.
qsizetype readComment(const QString& value, qsizetype pos, QString* text)
{
    int depth = 0;
    for (qsizetype i = pos; i < value.size(); ++i) {
        const QChar c = value.at(i);
        if (c == QLatin1Char('\\') && i + 1 < value.size()) {
            text->append(value.at(++i));
            continue;
        }
        if (c == QLatin1Char('(')) {
            if (depth++ == 0) {
                continue;
            }
        } else if (c == QLatin1Char(')') && --depth == 0) {
            return i + 1;
        }
        text->append(c);
    }
    return value.size();
}

qsizetype readDelimited(const QString& value, qsizetype pos, QChar close, QString* text)
{
    const qsizetype end = value.indexOf(close, pos + 1);
    const qsizetype stop = end < 0 ? value.size() : end + 1;
    *text = value.mid(pos, stop - pos);
    return stop;
}

// RFC 5321 4.4 Stamp: the clauses before ";" date-time, split into words, comments, address
// literals, angle addresses and quoted strings.
QList<Token> tokenize(const QString& value)
{
    QList<Token> tokens;
    qsizetype pos = 0;
    while (pos < value.size()) {
        const QChar c = value.at(pos);
        QString text;
        if (c.isSpace()) {
            ++pos;
            continue;
        }
        if (c == QLatin1Char(';')) {
            break; // the date follows
        }
        if (c == QLatin1Char('(')) {
            pos = readComment(value, pos, &text);
            tokens.append({Token::Kind::Comment, text.simplified()});
        } else if (c == QLatin1Char('[')) {
            pos = readDelimited(value, pos, QLatin1Char(']'), &text);
            tokens.append({Token::Kind::Literal, text});
        } else if (c == QLatin1Char('<')) {
            pos = readDelimited(value, pos, QLatin1Char('>'), &text);
            tokens.append({Token::Kind::Angle, text});
        } else if (c == QLatin1Char('"')) {
            pos = readDelimited(value, pos, QLatin1Char('"'), &text);
            tokens.append({Token::Kind::Quoted, text});
        } else {
            const qsizetype start = pos;
            while (pos < value.size() && !value.at(pos).isSpace() &&
                   !QStringLiteral("([<\";").contains(value.at(pos))) {
                ++pos;
            }
            tokens.append({Token::Kind::Word, value.mid(start, pos - start)});
        }
    }
    return tokens;
}

// "TLSv1.3", "TLS1_3", "TLS1.3" → "TLSv1.3"; "SSLv3" stays.
QString normalizedVersion(const QString& written)
{
    static const QRegularExpression form(QStringLiteral("^(TLS|SSL)v?(\\d)(?:[._](\\d))?$"),
                                         QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = form.match(written);
    if (!match.hasMatch()) {
        return written;
    }
    const QString minor = match.captured(3);
    return match.captured(1).toUpper() + QLatin1Char('v') + match.captured(2) +
           (minor.isEmpty() ? QString() : QLatin1Char('.') + minor);
}

// TLS details in a comment, as Postfix, Exim, sendmail, Gmail and Exchange write them.
void readTlsComment(const QString& comment, ReceivedHopClaim* hop)
{
    static const QRegularExpression postfix(
        QStringLiteral("\\busing\\s+((?:TLS|SSL)v?[\\d._]+)\\s+with\\s+cipher\\s+([A-Za-z0-9_-]+)"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression versionField(
        QStringLiteral("\\bversion=((?:TLS|SSL)v?[\\d._]+)"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression cipherField(QStringLiteral("\\bcipher=([A-Za-z0-9_-]+)"),
                                                QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression bareVersion(QStringLiteral("^(?:TLS|SSL)v?[\\d._]+$"),
                                                QRegularExpression::CaseInsensitiveOption);

    QRegularExpressionMatch match = postfix.match(comment);
    if (match.hasMatch()) {
        hop->tlsVersion = normalizedVersion(match.captured(1));
        hop->cipherSuite = match.captured(2);
        hop->tls = ClaimedTls::Used;
        setSource(hop, ClaimSource::Comment, comment);
        return;
    }
    match = versionField.match(comment);
    if (match.hasMatch()) {
        hop->tlsVersion = normalizedVersion(match.captured(1));
        hop->tls = ClaimedTls::Used;
        const QRegularExpressionMatch cipher = cipherField.match(comment);
        if (cipher.hasMatch() && hop->cipherSuite.isEmpty()) {
            hop->cipherSuite = cipher.captured(1);
        }
        setSource(hop, ClaimSource::Comment, comment);
        return;
    }
    if (bareVersion.match(comment).hasMatch()) {
        hop->tlsVersion = normalizedVersion(comment);
        hop->tls = ClaimedTls::Used;
        setSource(hop, ClaimSource::Comment, comment);
    }
}

// RFC 3848 and the IANA Mail Transmission Types registry (with RFC 6531's UTF8 forms): the "S"
// variants mean TLS was in use. "SMTPS" is not registered but widely written.
ClaimedTls protocolClaim(const QString& protocol)
{
    static const QStringList withTls = {QStringLiteral("ESMTPS"),    QStringLiteral("ESMTPSA"),
                                        QStringLiteral("LMTPS"),     QStringLiteral("LMTPSA"),
                                        QStringLiteral("UTF8SMTPS"), QStringLiteral("UTF8SMTPSA"),
                                        QStringLiteral("UTF8LMTPS"), QStringLiteral("UTF8LMTPSA"),
                                        QStringLiteral("SMTPS"),     QStringLiteral("HTTPS")};
    static const QStringList withoutTls = {QStringLiteral("SMTP"),      QStringLiteral("ESMTP"),
                                           QStringLiteral("ESMTPA"),    QStringLiteral("LMTP"),
                                           QStringLiteral("LMTPA"),     QStringLiteral("UTF8SMTP"),
                                           QStringLiteral("UTF8SMTPA"), QStringLiteral("UTF8LMTP"),
                                           QStringLiteral("UTF8LMTPA"), QStringLiteral("HTTP")};
    if (withTls.contains(protocol)) {
        return ClaimedTls::Used;
    }
    return withoutTls.contains(protocol) ? ClaimedTls::NotUsed : ClaimedTls::NotStated;
}

bool isClauseKeyword(const QString& word)
{
    static const QStringList keywords = {QStringLiteral("from"), QStringLiteral("by"),
                                         QStringLiteral("via"),  QStringLiteral("with"),
                                         QStringLiteral("id"),   QStringLiteral("for"),
                                         QStringLiteral("tls")};
    return keywords.contains(word.toLower());
}

void applyClause(const QString& clause, const Token& token, ReceivedHopClaim* hop)
{
    const bool value = token.kind == Token::Kind::Word || token.kind == Token::Kind::Literal;
    if (!value) {
        return;
    }
    if (clause == QLatin1String("from") && hop->fromHost.isEmpty()) {
        hop->fromHost = token.text.left(255);
    } else if (clause == QLatin1String("by") && hop->byHost.isEmpty()) {
        hop->byHost = token.text.left(255);
    } else if (clause == QLatin1String("with")) {
        // A registered protocol is one word; some servers write several ("Microsoft SMTP
        // Server"), kept for display.
        const QString word = token.text.left(64).toUpper();
        hop->protocol = hop->protocol.isEmpty() ? word : hop->protocol + QLatin1Char(' ') + word;
    } else if (clause == QLatin1String("tls") && hop->cipherSuite.isEmpty()) {
        // DEEP 4 / RFC 8314 4.3: tls-cipher = IANA suite name / "0x" 4HEXDIG.
        hop->cipherSuite = token.text.left(100);
        hop->tls = ClaimedTls::Used;
        setSource(hop, ClaimSource::TlsClause, QStringLiteral("tls ") + hop->cipherSuite);
    }
}

QString joinNamed(const QList<const ReceivedHopClaim*>& hops)
{
    QStringList named;
    for (qsizetype i = 0; i < hops.size() && i < kMaxHopsNamed; ++i) {
        named.append(hops.at(i)->describe());
    }
    QString text = named.join(QStringLiteral("; "));
    if (hops.size() > kMaxHopsNamed) {
        text += QLatin1Char(' ') + tr("and %1 more").arg(hops.size() - kMaxHopsNamed);
    }
    return text;
}

} // namespace

QString claimedTlsName(ClaimedTls claim)
{
    return nameOf(kClaimNames, claim);
}

bool claimedTlsFromName(const QString& name, ClaimedTls* out)
{
    return valueOf(kClaimNames, name, out);
}

QString claimSourceName(ClaimSource source)
{
    return nameOf(kSourceNames, source);
}

bool claimSourceFromName(const QString& name, ClaimSource* out)
{
    return valueOf(kSourceNames, name, out);
}

QString ReceivedHopClaim::describe() const
{
    QStringList parts;
    if (!fromHost.isEmpty()) {
        parts.append(tr("from %1").arg(fromHost));
    }
    if (!byHost.isEmpty()) {
        parts.append(tr("by %1").arg(byHost));
    }
    return parts.isEmpty() ? tr("an unnamed hop") : parts.join(QLatin1Char(' '));
}

ReceivedHopClaim parseReceivedField(QByteArrayView value)
{
    const QString text =
        QString::fromUtf8(value.first(qMin(value.size(), kMaxReceivedLength))).simplified();
    ReceivedHopClaim hop;
    QString clause;
    bool tlsClause = false;

    for (const Token& token : tokenize(text)) {
        if (token.kind == Token::Kind::Comment) {
            if (!tlsClause) {
                readTlsComment(token.text, &hop);
            }
        } else if (token.kind == Token::Kind::Word && isClauseKeyword(token.text)) {
            clause = token.text.toLower();
        } else {
            applyClause(clause, token, &hop);
            tlsClause = tlsClause || clause == QLatin1String("tls");
            if (clause != QLatin1String("with")) {
                clause.clear();
            }
        }
    }

    if (hop.tls == ClaimedTls::NotStated) {
        hop.tls = protocolClaim(hop.protocol);
        if (hop.tls != ClaimedTls::NotStated) {
            setSource(&hop, ClaimSource::Protocol, QStringLiteral("with ") + hop.protocol);
        }
    }
    return hop;
}

TransitSecurityClaims readTransitSecurityClaims(const QList<QByteArray>& received)
{
    TransitSecurityClaims claims;
    claims.truncated = received.size() > TransitSecurityClaims::kMaxHops;
    const qsizetype count = qMin<qsizetype>(received.size(), TransitSecurityClaims::kMaxHops);

    // Each server adds its field on top (RFC 5321 4.4), so the oldest hop is the last field.
    for (qsizetype i = count - 1; i >= 0; --i) {
        const ReceivedHopClaim hop = parseReceivedField(received.at(i));
        claims.hops.append(hop);
        claims.hopsWithTls += hop.tls == ClaimedTls::Used ? 1 : 0;
        claims.hopsWithoutTls += hop.tls == ClaimedTls::NotUsed ? 1 : 0;
        claims.hopsNotStated += hop.tls == ClaimedTls::NotStated ? 1 : 0;
    }
    return claims;
}

TransitSecurityClaims readTransitSecurityClaims(QByteArrayView headerBlock)
{
    QList<QByteArray> received;
    for (const MimeHeaderField& field : splitHeaderFields(headerBlock, 5000)) {
        if (field.name.compare("received", Qt::CaseInsensitive) == 0) {
            received.append(field.value);
        }
    }
    return readTransitSecurityClaims(received);
}

QString TransitSecurityClaims::summary() const
{
    const int total = static_cast<int>(hops.size());
    const QString attribution = tr("(as recorded by the servers)");
    if (total == 0) {
        return tr("No hops are recorded, so nothing is known about TLS on the way.");
    }
    if (hopsWithTls == total) {
        return total == 1 ? tr("The 1 recorded hop used TLS %1.").arg(attribution)
                          : tr("All %1 recorded hops used TLS %2.").arg(total).arg(attribution);
    }

    QList<const ReceivedHopClaim*> without;
    QList<const ReceivedHopClaim*> unstated;
    for (const ReceivedHopClaim& hop : hops) {
        if (hop.tls == ClaimedTls::NotUsed) {
            without.append(&hop);
        } else if (hop.tls == ClaimedTls::NotStated) {
            unstated.append(&hop);
        }
    }
    QString text = tr("%1 of %2 recorded hops used TLS").arg(hopsWithTls).arg(total);
    if (!without.isEmpty()) {
        text +=
            QStringLiteral("; ") + tr("%1 did not: %2").arg(without.size()).arg(joinNamed(without));
    }
    if (!unstated.isEmpty()) {
        text += QStringLiteral("; ") +
                tr("%1 did not say: %2").arg(unstated.size()).arg(joinNamed(unstated));
    }
    return text + QLatin1Char(' ') + attribution + QLatin1Char('.');
}

} // namespace Latchmail
