// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/logging.h"

Q_LOGGING_CATEGORY(lcCore, "latchmail.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTls, "latchmail.tls", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSecrets, "latchmail.secrets", QtInfoMsg)
Q_LOGGING_CATEGORY(lcImap, "latchmail.imap", QtInfoMsg)
Q_LOGGING_CATEGORY(lcImapWire, "latchmail.imap.wire", QtCriticalMsg)
Q_LOGGING_CATEGORY(lcSubmission, "latchmail.submission", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSubmissionWire, "latchmail.submission.wire", QtCriticalMsg)
Q_LOGGING_CATEGORY(lcUi, "latchmail.ui", QtInfoMsg)
