// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/latchstatusview.h"

#include "ui/latchtext.h"

namespace Latchmail::Ui {

LatchStatusView::LatchStatusView(QWidget* parent)
    : QTextBrowser(parent)
{
    setObjectName(QStringLiteral("latchStatusView"));
    setAccessibleName(QStringLiteral("Account security details"));
    setAccessibleDescription(QStringLiteral("Security latches with the date each was first set, "
                                            "the last connection and recent latch failures"));
    setOpenLinks(false);
    setFrameShape(QFrame::NoFrame);
    document()->setDocumentMargin(12);
}

void LatchStatusView::showAccount(const AccountListEntry* entry, const QString& accountsDirectory)
{
    setHtml(entry != nullptr ? accountDetailsHtml(*entry) : noAccountsHtml(accountsDirectory));
}

void LatchStatusView::showNoSelection()
{
    setHtml(QStringLiteral("<p style='color:#6b6b6b'>Select an account to see its security "
                           "latches, its last connection and any latch failures.</p>"));
}

} // namespace Latchmail::Ui
