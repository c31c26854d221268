// SPDX-License-Identifier: GPL-3.0-or-later
// The account tree model. Row identity: an account row has internal id 0; a service row stores
// its account's row + 1, which is all parent() needs.
#include "ui/accountlistmodel.h"

#include "core/accountstore.h"
#include "core/logging.h"

#include <QBrush>
#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QTimer>

#include <algorithm>

namespace Latchmail::Ui {

namespace {

constexpr Service kServices[] = {Service::MessageAccess, Service::MessageSubmission};
constexpr int kServiceCount = 2;

// Several file events arrive for one atomic save (temporary file, rename); read once after them.
constexpr int kReloadDelayMs = 100;

QColor toneColor(LatchTone tone)
{
    switch (tone) {
    case LatchTone::Verified:
        return QColor(0x1b, 0x7f, 0x3b);
    case LatchTone::Unverified:
        return QColor(0xb2, 0x6b, 0x00);
    case LatchTone::Problem:
        return QColor(0xb0, 0x00, 0x20);
    case LatchTone::Pending:
        break;
    }
    return QColor(0x6b, 0x6b, 0x6b);
}

AccountListEntry loadEntry(const AccountStore& store, const QString& id)
{
    AccountListEntry entry;
    entry.id = id;
    entry.filePath = store.filePath(id);
    AccountLoadResult result = store.load(id);
    entry.account = std::move(result.account);
    entry.warnings = result.warnings;
    if (result.error) {
        entry.error = result.error->message.contains(result.error->filePath)
                          ? result.error->message
                          : result.error->filePath + QStringLiteral(": ") + result.error->message;
    }
    return entry;
}

// The directory itself when it exists, otherwise its nearest existing ancestor, whose change
// tells when the directory is created.
QString watchableDirectory(const QString& directory)
{
    QString path = QDir(directory).absolutePath();
    while (!QFileInfo(path).isDir()) {
        const QString parent = QFileInfo(path).absolutePath();
        if (parent == path) {
            break;
        }
        path = parent;
    }
    return path;
}

QString serverText(const ServiceSettings& settings)
{
    const QString host = settings.host.contains(QLatin1Char(':'))
                             ? QLatin1Char('[') + settings.host + QLatin1Char(']')
                             : settings.host;
    return settings.port == 0 ? host : host + QLatin1Char(':') + QString::number(settings.port);
}

} // namespace

AccountListModel::AccountListModel(QString accountsDirectory, QObject* parent)
    : QAbstractItemModel(parent)
    , m_directory(std::move(accountsDirectory))
    , m_watcher(new QFileSystemWatcher(this))
    , m_reloadTimer(new QTimer(this))
{
    m_reloadTimer->setSingleShot(true);
    m_reloadTimer->setInterval(kReloadDelayMs);
    connect(m_reloadTimer, &QTimer::timeout, this, &AccountListModel::reload);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_reloadTimer,
            qOverload<>(&QTimer::start));
    connect(m_watcher, &QFileSystemWatcher::fileChanged, m_reloadTimer,
            qOverload<>(&QTimer::start));
    reload();
}

AccountListModel::~AccountListModel() = default;

void AccountListModel::reload()
{
    const AccountStore store(m_directory);
    QList<AccountListEntry> entries;
    for (const QString& id : store.accountIds()) {
        entries.append(loadEntry(store, id));
    }

    beginResetModel();
    m_entries = std::move(entries);
    endResetModel();
    updateWatchedPaths();
    qCDebug(lcUi) << "accounts reloaded from" << m_directory << m_entries.size();
    Q_EMIT reloaded();
}

void AccountListModel::updateWatchedPaths()
{
    if (const QStringList watched = m_watcher->files() + m_watcher->directories();
        !watched.isEmpty()) {
        m_watcher->removePaths(watched);
    }
    QStringList paths{watchableDirectory(m_directory)};
    for (const AccountListEntry& entry : std::as_const(m_entries)) {
        paths.append(entry.filePath); // edits in place do not touch the directory
    }
    m_watcher->addPaths(paths);
}

const AccountListEntry* AccountListModel::entryAt(const QModelIndex& index) const
{
    if (!index.isValid() || index.model() != this) {
        return nullptr;
    }
    const qsizetype row =
        index.internalId() == 0 ? index.row() : static_cast<qsizetype>(index.internalId()) - 1;
    return row < m_entries.size() ? &m_entries.at(row) : nullptr;
}

QModelIndex AccountListModel::indexOfAccount(const QString& accountId) const
{
    for (qsizetype row = 0; row < m_entries.size(); ++row) {
        if (m_entries.at(row).id == accountId) {
            return index(static_cast<int>(row), NameColumn);
        }
    }
    return {};
}

int AccountListModel::unreadableCount() const
{
    return static_cast<int>(std::count_if(m_entries.cbegin(), m_entries.cend(),
                                          [](const AccountListEntry& e) { return !e.account; }));
}

QModelIndex AccountListModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent)) {
        return {};
    }
    if (!parent.isValid()) {
        return createIndex(row, column, quintptr(0));
    }
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex AccountListModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == 0) {
        return {};
    }
    return createIndex(static_cast<int>(child.internalId() - 1), NameColumn, quintptr(0));
}

int AccountListModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid()) {
        return static_cast<int>(m_entries.size());
    }
    if (parent.internalId() != 0 || parent.column() != NameColumn) {
        return 0; // service rows have no children
    }
    return m_entries.at(parent.row()).account ? kServiceCount : 0;
}

int AccountListModel::columnCount(const QModelIndex& /*parent*/) const
{
    return ColumnCount;
}

QVariant AccountListModel::data(const QModelIndex& index, int role) const
{
    const AccountListEntry* entry = entryAt(index);
    if (entry == nullptr) {
        return {};
    }
    if (index.internalId() == 0) {
        return accountData(*entry, index.column(), role);
    }
    return serviceData(*entry, kServices[index.row()], index.column(), role);
}

QVariant AccountListModel::accountData(const AccountListEntry& entry, int column, int role) const
{
    const bool broken = !entry.account;
    switch (role) {
    case AccountIdRole:
        return entry.id;
    case LoadErrorRole:
        return entry.error;
    case Qt::DisplayRole:
        if (column == NameColumn) {
            return entry.id;
        }
        if (column == ServerColumn) {
            return broken ? QStringLiteral("cannot be loaded") : entry.account->address;
        }
        return broken ? entry.error : QVariant();
    case Qt::ToolTipRole:
        if (broken) {
            return entry.error;
        }
        return entry.account->displayName.isEmpty()
                   ? entry.account->address
                   : entry.account->displayName + QStringLiteral(" <") + entry.account->address +
                         QLatin1Char('>');
    case Qt::ForegroundRole:
        return broken && column != NameColumn ? QVariant(QBrush(toneColor(LatchTone::Problem)))
                                              : QVariant();
    default:
        return {};
    }
}

QVariant AccountListModel::serviceData(const AccountListEntry& entry, Service service, int column,
                                       int role) const
{
    const LatchRecord record = entry.account->latchRecord(service);
    switch (role) {
    case AccountIdRole:
        return entry.id;
    case LoadErrorRole:
        return QString();
    case ServiceRole:
        return serviceName(service);
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        if (column == NameColumn) {
            return serviceTitle(service);
        }
        if (column == ServerColumn) {
            return serverText(entry.account->settings(service));
        }
        return latchStatusText(record);
    case Qt::ForegroundRole:
        return column == StatusColumn ? QVariant(QBrush(toneColor(latchTone(record)))) : QVariant();
    default:
        return {};
    }
}

QVariant AccountListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case NameColumn:
        return QStringLiteral("Account");
    case ServerColumn:
        return QStringLiteral("Address / server");
    case StatusColumn:
        return QStringLiteral("Security latches");
    default:
        return {};
    }
}

} // namespace Latchmail::Ui
