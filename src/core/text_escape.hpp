// Escaping text for where it is shown: a terminal, CSV fields, Markdown table cells and HTML.
// Names, tags and ids come from input (logs, harness output, a store): none reaches a terminal
// or a spreadsheet raw.
#pragma once

#include <string>

namespace perfgate {

// Text from input for a terminal: control characters (C0 and DEL as \n, \r, \t or \xHH, the
// C1 controls U+0080..U+009F as \u00HH) and bytes that are not UTF-8 (\xHH) are written out, so
// that no escape sequence retitles the window or clears the screen: "\x1b[2J" stays 7 visible
// characters. Other UTF-8 is kept.
std::string terminal_text(const std::string& text);
// The same, line by line: a message of several lines keeps its line breaks.
std::string terminal_lines(const std::string& text);

// RFC 4180: quoted (with quotes doubled) only when it holds a comma, a quote or a line break.
// A field a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
// return; OWASP "CSV injection") is prefixed with a quote: "=1+1" -> "'=1+1".
std::string csv_field(const std::string& text);

// A '|' would open a new column and a line break would end the row: "a|b\nc" -> "a\|b c";
// & < > as character references, so a name never becomes HTML in a rendered comment.
std::string markdown_cell(const std::string& text);

// Text shown as code (`text`), backticks included: code is never read as HTML, so only '|',
// line breaks and a backtick (which would end the span, made ') are changed.
std::string markdown_code(const std::string& text);

// Text and attribute values in HTML: & < > " ' as character references.
std::string html_text(const std::string& text);

}  // namespace perfgate
