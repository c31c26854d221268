// SPDX-License-Identifier: GPL-3.0-or-later
#include "generatedmail.h"

#include <QRandomGenerator>

namespace Latchmail::Test {

namespace {

QByteArray randomBytes(qint64 size, quint32 seed)
{
    QRandomGenerator generator(seed);
    QByteArray bytes(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i) {
        bytes[i] = char(generator.bounded(256));
    }
    return bytes;
}

// Base64 in lines of 76 characters (RFC 2045 6.8).
QByteArray base64Lines(const QByteArray& data)
{
    const QByteArray encoded = data.toBase64();
    QByteArray lines;
    lines.reserve(encoded.size() + encoded.size() / 76 + 2);
    for (qsizetype at = 0; at < encoded.size(); at += 76) {
        lines += encoded.mid(at, 76) + '\n';
    }
    return lines;
}

QByteArray header(int index, const QByteArray& subject, const QByteArray& from)
{
    return "From: " + from + "\nTo: Alice Example <alice@example.test>\nSubject: " + subject +
           "\nDate: Fri, 01 Mar 2024 12:" + QByteArray::number(10 + index % 50) +
           ":00 +0100\nMessage-ID: <gen-" + QByteArray::number(index) +
           "@example.test>\nMIME-Version: 1.0\n";
}

QByteArray plainText(int index)
{
    return header(index, "=?UTF-8?B?" + generatedSubject(index).toUtf8().toBase64() + "?=",
                  "=?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.test>") +
           "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
           "Hallo Alice,\nNachricht Nummer " +
           QByteArray::number(index) + " mit Umlauten: äöü ß.\n";
}

QByteArray alternative(int index)
{
    return header(index, generatedSubject(index).toUtf8(), "News Desk <news@example.test>") +
           "Content-Type: multipart/alternative; boundary=\"alt-b\"\n\n--alt-b\n"
           "Content-Type: text/plain; charset=us-ascii\n\nIssue " +
           QByteArray::number(index) +
           " in plain text.\n--alt-b\nContent-Type: text/html; charset=us-ascii\n\n"
           "<html><body><p>Issue " +
           QByteArray::number(index) + "</p></body></html>\n--alt-b--\n";
}

QByteArray withAttachment(int index)
{
    const bool rfc2231 = index % 4 == 3;
    const QByteArray number = QByteArray::number(index);
    QByteArray disposition = "attachment; filename=\"report-" + number + ".pdf\"";
    QByteArray subject = "=?UTF-8?Q?Bericht_=C3=BCber_" + number + "?=";
    if (rfc2231) {
        disposition = "attachment; filename*=UTF-8''%C3%BCbersicht-" + number + ".txt";
        subject = generatedSubject(index).toUtf8();
    }
    return header(index, subject, "Reports <reports@example.test>") +
           "Content-Type: multipart/mixed; boundary=\"mix-b\"\n\n--mix-b\n"
           "Content-Type: text/plain; charset=us-ascii\n\nSee the attachment.\n--mix-b\n"
           "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
           "Content-Disposition: " +
           disposition + "\n\n" + base64Lines(randomBytes(1500 + index % 700, quint32(index))) +
           "--mix-b--\n";
}

} // namespace

QString generatedSubject(int index)
{
    switch (index % 4) {
    case 0:
        return QStringLiteral("Grüße Nr. %1 \u2013 \u2713").arg(index);
    case 1:
        return QStringLiteral("Newsletter %1").arg(index);
    case 2:
        return QStringLiteral("Bericht über %1").arg(index);
    default:
        return QStringLiteral("Overview %1").arg(index);
    }
}

QString generatedFrom(int index)
{
    switch (index % 4) {
    case 0:
        return QStringLiteral("Jörg Müller <joerg@example.test>");
    case 1:
        return QStringLiteral("News Desk <news@example.test>");
    default:
        return QStringLiteral("Reports <reports@example.test>");
    }
}

QString generatedAttachmentName(int index)
{
    switch (index % 4) {
    case 2:
        return QStringLiteral("report-%1.pdf").arg(index);
    case 3:
        return QStringLiteral("übersicht-%1.txt").arg(index);
    default:
        return {};
    }
}

QByteArray generatedMail(int index)
{
    switch (index % 4) {
    case 0:
        return plainText(index);
    case 1:
        return alternative(index);
    default:
        return withAttachment(index);
    }
}

QByteArray mailWithLargeAttachment(qint64 attachmentBytes)
{
    const QByteArray encoded = base64Lines(randomBytes(attachmentBytes, 20240301));
    return header(9999, "Large attachment", "Archive <archive@example.test>") +
           "Content-Type: multipart/mixed; boundary=\"big-b\"\n\n--big-b\n"
           "Content-Type: text/plain; charset=us-ascii\n\nThe data set is attached.\n--big-b\n"
           "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
           "Content-Disposition: attachment; filename=\"dataset.bin\"\n\n" +
           encoded + "--big-b--\n";
}

} // namespace Latchmail::Test
