// SPDX-License-Identifier: GPL-3.0-or-later
// Looks for a secret in every file below a directory, as UTF-8, UTF-16 and base64.
#pragma once

#include <QDirIterator>
#include <QFile>
#include <QStringList>

namespace Latchmail::TestSupport {

/// Paths of the files below `root` that contain `secret` in a recognisable encoding.
inline QStringList filesContainingSecret(const QString& root, const QString& secret)
{
    const QByteArray utf8 = secret.toUtf8();
    const QByteArray utf16(reinterpret_cast<const char*>(secret.utf16()), secret.size() * 2);
    const QList<QByteArray> needles{utf8, utf16, utf8.toBase64()};

    QStringList hits;
    QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile file(it.next());
        if (!file.open(QIODevice::ReadOnly)) {
            hits.append(file.fileName() + QStringLiteral(" (unreadable, cannot be checked)"));
            continue;
        }
        const QByteArray content = file.readAll();
        for (const QByteArray& needle : needles) {
            if (content.contains(needle)) {
                hits.append(file.fileName());
                break;
            }
        }
    }
    return hits;
}

} // namespace Latchmail::TestSupport
