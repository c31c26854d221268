// SPDX-License-Identifier: GPL-3.0-or-later
// Reads the EHLO reply of a server (untrusted input); malformed lines are skipped, never
// trusted.
#include "submission/ehlocapabilities.h"

#include "submission/smtpreply.h"

namespace Latchmail {

namespace {

constexpr int kMaxMechanisms = 64;
constexpr qsizetype kMaxMechanismLength = 20; // RFC 4422 3.1: sasl-mech is 1-20 characters

// RFC 5321 4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
bool isKeyword(const QByteArray& word)
{
    if (word.isEmpty() || !QChar::isLetterOrNumber(static_cast<uchar>(word[0])) ||
        word.size() > 64) {
        return false;
    }
    return std::all_of(word.begin(), word.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-';
    });
}

// RFC 4422 3.1: sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE
bool isMechanism(const QByteArray& name)
{
    return !name.isEmpty() && name.size() <= kMaxMechanismLength &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
           });
}

void addMechanisms(const QList<QByteArray>& words, EhloCapabilities* capabilities)
{
    for (const QByteArray& word : words) {
        const QByteArray name = word.toUpper();
        const QString mechanism = QString::fromLatin1(name);
        if (isMechanism(name) && !capabilities->authMechanisms.contains(mechanism) &&
            capabilities->authMechanisms.size() < kMaxMechanisms) {
            capabilities->authMechanisms.append(mechanism);
        }
    }
}

void readSize(const QList<QByteArray>& parameters, EhloCapabilities* capabilities)
{
    capabilities->sizeAnnounced = true;
    if (parameters.isEmpty()) {
        return;
    }
    bool ok = false;
    const qint64 limit = parameters.first().toLongLong(&ok);
    capabilities->maxMessageSize = ok && limit > 0 ? limit : 0;
}

void readLine(const QByteArray& line, EhloCapabilities* capabilities)
{
    QList<QByteArray> words = line.simplified().split(' ');
    QByteArray keyword = words.takeFirst().toUpper();

    // The pre-standard "AUTH=PLAIN LOGIN" form some servers still send.
    if (keyword.startsWith("AUTH=")) {
        words.prepend(keyword.mid(5));
        keyword = "AUTH";
    }
    if (!isKeyword(keyword)) {
        return;
    }
    if (!capabilities->keywords.contains(QString::fromLatin1(keyword))) {
        capabilities->keywords.append(QString::fromLatin1(keyword));
    }

    if (keyword == "STARTTLS") {
        capabilities->startTls = true;
    } else if (keyword == "AUTH") {
        addMechanisms(words, capabilities);
    } else if (keyword == "SIZE") {
        readSize(words, capabilities);
    } else if (keyword == "8BITMIME") {
        capabilities->eightBitMime = true;
    } else if (keyword == "SMTPUTF8") {
        capabilities->smtpUtf8 = true;
    } else if (keyword == "PIPELINING") {
        capabilities->pipelining = true;
    } else if (keyword == "DSN") {
        capabilities->dsn = true;
    } else if (keyword == "ENHANCEDSTATUSCODES") {
        capabilities->enhancedStatusCodes = true;
    } else if (keyword == "CHUNKING") {
        capabilities->chunking = true;
    }
}

} // namespace

bool EhloCapabilities::hasAuthMechanism(const QString& mechanism) const
{
    return authMechanisms.contains(mechanism.toUpper());
}

EhloCapabilities EhloCapabilities::fromReply(const SmtpReply& reply)
{
    EhloCapabilities capabilities;
    if (reply.code != 250 || reply.lines.isEmpty()) {
        return capabilities;
    }

    // RFC 5321 4.1.1.1: the first line carries the server's domain and a greeting.
    const QByteArray first = reply.lines.first().simplified();
    const qsizetype space = first.indexOf(' ');
    capabilities.serverDomain =
        QString::fromUtf8((space < 0 ? first : first.left(space)).left(255));

    for (qsizetype i = 1; i < reply.lines.size(); ++i) {
        if (!reply.lines.at(i).trimmed().isEmpty()) {
            readLine(reply.lines.at(i), &capabilities);
        }
    }
    return capabilities;
}

} // namespace Latchmail
