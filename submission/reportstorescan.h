// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/account.h"
#include "core/profile.h"
#include "imap/sessionerror.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace Latchmail {

class ReportStore;

namespace Imap {
class ImapService;
class ImapTask;
} // namespace Imap

/// What a scan found.
struct ReportScanResult
{
    int reportsFound = 0;      // delivery-status reports in INBOX
    int reportsApplied = 0;    // of those, reports about this account's sent messages, new
    int recipientsUpdated = 0; // recipient states they changed
    QStringList problems;      // reports that could not be read
    std::optional<Imap::SessionError> error; // the IMAP connection failed
};

/// Finds delivery status notifications in the account's INBOX and correlates them with its
/// sent messages (ReportStore): synchronises INBOX into the message cache, picks the messages
/// whose body structure is multipart/report with report-type=delivery-status (RFC 6522, RFC
/// 3464), fetches each whole message once into the cache (later scans read it from there),
/// parses it (deliveryreport.h) and applies it by ENVID and original recipient.
class DeliveryReportScan : public QObject
{
    Q_OBJECT

public:
    /// Returns the IMAP password, or nothing with `error` set.
    using PasswordProvider = std::function<std::optional<QString>(QString* error)>;

    /// A report message larger than this is not fetched (RET=HDRS reports are a few KB).
    static constexpr qint64 kMaxReportMessageBytes = 8 * 1024 * 1024;

    DeliveryReportScan(Account account, Profile profile, PasswordProvider password,
                       ReportStore* store, QObject* parent = nullptr);
    ~DeliveryReportScan() override;

    void start();
    [[nodiscard]] const ReportScanResult& result() const { return m_result; }

Q_SIGNALS:
    void finished();

private:
    void handleConnected();
    void handleListed(Imap::ImapTask* task);
    void handleSynced(Imap::ImapTask* task);
    void handleFailed(const Imap::SessionError& error);
    void applyCachedReports();
    void finish();

    Account m_account;
    Profile m_profile;
    PasswordProvider m_password;
    ReportStore* m_store;
    std::unique_ptr<Imap::ImapService> m_imap;
    QList<quint32> m_candidates;
    ReportScanResult m_result;
    bool m_finished = false;
};

} // namespace Latchmail
