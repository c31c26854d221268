// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayList>

#include <algorithm>

namespace Latchmail::Test {

/// What `openssl s_server` printed that is not its own status output: the application data it
/// received from clients, which it echoes to standard output. Everything not recognised as a
/// status line counts as application data, so an unknown status line fails a test rather than
/// hiding a byte.
inline QByteArray sserverApplicationData(const QByteArray& output)
{
    static const QByteArrayList statusPrefixes = {
        "Using default temp DH parameters",
        "Setting temp DH parameters",
        "ACCEPT",
        "ERROR",
        "Shared ciphers:",
        "Signature Algorithms:",
        "Shared Signature Algorithms:",
        "Supported Elliptic Curve Point Formats:",
        "Supported groups:",
        "Shared groups:",
        "Peer signing digest:",
        "Peer signature type:",
        "No peer certificate",
        "CIPHER is ",
        "Secure Renegotiation IS",
        "Reused session-id",
        "DONE",
        "shutting down SSL",
        "CONNECTION CLOSED",
    };

    QByteArrayList data;
    bool inSessionBlock = false;
    for (const QByteArray& line : output.split('\n')) {
        if (line.startsWith("-----BEGIN SSL SESSION PARAMETERS-----")) {
            inSessionBlock = true;
            continue;
        }
        if (inSessionBlock) {
            inSessionBlock = !line.startsWith("-----END SSL SESSION PARAMETERS-----");
            continue;
        }
        const bool status =
            line.trimmed().isEmpty() ||
            std::any_of(statusPrefixes.cbegin(), statusPrefixes.cend(),
                        [&line](const QByteArray& prefix) { return line.startsWith(prefix); }) ||
            line.contains(":error:"); // OpenSSL's error queue lines
        if (!status) {
            data.append(line);
        }
    }
    return data.join('\n');
}

/// How many connections s_server finished, from its standard output and error together: each
/// ends with exactly one "ERROR" (failed handshake, or a peer that dropped the connection) or
/// "DONE" (a clean close).
inline int sserverFinishedConnections(const QByteArray& outputAndErrors)
{
    int finished = 0;
    for (const QByteArray& line : outputAndErrors.split('\n')) {
        if (line == "ERROR" || line == "DONE") {
            ++finished;
        }
    }
    return finished;
}

/// The cipher suites of the ClientHello(s) that s_server's -trace printed, IANA names.
inline QByteArrayList sserverOfferedSuites(const QByteArray& output)
{
    QByteArrayList suites;
    bool inList = false;
    for (const QByteArray& line : output.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.startsWith("cipher_suites (len=")) {
            inList = true;
            continue;
        }
        if (inList && trimmed.startsWith("{0x")) {
            suites.append(trimmed.mid(trimmed.indexOf('}') + 1).trimmed());
            continue;
        }
        inList = false;
    }
    return suites;
}

} // namespace Latchmail::Test
