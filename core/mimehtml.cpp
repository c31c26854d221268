// SPDX-License-Identifier: GPL-3.0-or-later
// Converts HTML from received messages (untrusted input) to plain text. A single forward scan
// with no recursion and no allocation beyond the output, so hostile markup cannot make it slow
// or deep.
#include "core/mimehtml.h"

#include <QHash>
#include <QSet>

namespace Latchmail {

namespace {

// Elements whose content is never shown.
bool isHiddenElement(const QString& name)
{
    static const QSet<QString> hidden = {QStringLiteral("script"), QStringLiteral("style"),
                                         QStringLiteral("title"), QStringLiteral("template"),
                                         QStringLiteral("noscript")};
    return hidden.contains(name);
}

// Elements that start and end on a line of their own.
bool isBlockElement(const QString& name)
{
    static const QSet<QString> blocks = {
        QStringLiteral("address"),    QStringLiteral("article"), QStringLiteral("aside"),
        QStringLiteral("blockquote"), QStringLiteral("center"),  QStringLiteral("dd"),
        QStringLiteral("div"),        QStringLiteral("dl"),      QStringLiteral("dt"),
        QStringLiteral("footer"),     QStringLiteral("form"),    QStringLiteral("header"),
        QStringLiteral("hr"),         QStringLiteral("li"),      QStringLiteral("main"),
        QStringLiteral("nav"),        QStringLiteral("ol"),      QStringLiteral("pre"),
        QStringLiteral("section"),    QStringLiteral("table"),   QStringLiteral("tr"),
        QStringLiteral("ul"),         QStringLiteral("body"),    QStringLiteral("html")};
    return blocks.contains(name);
}

// Elements separated from what follows by an empty line.
bool isParagraphElement(const QString& name)
{
    static const QSet<QString> paragraphs = {
        QStringLiteral("p"),  QStringLiteral("h1"), QStringLiteral("h2"), QStringLiteral("h3"),
        QStringLiteral("h4"), QStringLiteral("h5"), QStringLiteral("h6")};
    return paragraphs.contains(name);
}

// Limitation: only the named character references that mail commonly uses are decoded (the
// full HTML table has more than 2,000); others stay as written.
const QHash<QString, char32_t>& namedReferences()
{
    static const QHash<QString, char32_t> table = {
        {QStringLiteral("amp"), U'&'},         {QStringLiteral("lt"), U'<'},
        {QStringLiteral("gt"), U'>'},          {QStringLiteral("quot"), U'"'},
        {QStringLiteral("apos"), U'\''},       {QStringLiteral("nbsp"), U'\u00A0'},
        {QStringLiteral("copy"), U'\u00A9'},   {QStringLiteral("reg"), U'\u00AE'},
        {QStringLiteral("trade"), U'\u2122'},  {QStringLiteral("hellip"), U'\u2026'},
        {QStringLiteral("mdash"), U'\u2014'},  {QStringLiteral("ndash"), U'\u2013'},
        {QStringLiteral("lsquo"), U'\u2018'},  {QStringLiteral("rsquo"), U'\u2019'},
        {QStringLiteral("ldquo"), U'\u201C'},  {QStringLiteral("rdquo"), U'\u201D'},
        {QStringLiteral("laquo"), U'\u00AB'},  {QStringLiteral("raquo"), U'\u00BB'},
        {QStringLiteral("bull"), U'\u2022'},   {QStringLiteral("middot"), U'\u00B7'},
        {QStringLiteral("euro"), U'\u20AC'},   {QStringLiteral("pound"), U'\u00A3'},
        {QStringLiteral("yen"), U'\u00A5'},    {QStringLiteral("cent"), U'\u00A2'},
        {QStringLiteral("sect"), U'\u00A7'},   {QStringLiteral("deg"), U'\u00B0'},
        {QStringLiteral("times"), U'\u00D7'},  {QStringLiteral("divide"), U'\u00F7'},
        {QStringLiteral("auml"), U'\u00E4'},   {QStringLiteral("ouml"), U'\u00F6'},
        {QStringLiteral("uuml"), U'\u00FC'},   {QStringLiteral("Auml"), U'\u00C4'},
        {QStringLiteral("Ouml"), U'\u00D6'},   {QStringLiteral("Uuml"), U'\u00DC'},
        {QStringLiteral("szlig"), U'\u00DF'},  {QStringLiteral("eacute"), U'\u00E9'},
        {QStringLiteral("egrave"), U'\u00E8'}, {QStringLiteral("agrave"), U'\u00E0'},
        {QStringLiteral("ccedil"), U'\u00E7'}, {QStringLiteral("shy"), U'\u00AD'},
        {QStringLiteral("zwnj"), U'\u200C'},   {QStringLiteral("zwj"), U'\u200D'}};
    return table;
}

class HtmlTextWriter
{
public:
    explicit HtmlTextWriter(qsizetype sizeHint) { m_text.reserve(sizeHint); }

    void appendText(QChar c, bool preformatted)
    {
        if (!preformatted && (c.isSpace() && c != QChar(0x00A0))) {
            m_pendingSpace = !m_text.isEmpty() && !m_text.endsWith(QLatin1Char('\n'));
            return;
        }
        if (preformatted && c == QLatin1Char('\r')) {
            return;
        }
        if (m_pendingSpace) {
            m_text.append(QLatin1Char(' '));
            m_pendingSpace = false;
        }
        m_text.append(c);
    }

    void appendCodePoint(char32_t codePoint, bool preformatted)
    {
        const QString decoded = QString::fromUcs4(&codePoint, 1);
        for (const QChar c : decoded) {
            appendText(c, preformatted);
        }
    }

    // Ends the current line; with `blankLine`, also leaves one empty line.
    void breakLine(bool blankLine)
    {
        m_pendingSpace = false;
        if (m_text.isEmpty()) {
            return;
        }
        const int wanted = blankLine ? 2 : 1;
        int present = 0;
        for (qsizetype i = m_text.size() - 1;
             i >= 0 && present < wanted && m_text.at(i) == QLatin1Char('\n'); --i) {
            ++present;
        }
        for (int i = present; i < wanted; ++i) {
            m_text.append(QLatin1Char('\n'));
        }
    }

    void forceLineBreak()
    {
        m_pendingSpace = false;
        m_text.append(QLatin1Char('\n'));
    }

    [[nodiscard]] QString result() const { return m_text.trimmed(); }

private:
    QString m_text;
    bool m_pendingSpace = false;
};

class HtmlScanner
{
public:
    explicit HtmlScanner(const QString& html)
        : m_html(html)
        , m_out(html.size())
    {
    }

    QString run()
    {
        while (m_pos < m_html.size()) {
            const QChar c = m_html.at(m_pos);
            if (c == QLatin1Char('<')) {
                handleMarkup();
            } else if (c == QLatin1Char('&')) {
                handleReference();
            } else {
                m_out.appendText(c, m_preDepth > 0);
                ++m_pos;
            }
        }
        return m_out.result();
    }

private:
    void handleMarkup()
    {
        if (m_html.mid(m_pos, 4) == QLatin1String("<!--")) {
            skipPast(QStringLiteral("-->"), m_pos + 4);
            return;
        }
        const QChar next = m_pos + 1 < m_html.size() ? m_html.at(m_pos + 1) : QChar();
        const bool closing = next == QLatin1Char('/');
        const qsizetype nameStart = m_pos + (closing ? 2 : 1);
        qsizetype nameEnd = nameStart;
        while (nameEnd < m_html.size() && (m_html.at(nameEnd).isLetterOrNumber())) {
            ++nameEnd;
        }
        if (nameEnd == nameStart && next != QLatin1Char('!') && next != QLatin1Char('?')) {
            // A lone '<' is text, as browsers treat it.
            m_out.appendText(QLatin1Char('<'), m_preDepth > 0);
            ++m_pos;
            return;
        }

        const QString name = m_html.mid(nameStart, nameEnd - nameStart).toLower();
        m_pos = tagEnd(nameEnd);
        if (!closing && isHiddenElement(name)) {
            skipPast(QStringLiteral("</") + name, m_pos);
            skipPast(QStringLiteral(">"), m_pos);
            return;
        }
        applyElement(name, closing);
    }

    void applyElement(const QString& name, bool closing)
    {
        if (name == QLatin1String("br")) {
            m_out.forceLineBreak();
        } else if (name == QLatin1String("pre")) {
            m_preDepth = closing ? qMax(0, m_preDepth - 1) : m_preDepth + 1;
            m_out.breakLine(false);
        } else if (name == QLatin1String("li") && !closing) {
            m_out.breakLine(false);
            m_out.appendText(QChar(0x2022), false);
            m_out.appendText(QLatin1Char(' '), true);
        } else if (isParagraphElement(name)) {
            m_out.breakLine(true);
        } else if (isBlockElement(name)) {
            m_out.breakLine(false);
        } else if (name == QLatin1String("td") || name == QLatin1String("th")) {
            m_out.appendText(QLatin1Char(' '), false);
        }
    }

    // The position after the '>' that closes a tag, honouring quoted attribute values.
    qsizetype tagEnd(qsizetype from) const
    {
        QChar quote;
        for (qsizetype i = from; i < m_html.size(); ++i) {
            const QChar c = m_html.at(i);
            if (!quote.isNull()) {
                if (c == quote) {
                    quote = QChar();
                }
            } else if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
                quote = c;
            } else if (c == QLatin1Char('>')) {
                return i + 1;
            }
        }
        return m_html.size();
    }

    void skipPast(const QString& marker, qsizetype from)
    {
        const qsizetype found = m_html.indexOf(marker, from, Qt::CaseInsensitive);
        m_pos = found < 0 ? m_html.size() : found + marker.size();
    }

    void handleReference()
    {
        // References are short: look for the ';' only within the longest name we decode.
        const qsizetype offset = QStringView(m_html).mid(m_pos + 1, 12).indexOf(QLatin1Char(';'));
        const qsizetype end = offset < 0 ? -1 : m_pos + 1 + offset;
        if (end < 0) {
            m_out.appendText(QLatin1Char('&'), m_preDepth > 0);
            ++m_pos;
            return;
        }
        const QString body = m_html.mid(m_pos + 1, end - m_pos - 1);
        const char32_t codePoint = decodeReference(body);
        if (codePoint == 0) {
            m_out.appendText(QLatin1Char('&'), m_preDepth > 0);
            ++m_pos;
            return;
        }
        m_out.appendCodePoint(codePoint, m_preDepth > 0);
        m_pos = end + 1;
    }

    static char32_t decodeReference(const QString& body)
    {
        if (!body.startsWith(QLatin1Char('#'))) {
            return namedReferences().value(body, 0);
        }
        bool ok = false;
        const bool hex = body.size() > 1 && body.at(1).toLower() == QLatin1Char('x');
        const uint value = hex ? body.mid(2).toUInt(&ok, 16) : body.mid(1).toUInt(&ok, 10);
        if (!ok) {
            return 0;
        }
        const bool surrogate = value >= 0xD800 && value <= 0xDFFF;
        if (value == 0 || value > 0x10FFFF || surrogate) {
            return U'\uFFFD';
        }
        return value;
    }

    const QString& m_html;
    HtmlTextWriter m_out;
    qsizetype m_pos = 0;
    int m_preDepth = 0;
};

} // namespace

QString htmlToPlainText(const QString& html)
{
    return HtmlScanner(html).run();
}

} // namespace Latchmail
