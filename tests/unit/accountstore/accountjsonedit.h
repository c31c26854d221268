// SPDX-License-Identifier: GPL-3.0-or-later
// Edits one field of an account document, addressed by a path such as
// {"latchRecords", "0", "latches", "tls12"}: a numeric element indexes an array.
#pragma once

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace Latchmail::Fixtures {

// Sets (or with nullopt removes) the value at `path` inside `node`.
inline QJsonValue editedValue(const QJsonValue& node, QStringList path,
                              const std::optional<QJsonValue>& value)
{
    const QString step = path.takeFirst();
    bool isIndex = false;
    const int index = step.toInt(&isIndex);
    if (node.isArray() && isIndex) {
        QJsonArray array = node.toArray();
        if (path.isEmpty()) {
            if (value) {
                index < array.size() ? array.replace(index, *value) : array.append(*value);
            } else {
                array.removeAt(index);
            }
        } else {
            array.replace(index, editedValue(array.at(index), path, value));
        }
        return array;
    }

    QJsonObject object = node.toObject();
    if (path.isEmpty()) {
        if (value) {
            object.insert(step, *value);
        } else {
            object.remove(step);
        }
    } else {
        object.insert(step, editedValue(object.value(step), path, value));
    }
    return object;
}

inline QByteArray edited(const QByteArray& json, const QStringList& path,
                         const std::optional<QJsonValue>& value)
{
    const QJsonValue root = QJsonDocument::fromJson(json).object();
    return QJsonDocument(editedValue(root, path, value).toObject()).toJson();
}

} // namespace Latchmail::Fixtures
