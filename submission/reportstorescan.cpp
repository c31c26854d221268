// SPDX-License-Identifier: GPL-3.0-or-later
// Delivery reports found in INBOX. Everything here comes from the IMAP server and from other
// mail systems (untrusted input): body structures are read through the cache's checked
// deserialiser, report messages are size-bounded and parsed by deliveryreport.h.
#include "submission/reportstorescan.h"

#include "core/logging.h"
#include "imap/cache/messagecache.h"
#include "imap/cache/structureserialization.h"
#include "imap/imapservice.h"
#include "imap/tasks/fetchparttask.h"
#include "imap/tasks/listmailboxestask.h"
#include "imap/tasks/syncmailboxtask.h"
#include "submission/reportstore.h"

namespace Latchmail {

namespace {

const QString kInbox = QStringLiteral("INBOX");
const QString kWholeMessage; // BODY[] (RFC 9051 6.4.5)

bool isDeliveryStatusReport(const CachedMessage& message)
{
    const std::optional<Imap::BodyPart> root =
        Imap::deserializeBodyStructure(message.bodyStructure);
    return root && root->type == "multipart" && root->subtype == "report" &&
           root->parameter("report-type").toLower() == "delivery-status";
}

} // namespace

DeliveryReportScan::DeliveryReportScan(Account account, Profile profile, PasswordProvider password,
                                       ReportStore* store, QObject* parent)
    : QObject(parent)
    , m_account(std::move(account))
    , m_profile(std::move(profile))
    , m_password(std::move(password))
    , m_store(store)
{
}

DeliveryReportScan::~DeliveryReportScan() = default;

void DeliveryReportScan::start()
{
    m_imap = std::make_unique<Imap::ImapService>(m_account, m_profile, m_password);
    QString error;
    if (!m_imap->openCache(&error)) {
        m_result.error =
            Imap::SessionError{Imap::SessionError::Kind::Cancelled, error, std::nullopt};
        finish();
        return;
    }
    connect(m_imap.get(), &Imap::ImapService::connected, this,
            &DeliveryReportScan::handleConnected);
    connect(m_imap.get(), &Imap::ImapService::failed, this, &DeliveryReportScan::handleFailed);
    m_imap->connectToServer();
}

void DeliveryReportScan::handleConnected()
{
    auto* list = new Imap::ListMailboxesTask(m_imap->cache());
    connect(list, &Imap::ImapTask::finished, this, &DeliveryReportScan::handleListed);
    m_imap->session()->enqueue(list);
}

void DeliveryReportScan::handleListed(Imap::ImapTask* task)
{
    if (!task->succeeded()) {
        handleFailed(Imap::SessionError{Imap::SessionError::Kind::CommandFailed,
                                        task->errorMessage(), std::nullopt});
        return;
    }
    auto* sync = new Imap::SyncMailboxTask(m_imap->cache(), kInbox);
    connect(sync, &Imap::ImapTask::finished, this, &DeliveryReportScan::handleSynced);
    m_imap->session()->enqueue(sync);
}

void DeliveryReportScan::handleSynced(Imap::ImapTask* task)
{
    if (!task->succeeded()) {
        handleFailed(Imap::SessionError{Imap::SessionError::Kind::CommandFailed,
                                        task->errorMessage(), std::nullopt});
        return;
    }
    MessageCache* cache = m_imap->cache();
    Imap::Session* session = m_imap->session();
    for (const CachedMessage& message : cache->messages(kInbox)) {
        if (!isDeliveryStatusReport(message)) {
            continue;
        }
        m_candidates.append(message.uid);
        if (cache->part(kInbox, message.uid, kWholeMessage)) {
            continue; // fetched by an earlier scan
        }
        if (message.size > kMaxReportMessageBytes) {
            m_result.problems.append(
                QStringLiteral("message %1 in INBOX looks like a delivery report but is too "
                               "large (%2 bytes) to be read")
                    .arg(message.uid)
                    .arg(message.size));
            continue;
        }
        // SyncMailboxTask left INBOX selected.
        session->enqueue(new Imap::FetchPartTask(cache, kInbox, message.uid, kWholeMessage));
    }
    connect(session, &Imap::Session::closed, this, &DeliveryReportScan::applyCachedReports);
    session->logout();
}

void DeliveryReportScan::handleFailed(const Imap::SessionError& error)
{
    if (m_finished) {
        return;
    }
    m_result.error = error;
    applyCachedReports(); // what earlier scans fetched still counts
}

void DeliveryReportScan::applyCachedReports()
{
    if (m_finished) {
        return;
    }
    MessageCache* cache = m_imap->cache();
    const std::optional<CachedMailbox> inbox = cache->mailbox(kInbox);
    const quint32 uidValidity = inbox ? inbox->uidValidity : 0;
    for (const quint32 uid : std::as_const(m_candidates)) {
        const std::optional<QByteArray> bytes = cache->partBytes(kInbox, uid, kWholeMessage);
        if (!bytes) {
            continue;
        }
        QString error;
        const std::optional<DeliveryReport> report = parseDeliveryReport(*bytes, &error);
        if (!report) {
            m_result.problems.append(QStringLiteral("message %1 in INBOX: %2").arg(uid).arg(error));
            continue;
        }
        ++m_result.reportsFound;
        const QString key = QStringLiteral("INBOX/%1/%2").arg(uidValidity).arg(uid);
        const ReportApplication applied = m_store->apply(*report, key, &error);
        if (!error.isEmpty()) {
            m_result.problems.append(error);
        }
        if (applied.matched && !applied.duplicate) {
            ++m_result.reportsApplied;
            m_result.recipientsUpdated += int(applied.updatedRecipients.size());
        }
    }
    finish();
}

void DeliveryReportScan::finish()
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    Q_EMIT finished();
}

} // namespace Latchmail
