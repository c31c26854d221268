// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QSsl>
#include <QStringList>
#include <QTcpServer>

class QSslSocket;

namespace Latchmail::Test {

/// One step of a scripted SMTP conversation: when the client's next line starts with `expect`
/// (case-insensitively; "" matches any line), the server answers `reply` and then acts. The end
/// of message data ("\r\n.\r\n" after a 354 reply) arrives as the line ".".
struct SmtpStep
{
    enum class Then {
        Continue,
        StartTls, // begin the server side of the TLS handshake after the reply
        ReadData, // the reply was 354: read message data up to the final dot
        Close,    // close the connection after the reply
    };

    QByteArray expect;
    QByteArray reply;
    Then then = Then::Continue;
};

/// What a scripted SMTP server says and how it does TLS.
struct SmtpScript
{
    QByteArray greeting = "220 scripted.test ESMTP\r\n";
    QList<SmtpStep> steps;
    bool implicitTls = false;
    QSsl::SslProtocol protocol = QSsl::TlsV1_2OrLater;
};

/// One line the server received, with the number of replies it had written when the line's
/// bytes arrived (lines pipelined together share that number, RFC 2920).
struct ReceivedLine
{
    QByteArray line;
    int repliesBefore = 0;
    bool overTls = false;
};

/// A scripted SMTP server on 127.0.0.1, port 0, for hostile and broken peers. Records every
/// byte received, raw before TLS and decrypted after it, and every line with its timing
/// relative to the replies. Lines that do not match the script are recorded as problems and
/// answered with nothing. Serves one connection at a time; each new connection starts the
/// script again.
class SmtpScriptedServer : public QTcpServer
{
    Q_OBJECT

public:
    explicit SmtpScriptedServer(SmtpScript script, QObject* parent = nullptr);
    ~SmtpScriptedServer() override;

    [[nodiscard]] bool listenOnLoopback();

    [[nodiscard]] int connectionCount() const { return m_connectionCount; }
    [[nodiscard]] QByteArray plaintextReceived() const { return m_plaintext; }
    [[nodiscard]] QByteArray tlsReceived() const { return m_tls; }
    /// Everything received, both phases.
    [[nodiscard]] QByteArray allReceived() const { return m_plaintext + m_tls; }
    [[nodiscard]] const QList<ReceivedLine>& lines() const { return m_lines; }
    /// The message data received (dot-stuffing undone), one entry per DATA.
    [[nodiscard]] const QList<QByteArray>& messages() const { return m_messages; }
    [[nodiscard]] bool handshakeCompleted() const { return m_encrypted; }
    [[nodiscard]] bool clientClosed() const { return m_closed; }
    [[nodiscard]] bool scriptFinished() const { return m_nextStep >= m_script.steps.size(); }
    [[nodiscard]] QStringList problems() const { return m_problems; }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void handleReadyRead();
    void handleLine(const QByteArray& line);
    void readData();
    void startServerTls();
    void write(const QByteArray& bytes);

    SmtpScript m_script;
    QSslSocket* m_socket = nullptr;
    QByteArray m_plaintext;
    QByteArray m_tls;
    QByteArray m_buffer;
    QByteArray m_data;
    QList<ReceivedLine> m_lines;
    QList<QByteArray> m_messages;
    QStringList m_problems;
    int m_nextStep = 0;
    int m_replies = 0;
    int m_repliesAtArrival = 0; // m_replies when the bytes being processed arrived
    int m_connectionCount = 0;
    bool m_readingData = false;
    bool m_encrypted = false;
    bool m_closed = false;
};

} // namespace Latchmail::Test
