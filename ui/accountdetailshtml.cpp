// SPDX-License-Identifier: GPL-3.0-or-later
// The detail pane's HTML: settings, latches with dates, last observation and recent failures of
// one account. Every value comes from an account file or a server certificate and is escaped.
#include "core/latch.h"
#include "ui/latchtext.h"

namespace Latchmail::Ui {

namespace {

constexpr Service kServices[] = {Service::MessageAccess, Service::MessageSubmission};

const QString kErrorColor = QStringLiteral("#b00020");
const QString kMutedColor = QStringLiteral("#6b6b6b");

QString escaped(const QString& text)
{
    return text.toHtmlEscaped();
}

QString transportText(TransportSecurity transport)
{
    switch (transport) {
    case TransportSecurity::Cleartext:
        return QStringLiteral("cleartext (not encrypted)");
    case TransportSecurity::ImplicitTls:
        return QStringLiteral("implicit TLS");
    case TransportSecurity::StartTls:
        return QStringLiteral("STARTTLS");
    }
    return {};
}

QString row(const QString& label, const QString& valueHtml)
{
    return QStringLiteral("<tr><td style='color:%1; padding-right:12px'>%2</td><td>%3</td></tr>")
        .arg(kMutedColor, escaped(label), valueHtml);
}

QString endpoint(const ServiceSettings& settings)
{
    const QString host = settings.host.contains(QLatin1Char(':'))
                             ? QLatin1Char('[') + settings.host + QLatin1Char(']')
                             : settings.host;
    const QString port = settings.port == 0 ? QStringLiteral("default port")
                                            : QStringLiteral("port %1").arg(settings.port);
    return QStringLiteral("%1, %2, TLS mode %3").arg(host, port, tlsModeName(settings.tlsMode));
}

QString latchesHtml(const LatchRecord& record)
{
    if (record.latches.isEmpty()) {
        return QStringLiteral("<p>No latches yet: the first successful connection sets them, "
                              "and every later connection must meet them.</p>");
    }
    QString html = QStringLiteral("<table cellspacing='0' cellpadding='3'>"
                                  "<tr><th align='left'>Latch</th><th align='left'>First set</th>"
                                  "<th align='left'>Required from then on</th></tr>");
    for (const QString& token : record.latchSet().toList()) {
        const bool known = isKnownLatch(token);
        html += QStringLiteral("<tr%1><td><code>%2</code></td><td>%3</td><td>%4</td></tr>")
                    .arg(known ? QString() : QStringLiteral(" style='color:%1'").arg(kErrorColor),
                         escaped(token), escaped(displayTime(record.latches.value(token))),
                         escaped(latchMeaning(token)));
    }
    return html + QStringLiteral("</table>");
}

QString certificateRows(const TlsObservation& observation)
{
    QString rows = row(QStringLiteral("Certificate"),
                       observation.certificateVerified
                           ? QStringLiteral("verified")
                           : QStringLiteral("<span style='color:%1'>not verified — server "
                                            "identity unknown</span>")
                                 .arg(kErrorColor));
    if (!observation.chain.isEmpty()) {
        const CertificateInfo& leaf = observation.chain.first();
        rows += row(QStringLiteral("Subject"), escaped(leaf.subject));
        rows += row(QStringLiteral("Issuer"), escaped(leaf.issuer));
        rows += row(QStringLiteral("Expires"), escaped(displayTime(leaf.notAfter)));
        rows += row(QStringLiteral("SHA-256"),
                    QStringLiteral("<code>%1</code>").arg(escaped(leaf.sha256)));
    }
    for (const QString& error : observation.verificationErrors) {
        rows += row(
            QStringLiteral("Verification error"),
            QStringLiteral("<span style='color:%1'>%2</span>").arg(kErrorColor, escaped(error)));
    }
    return rows;
}

QString observationHtml(const LatchRecord& record)
{
    if (!record.hasObservation) {
        return QStringLiteral("<p>Last connection: none recorded.</p>");
    }
    const TlsObservation& observation = record.lastObservation;
    QString rows = row(QStringLiteral("When"), escaped(displayTime(observation.observedAt)));
    rows += row(QStringLiteral("Transport"), escaped(transportText(observation.transport)));
    if (observation.isEncrypted()) {
        rows += row(QStringLiteral("Protocol"), escaped(tlsVersionName(observation.protocol)));
        rows += row(QStringLiteral("Cipher suite"),
                    QStringLiteral("<code>%1</code>").arg(escaped(observation.cipherIana)));
        rows += row(QStringLiteral("Key bits"), QString::number(observation.keyBits));
        rows += row(QStringLiteral("Forward secrecy"),
                    observation.forwardSecrecy ? QStringLiteral("yes") : QStringLiteral("no"));
        rows += certificateRows(observation);
    }
    return QStringLiteral("<p><b>Last connection</b></p><table cellspacing='0' "
                          "cellpadding='2'>%1</table>")
        .arg(rows);
}

QString failuresHtml(const LatchRecord& record)
{
    if (record.recentFailures.isEmpty()) {
        return QStringLiteral("<p>Recent latch failures: none.</p>");
    }
    QString items;
    for (const LatchFailureRecord& failure : record.recentFailures) {
        items +=
            QStringLiteral("<li>%1 — failed <code>%2</code>%3</li>")
                .arg(escaped(displayTime(failure.at)), escaped(failure.failed.toString()),
                     failure.detail.isEmpty() ? QString()
                                              : QStringLiteral(": ") + escaped(failure.detail));
    }
    return QStringLiteral("<p style='color:%1'><b>Recent latch failures</b> (newest last)</p>"
                          "<ul>%2</ul>")
        .arg(kErrorColor, items);
}

QString serviceHtml(const Account& account, Service service)
{
    const ServiceSettings& settings = account.settings(service);
    const LatchRecord record = account.latchRecord(service);
    return QStringLiteral("<h3>%1</h3><p>%2<br/>Status: <b>%3</b></p>%4%5%6")
        .arg(escaped(serviceTitle(service)), escaped(endpoint(settings)),
             escaped(latchStatusText(record)), latchesHtml(record), observationHtml(record),
             failuresHtml(record));
}

QString errorHtml(const AccountListEntry& entry)
{
    return QStringLiteral("<h2>%1</h2><p style='color:%2'>%3</p><p>This account cannot connect "
                          "until its file is repaired or the account is removed. An unreadable "
                          "file never counts as “no latches”.</p>")
        .arg(escaped(entry.id), kErrorColor, escaped(entry.error));
}

} // namespace

QString accountDetailsHtml(const AccountListEntry& entry)
{
    if (!entry.account) {
        return errorHtml(entry);
    }
    const Account& account = *entry.account;
    const QString title = account.displayName.isEmpty() ? account.id : account.displayName;
    QString html = QStringLiteral("<h2>%1 <span style='color:%2; font-weight:normal'>&lt;%3&gt;"
                                  "</span></h2><p style='color:%2'>Account <code>%4</code> · "
                                  "%5</p>")
                       .arg(escaped(title), kMutedColor, escaped(account.address),
                            escaped(account.id), escaped(entry.filePath));
    for (const Service service : kServices) {
        html += serviceHtml(account, service);
    }
    for (const QString& warning : entry.warnings) {
        html += QStringLiteral("<p style='color:%1'>%2</p>").arg(kErrorColor, escaped(warning));
    }
    return html + QStringLiteral("<p style='color:%1'>Latches only ever grow. Removing the "
                                 "account is the only way to reset them (DEEP section 3.3).</p>")
                      .arg(kMutedColor);
}

QString noAccountsHtml(const QString& accountsDirectory)
{
    return QStringLiteral("<h2>No accounts yet</h2><p>Add one with<br/><code>latchmail-cli "
                          "account add NAME --email ADDR --imap HOST --smtp HOST "
                          "--password-stdin</code></p><p style='color:%1'>Accounts are read "
                          "from %2; this window follows changes there.</p>")
        .arg(kMutedColor, escaped(accountsDirectory));
}

} // namespace Latchmail::Ui
