// Text from input shown on a terminal, in a spreadsheet or in rendered Markdown stays text.
#include "core/text_escape.hpp"

#include <gtest/gtest.h>

namespace perfgate {
namespace {

TEST(TerminalText, EscapeSequencesArePrintedNotObeyed) {
  EXPECT_EQ(terminal_text("op\x1b]0;pwned\x07"), "op\\x1b]0;pwned\\x07");
  EXPECT_EQ(terminal_text("\x1b[2Jx"), "\\x1b[2Jx");
  EXPECT_EQ(terminal_text("a\nb\rc\td\x7f"), "a\\nb\\rc\\td\\x7f");
  // U+009B is CSI on its own; a lone 0x9B byte is not UTF-8.
  EXPECT_EQ(terminal_text("\xc2\x9b" "2J"), "\\u009b2J");
  EXPECT_EQ(terminal_text("\x9b" "2J"), "\\x9b2J");
  EXPECT_EQ(terminal_text("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x9a\x80"), "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x9a\x80");
  EXPECT_EQ(terminal_text("\xe2\x86"), "\\xe2\\x86");  // cut short
  EXPECT_EQ(terminal_lines("one\x1b[2J\ntwo"), "one\\x1b[2J\ntwo");
}

TEST(CsvField, FormulasAreQuotedOut) {
  EXPECT_EQ(csv_field("=1+1"), "'=1+1");
  EXPECT_EQ(csv_field("+cmd"), "'+cmd");
  EXPECT_EQ(csv_field("-2"), "'-2");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_field("\tx"), "'\tx");
  EXPECT_EQ(csv_field("\rx"), "\"'\rx\"");
  EXPECT_EQ(csv_field("=HYPERLINK(\"x\",1)"), "\"'=HYPERLINK(\"\"x\"\",1)\"");
  EXPECT_EQ(csv_field("GET /a"), "GET /a");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
}

TEST(MarkdownCell, HtmlIsShownNotRendered) {
  EXPECT_EQ(markdown_cell("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(markdown_cell("a & b|c\nd"), "a &amp; b\\|c d");
  EXPECT_EQ(markdown_code("p99 < 50ms"), "`p99 < 50ms`");
  EXPECT_EQ(markdown_code("a`b|c"), "`a'b\\|c`");
}

}  // namespace
}  // namespace perfgate
