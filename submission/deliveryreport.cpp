// SPDX-License-Identifier: GPL-3.0-or-later
// Reads delivery status notifications received by mail (untrusted input). GMime parses the
// MIME structure and splits header fields; sizes and counts are bounded here.
#include "submission/deliveryreport.h"

#include "core/mimegobject.h"
#include "core/mimeheaders.h"
#include "submission/smtpcommand.h"
#include "submission/statusmessages.h"

#include <QCoreApplication>
#include <QUrl>

namespace Latchmail {

using namespace GMimeSupport;

namespace {

constexpr qsizetype kMaxFieldValue = 4096;
constexpr qsizetype kMaxHumanReadable = 16 * 1024;
constexpr int kMaxFieldsPerBlock = 200;

QString tr(const char* text)
{
    return QCoreApplication::translate("Latchmail::DeliveryReport", text);
}

// RFC 5322 3.2.2 comments, removed from structured fields; quoted strings are kept intact.
QByteArray stripComments(QByteArrayView value)
{
    QByteArray out;
    int depth = 0;
    bool quoted = false;
    for (qsizetype i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\\' && i + 1 < value.size() && (quoted || depth > 0)) {
            if (depth == 0) {
                out.append(c).append(value[i + 1]);
            }
            ++i;
        } else if (quoted) {
            quoted = c != '"';
            out.append(c);
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (depth == 0) {
            quoted = c == '"';
            out.append(c);
        }
    }
    return out.simplified();
}

// "type; value" (RFC 3464 2.1.2 address-type / mta-name-type / diagnostic-type).
void splitTyped(const QByteArray& value, QString* type, QString* rest)
{
    const qsizetype semicolon = value.indexOf(';');
    if (semicolon < 0) {
        type->clear();
        *rest = QString::fromUtf8(value.trimmed());
        return;
    }
    *type = QString::fromUtf8(value.left(semicolon).trimmed()).toLower();
    *rest = QString::fromUtf8(value.mid(semicolon + 1).trimmed());
}

QString addressOf(const QByteArray& value, QString* type)
{
    QString address;
    splitTyped(stripComments(value), type, &address);
    if (address.startsWith(QLatin1Char('<')) && address.endsWith(QLatin1Char('>'))) {
        address = address.mid(1, address.size() - 2);
    }
    return address;
}

// Splits the content into blocks at empty lines (RFC 3464 2.1: per-message fields, then one
// block of per-recipient fields for each recipient).
QList<QByteArray> splitBlocks(QByteArrayView content)
{
    QList<QByteArray> blocks;
    QByteArray current;
    qsizetype start = 0;
    while (start < content.size()) {
        qsizetype end = content.indexOf('\n', start);
        end = end < 0 ? content.size() : end + 1;
        const QByteArrayView line = content.sliced(start, end - start);
        if (line.trimmed().isEmpty()) {
            if (!current.isEmpty()) {
                blocks.append(current);
                current.clear();
            }
        } else {
            current.append(line.data(), line.size());
        }
        start = end;
    }
    if (!current.isEmpty()) {
        blocks.append(current);
    }
    return blocks;
}

void applyMessageField(const QByteArray& name, const QByteArray& value, DeliveryReport* report)
{
    if (name == "original-envelope-id") {
        report->envelopeId = QString::fromUtf8(decodeXtext(stripComments(value)));
    } else if (name == "reporting-mta") {
        QString type;
        splitTyped(stripComments(value), &type, &report->reportingMta);
    } else if (name == "arrival-date") {
        report->arrivalDate = parseMimeDate(value);
    }
}

// Applies one per-recipient field; returns false when the name is not a per-recipient field.
bool applyRecipientField(const QByteArray& name, const QByteArray& value, DsnRecipientReport* r)
{
    QString ignoredType;
    if (name == "final-recipient") {
        r->finalRecipient = addressOf(value, &r->finalRecipientType);
    } else if (name == "original-recipient") {
        r->originalRecipient = addressOf(value, &r->originalRecipientType);
    } else if (name == "action") {
        r->action = dsnActionFromName(QString::fromUtf8(stripComments(value)));
    } else if (name == "status") {
        r->status = EnhancedStatusCode::fromString(stripComments(value));
    } else if (name == "diagnostic-code") {
        splitTyped(value, &r->diagnosticType, &r->diagnosticText);
    } else if (name == "remote-mta") {
        splitTyped(stripComments(value), &ignoredType, &r->remoteMta);
    } else if (name == "last-attempt-date") {
        r->lastAttemptDate = parseMimeDate(value);
    } else if (name == "will-retry-until") {
        r->willRetryUntil = parseMimeDate(value);
    } else if (name == "smtp-security-latch") {
        r->securityLatches =
            QString::fromUtf8(stripComments(value)).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    } else {
        return false;
    }
    return true;
}

void readBlock(const QByteArray& block, bool perMessage, DeliveryReport* report)
{
    DsnRecipientReport recipient;
    bool isRecipient = false;
    const QList<MimeHeaderField> fields = splitHeaderFields(block, kMaxFieldsPerBlock);
    for (const MimeHeaderField& field : fields) {
        const QByteArray name = field.name.toLower();
        const QByteArray value = field.value.left(kMaxFieldValue);
        if (perMessage) {
            applyMessageField(name, value, report);
        }
        isRecipient = applyRecipientField(name, value, &recipient) || isRecipient;
    }
    if (isRecipient &&
        (!recipient.finalRecipient.isEmpty() || !recipient.originalRecipient.isEmpty())) {
        report->recipients.append(recipient);
    }
}

QByteArray leafContent(GMimeObject* object, qsizetype limit, bool* truncated)
{
    return decodedContent(GMIME_PART(object), limit, truncated);
}

// The header block of a returned message/rfc822 part (RFC 3464 2: "returned content").
QByteArray embeddedHeaders(GMimeObject* object)
{
    GMimeMessage* embedded = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    if (embedded == nullptr) {
        return {};
    }
    GCharPtr headers(g_mime_object_get_headers(GMIME_OBJECT(embedded), nullptr));
    QByteArray block(headers.get());
    GMimeObject* body = g_mime_message_get_mime_part(embedded);
    if (body != nullptr) {
        GCharPtr bodyHeaders(g_mime_object_get_headers(body, nullptr));
        block.append(bodyHeaders.get());
    }
    return block.left(kMaxReturnedHeaderOctets);
}

struct ReportParts
{
    GMimeObject* status = nullptr;
    GMimeObject* returned = nullptr;
    GMimeObject* text = nullptr;
};

ReportParts findReportParts(GMimeMultipart* report)
{
    ReportParts parts;
    const int count = g_mime_multipart_get_count(report);
    for (int i = 0; i < count; ++i) {
        GMimeObject* part = g_mime_multipart_get_part(report, i);
        const QString type = mimeTypeOf(part);
        if (GMIME_IS_PART(part) && (type == QLatin1String("message/delivery-status") ||
                                    type == QLatin1String("message/global-delivery-status"))) {
            parts.status = parts.status != nullptr ? parts.status : part;
        } else if (type == QLatin1String("text/rfc822-headers") ||
                   type == QLatin1String("message/rfc822-headers") ||
                   type == QLatin1String("message/rfc822") ||
                   type == QLatin1String("message/global") ||
                   type == QLatin1String("message/global-headers")) {
            parts.returned = parts.returned != nullptr ? parts.returned : part;
        } else if (i == 0 && GMIME_IS_TEXT_PART(part)) {
            parts.text = part;
        }
    }
    return parts;
}

void readReturnedContent(GMimeObject* returned, DeliveryReport* report)
{
    if (returned == nullptr) {
        return;
    }
    if (GMIME_IS_MESSAGE_PART(returned)) {
        report->returnedHeaders = embeddedHeaders(returned);
        report->returnedFullMessage = true;
    } else if (GMIME_IS_PART(returned)) {
        bool truncated = false;
        report->returnedHeaders = leafContent(returned, kMaxReturnedHeaderOctets, &truncated);
    }
}

QString readHumanReadable(GMimeObject* text)
{
    if (text == nullptr) {
        return {};
    }
    GCharPtr decoded(g_mime_text_part_get_text(GMIME_TEXT_PART(text)));
    const QString raw = fromUtf8(decoded.get()).left(kMaxHumanReadable);

    // Line structure is kept for display; other control and format characters are not.
    QString shown;
    shown.reserve(raw.size());
    for (const QChar c : raw) {
        const QChar::Category category = c.category();
        const bool hidden = category == QChar::Other_Control || category == QChar::Other_Format;
        if (c == QLatin1Char('\n') || !hidden) {
            shown.append(c);
        }
    }
    return shown.trimmed();
}

QString fail(QString* error, const QString& why)
{
    if (error != nullptr) {
        *error = why;
    }
    return why;
}

} // namespace

QString dsnActionName(DsnAction action)
{
    switch (action) {
    case DsnAction::Failed:
        return QStringLiteral("failed");
    case DsnAction::Delayed:
        return QStringLiteral("delayed");
    case DsnAction::Delivered:
        return QStringLiteral("delivered");
    case DsnAction::Relayed:
        return QStringLiteral("relayed");
    case DsnAction::Expanded:
        return QStringLiteral("expanded");
    case DsnAction::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

DsnAction dsnActionFromName(const QString& name)
{
    const QString token = name.trimmed().toLower();
    for (const DsnAction action : {DsnAction::Failed, DsnAction::Delayed, DsnAction::Delivered,
                                   DsnAction::Relayed, DsnAction::Expanded}) {
        if (token == dsnActionName(action)) {
            return action;
        }
    }
    return DsnAction::Unknown;
}

QString DsnRecipientReport::reason() const
{
    QString text;
    switch (action) {
    case DsnAction::Delivered:
        text = tr("Delivered to the recipient's mailbox.");
        break;
    case DsnAction::Relayed:
        text = tr("Passed on to a server that does not send delivery reports; no further report "
                  "will come.");
        break;
    case DsnAction::Expanded:
        text = tr("Delivered to a mailing list or alias, which passed it on to its members.");
        break;
    case DsnAction::Delayed:
        text = tr("Not delivered yet; the servers keep trying.");
        if (willRetryUntil.isValid()) {
            text += QLatin1Char(' ') +
                    tr("They will give up after %1.").arg(willRetryUntil.toString(Qt::RFC2822Date));
        }
        break;
    case DsnAction::Failed:
        text = tr("Could not be delivered.") + QLatin1Char(' ') + statusMeaning(0, status);
        break;
    case DsnAction::Unknown:
        text = tr("The report does not say what happened.");
        break;
    }
    if (!securityLatches.isEmpty()) {
        text += QLatin1Char(' ') +
                tr("A server refused to pass it on without the security it "
                   "had promised (%1).")
                    .arg(displaySafeServerText(securityLatches.join(QLatin1Char(' '))));
    }
    const QString diagnostic = displaySafeServerText(diagnosticText);
    if (!diagnostic.isEmpty() && action != DsnAction::Delivered) {
        text += QLatin1Char(' ') + tr("The server said: \u201C%1\u201D").arg(diagnostic);
    }
    return text;
}

bool isSameMailbox(const QString& a, const QString& b)
{
    const qsizetype atA = a.lastIndexOf(QLatin1Char('@'));
    const qsizetype atB = b.lastIndexOf(QLatin1Char('@'));
    if (atA <= 0 || atB <= 0 || a.left(atA) != b.left(atB)) {
        return false;
    }
    const auto ascii = [](const QString& domain) {
        const QByteArray ace = QUrl::toAce(domain.toLower(), QUrl::AceProcessingOption{});
        return ace.isEmpty() ? domain.toLower() : QString::fromLatin1(ace).toLower();
    };
    return ascii(a.mid(atA + 1)) == ascii(b.mid(atB + 1));
}

bool DsnRecipientReport::isRecipient(const QString& address) const
{
    if (originalRecipient.isEmpty()) {
        return isSameMailbox(finalRecipient, address);
    }
    // RFC 3461 4.2 carries ORCPT as xtext; reports write it encoded or decoded.
    const QByteArray raw = originalRecipient.toUtf8();
    return isSameMailbox(originalRecipient, address) ||
           isSameMailbox(QString::fromUtf8(decodeXtext(raw)), address) ||
           isSameMailbox(decodeUtf8AddressXtext(raw), address);
}

const DsnRecipientReport* DeliveryReport::recipient(const QString& address) const
{
    for (const DsnRecipientReport& report : recipients) {
        if (report.isRecipient(address)) {
            return &report;
        }
    }
    return nullptr;
}

bool DeliveryReport::matches(const QString& sentEnvelopeId, const QString& address) const
{
    if (sentEnvelopeId.isEmpty() || envelopeId != sentEnvelopeId) {
        return false;
    }
    return address.isEmpty() || recipient(address) != nullptr;
}

bool parseDeliveryStatus(QByteArrayView content, DeliveryReport* report, QString* error)
{
    if (content.size() > kMaxDeliveryStatusOctets) {
        fail(error,
             tr("The delivery status is larger than %1 octets.").arg(kMaxDeliveryStatusOctets));
        return false;
    }
    const QList<QByteArray> blocks = splitBlocks(content);
    if (blocks.isEmpty()) {
        fail(error, tr("The delivery status is empty."));
        return false;
    }
    if (blocks.size() - 1 > kMaxReportRecipients) {
        fail(error,
             tr("The delivery status names more than %1 recipients.").arg(kMaxReportRecipients));
        return false;
    }

    for (qsizetype i = 0; i < blocks.size(); ++i) {
        readBlock(blocks.at(i), i == 0, report);
    }
    if (report->recipients.isEmpty()) {
        fail(error, tr("The delivery status names no recipient."));
        return false;
    }
    return true;
}

// RFC 6522 3 (multipart/report), RFC 3464 2 (report-type delivery-status).
std::optional<DeliveryReport> parseDeliveryReport(QByteArrayView message, QString* error)
{
    const GObjectPtr<GMimeMessage> parsed = parseMessage(message);
    GMimeObject* root = parsed ? g_mime_message_get_mime_part(parsed.get()) : nullptr;
    if (root == nullptr) {
        fail(error, tr("The message could not be read as MIME."));
        return std::nullopt;
    }
    const QString type = mimeTypeOf(root);
    if (type != QLatin1String("multipart/report") || !GMIME_IS_MULTIPART(root)) {
        fail(error, tr("The message is not a report (its type is %1).")
                        .arg(type.isEmpty() ? QStringLiteral("text/plain") : type));
        return std::nullopt;
    }
    const QString reportType =
        fromUtf8(g_mime_object_get_content_type_parameter(root, "report-type")).toLower();
    if (reportType != QLatin1String("delivery-status")) {
        fail(error, tr("The report is of type \"%1\", not a delivery status notification.")
                        .arg(displaySafeServerText(reportType, 60)));
        return std::nullopt;
    }

    const ReportParts parts = findReportParts(GMIME_MULTIPART(root));
    if (parts.status == nullptr) {
        fail(error, tr("The report has no message/delivery-status part."));
        return std::nullopt;
    }
    bool truncated = false;
    const QByteArray status = leafContent(parts.status, kMaxDeliveryStatusOctets + 1, &truncated);

    DeliveryReport report;
    if (!parseDeliveryStatus(status, &report, error)) {
        return std::nullopt;
    }
    readReturnedContent(parts.returned, &report);
    report.humanReadableText = readHumanReadable(parts.text);
    return report;
}

} // namespace Latchmail
