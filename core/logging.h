// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLoggingCategory>

// Logging categories of the whole product. The `.wire` categories carry protocol traces; they
// are off by default and every line they print has passed through the protocol's redactor.
Q_DECLARE_LOGGING_CATEGORY(lcCore)
Q_DECLARE_LOGGING_CATEGORY(lcTls)
Q_DECLARE_LOGGING_CATEGORY(lcSecrets)
Q_DECLARE_LOGGING_CATEGORY(lcImap)
Q_DECLARE_LOGGING_CATEGORY(lcImapWire)
Q_DECLARE_LOGGING_CATEGORY(lcSubmission)
Q_DECLARE_LOGGING_CATEGORY(lcSubmissionWire)
Q_DECLARE_LOGGING_CATEGORY(lcUi)
