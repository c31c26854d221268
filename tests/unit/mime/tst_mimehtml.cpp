// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/mimehtml.h"

#include <QElapsedTimer>
#include <QTest>

using namespace Latchmail;

class TestMimeHtml : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void convertsToText_data();
    void convertsToText();
    void staysLinearOnHostileInput_data();
    void staysLinearOnHostileInput();
};

void TestMimeHtml::convertsToText_data()
{
    QTest::addColumn<QString>("html");
    QTest::addColumn<QString>("text");

    QTest::newRow("plain-words") << QStringLiteral("Hello   world")
                                 << QStringLiteral("Hello world");
    QTest::newRow("paragraphs") << QStringLiteral("<p>One</p><p>Two</p>")
                                << QStringLiteral("One\n\nTwo");
    QTest::newRow("line-breaks") << QStringLiteral("a<br>b<BR/>c") << QStringLiteral("a\nb\nc");
    QTest::newRow("divs") << QStringLiteral("<div>a</div><div>b</div>") << QStringLiteral("a\nb");
    QTest::newRow("script-dropped")
        << QStringLiteral("a<script type=\"text/javascript\">alert('<p>x</p>')</script>b")
        << QStringLiteral("ab");
    QTest::newRow("style-dropped")
        << QStringLiteral("<style>p{color:red}</style><p>text</p>") << QStringLiteral("text");
    QTest::newRow("title-dropped") << QStringLiteral("<html><head><title>T</title></head>"
                                                     "<body>Body</body></html>")
                                   << QStringLiteral("Body");
    QTest::newRow("uppercase-script")
        << QStringLiteral("x<SCRIPT>evil()</SCRIPT>y") << QStringLiteral("xy");
    QTest::newRow("named-entities") << QStringLiteral("Fish &amp; chips &lt;3 &quot;ok&quot;")
                                    << QStringLiteral("Fish & chips <3 \"ok\"");
    QTest::newRow("numeric-entities")
        << QStringLiteral("&#8364; &#x20AC; &#X41;") << QStringLiteral("€ € A");
    QTest::newRow("astral-entity") << QStringLiteral("&#128512;") << QStringLiteral("😀");
    QTest::newRow("invalid-entity-replaced")
        << QStringLiteral("a&#0;b&#xD800;c") << QStringLiteral("a\uFFFDb\uFFFDc");
    QTest::newRow("unknown-entity-kept")
        << QStringLiteral("&bogus; & x") << QStringLiteral("&bogus; & x");
    QTest::newRow("image-not-loaded")
        << QStringLiteral("<img src=\"https://tracker.example/pixel.gif\" alt=\"x\">Hi")
        << QStringLiteral("Hi");
    QTest::newRow("attribute-with-gt")
        << QStringLiteral("<a href=\"x\" title=\"a>b\">link</a>") << QStringLiteral("link");
    QTest::newRow("comment-dropped")
        << QStringLiteral("a<!-- <p>hidden</p> -->b") << QStringLiteral("ab");
    QTest::newRow("list-items") << QStringLiteral("<ul><li>one</li><li>two</li></ul>")
                                << QStringLiteral("\u2022 one\n\u2022 two");
    QTest::newRow("pre-keeps-spacing")
        << QStringLiteral("<pre>a  b\n  c</pre>") << QStringLiteral("a  b\n  c");
    QTest::newRow("lone-less-than") << QStringLiteral("1 < 2") << QStringLiteral("1 < 2");
    QTest::newRow("unterminated-tag")
        << QStringLiteral("text <a href=\"x") << QStringLiteral("text");
    QTest::newRow("unterminated-script")
        << QStringLiteral("ok<script>while(1){}") << QStringLiteral("ok");
    QTest::newRow("doctype") << QStringLiteral("<!DOCTYPE html><p>x</p>") << QStringLiteral("x");
    QTest::newRow("table-cells") << QStringLiteral("<table><tr><td>a</td><td>b</td></tr></table>")
                                 << QStringLiteral("a b");
}

void TestMimeHtml::convertsToText()
{
    QFETCH(QString, html);
    QFETCH(QString, text);
    QCOMPARE(htmlToPlainText(html), text);
}

void TestMimeHtml::staysLinearOnHostileInput_data()
{
    QTest::addColumn<QString>("html");

    QTest::newRow("many-ampersands") << QString(200000, QLatin1Char('&'));
    QTest::newRow("many-open-brackets") << QStringLiteral("<a").repeated(100000);
    QTest::newRow("many-comment-starts") << QStringLiteral("<!--").repeated(50000);
    QTest::newRow("deep-nesting") << QStringLiteral("<div>").repeated(100000);
    QTest::newRow("many-scripts") << QStringLiteral("<script>").repeated(50000);
}

void TestMimeHtml::staysLinearOnHostileInput()
{
    QFETCH(QString, html);
    // The output can never be longer than the input; the call must return at all (a quadratic
    // scan of these inputs would take minutes and hit the test timeout).
    const QString text = htmlToPlainText(html);
    QVERIFY(text.size() <= html.size());
}

QTEST_GUILESS_MAIN(TestMimeHtml)
#include "tst_mimehtml.moc"
