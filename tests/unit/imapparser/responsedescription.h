// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "imap/responseparser.h"

#include <QByteArray>
#include <QList>

namespace Latchmail::Imap::Test {

/// A complete, canonical one-line text for a response: every field the parser produced, so
/// two parses are identical exactly when their descriptions are.
QByteArray describe(const Response& response);
QByteArray describe(const ResponseCode& code);
QByteArray describe(const BodyPart& part);
QByteArray describe(const Envelope& envelope);

/// Bytes made printable: "\r" "\n" and others as \xNN, strings in quotes.
QByteArray quoted(const QByteArray& bytes);

/// What a parse of some input produced: descriptions of every response, and the error if any.
struct ParseOutcome
{
    QList<QByteArray> responses;
    std::optional<ParseError> error;
    qint64 bufferedAtEnd = 0;
};

/// Feeds input in pieces of the given sizes (cycled; empty means all at once), calling next()
/// after every piece.
ParseOutcome parseInPieces(QByteArrayView input, const QList<qsizetype>& pieceSizes,
                           const Limits& limits = {}, LiteralSink* sink = nullptr);

/// Random split points from a fixed seed: reproducible "random" chunkings.
QList<qsizetype> randomPieces(quint32 seed, qsizetype maxPiece);

} // namespace Latchmail::Imap::Test
