// Escaping text for the formats reports write: CSV fields, Markdown table cells and HTML.
#pragma once

#include <string>

namespace perfgate {

// RFC 4180: quoted (with quotes doubled) only when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

// A '|' would open a new column and a line break would end the row: "a|b\nc" -> "a\|b c".
std::string markdown_cell(const std::string& text);

// Text and attribute values in HTML: & < > " ' as character references.
std::string html_text(const std::string& text);

}  // namespace perfgate
