// Tests for the two ways a line becomes a record (record_parser.hpp): the fast path must take
// the lines trackers write, and it must never take a line the strict parse (simdjson's DOM)
// refuses nor read a field of it differently. Each test compares the two on the same bytes:
// tables of odd lines (escapes, exponents, -0, unicode, key order, duplicate keys, whitespace,
// trailing bytes, JSON that is no record) and many random mutations of tracker lines, each
// followed in memory by bytes that would complete it if a parser read past its end.
#include "oplog/record_parser.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace perfgate::oplog {
namespace {

// A record's fields as owned values (the parsers' views die with their next line).
struct Fields {
  std::string timestamp;
  std::int64_t timestamp_ns = 0;
  std::string operation;
  std::uint64_t duration_bits = 0;  // the double's bits: 0 and -0, and every last bit, differ
  bool success = false;
  std::optional<std::string> session_id;
  std::optional<std::string> error;

  bool operator==(const Fields&) const = default;
};

Fields fields_of(const OperationRecord& r) {
  Fields f{std::string(r.timestamp),
           r.timestamp_ns,
           std::string(r.operation),
           std::bit_cast<std::uint64_t>(r.duration_ms),
           r.success,
           std::nullopt,
           std::nullopt};
  if (r.session_id) f.session_id = std::string(*r.session_id);
  if (r.error) f.error = std::string(*r.error);
  return f;
}

std::string describe(const Fields& f) {
  return f.timestamp + " " + f.operation + " " + std::to_string(std::bit_cast<double>(f.duration_bits)) + " " +
         (f.success ? "true" : "false") + " " + f.session_id.value_or("(none)") + " " + f.error.value_or("(none)");
}

// The bytes of a line in memory as the reader holds them: followed by `after` (the next line,
// or the rest of the line it was cut from) and the padding the parsers may read.
class PaddedLine {
 public:
  PaddedLine(std::string_view line, std::string_view after = {}) : bytes_(line) {
    bytes_ += after;
    bytes_.append(kLinePadding, '\0');
    size_ = line.size();
  }
  std::string_view view() const { return {bytes_.data(), size_}; }

 private:
  std::string bytes_;
  std::size_t size_;
};

struct Outcome {
  bool fast = false;                  // the fast path took the line
  std::optional<Fields> fast_fields;  // what it read
  const char* reason = nullptr;       // the strict parse's answer: nullptr for a record
  std::optional<Fields> strict_fields;
};

Outcome both_ways(std::string_view line, std::string_view after = {}) {
  PaddedLine padded(line, after);
  Outcome out;
  OperationRecord record;
  out.fast = scan_common_record(padded.view(), record);
  if (out.fast) out.fast_fields = fields_of(record);
  RecordParser parser;
  const char* detail = nullptr;
  OperationRecord strict;
  out.reason = parser.parse_strictly(padded.view(), strict, detail);
  if (out.reason == nullptr) out.strict_fields = fields_of(strict);
  return out;
}

// What must hold for every line: the fast path takes only records, and reads them as the strict parse.
void expect_fast_path_agrees(const Outcome& out, std::string_view line) {
  if (!out.fast) return;
  ASSERT_EQ(out.reason, nullptr) << "the fast path took a line the strict parse refuses (" << out.reason
                                 << "): " << line;
  EXPECT_EQ(*out.fast_fields, *out.strict_fields)
      << line << "\n fast:   " << describe(*out.fast_fields) << "\n strict: " << describe(*out.strict_fields);
}

const std::string kTrackerLine =
    R"({"timestamp":"2026-01-06T13:28:00.191Z","operation_type":"agent_register","duration_ms":45.125,)"
    R"("success":true,"session_id":"ses_9e9331707ff6","error":null,"context":{"agents":5,"region":"eu-west-1"}})";

TEST(RecordParser, TheFastPathTakesWhatTrackersWriteAndReadsItAsTheStrictParse) {
  const std::vector<std::string> lines = {
      kTrackerLine,
      // failed, with an error; no context; an integer duration; an offset
      R"({"timestamp":"2026-01-06T14:28:00+01:00","operation_type":"db_query","duration_ms":0,"success":false,)"
      R"("session_id":null,"error":"connection reset by peer"})",
      // only the required keys, in another order, with other keys between them
      R"({"success":true,"extra":[1,2.5,{"x":null}],"duration_ms":1.5,"timestamp":"2026-01-06T00:00:00Z","operation_type":"a"})",
      // Python's json.dumps: spaces after the separators, CR of a CRLF ending
      "{\"timestamp\": \"2026-01-06T00:00:00.5Z\", \"operation_type\": \"cache_get\", \"duration_ms\": 2.25, "
      "\"success\": true, \"session_id\": \"s\", \"error\": null, \"context\": {\"k\": [true, false, null]}}\r",
      // whitespace everywhere JSON allows it
      " \t{ \"timestamp\" : \"2026-01-06T00:00:00Z\" ,\r\"operation_type\"\t:\"a\" , \"duration_ms\" : 7 , "
      "\"success\" : false } \t",
      // repeated keys: the last one counts, whatever the first was
      R"({"timestamp":5,"timestamp":"2026-01-06T00:00:00Z","operation_type":"first","operation_type":"last",)"
      R"("duration_ms":"x","duration_ms":3,"success":1,"success":true,"session_id":7,"session_id":null})",
      // unicode (2, 3 and 4 bytes) in the fields and in the context
      "{\"timestamp\":\"2026-01-06T00:00:00Z\",\"operation_type\":\"caf\xC3\xA9_\xE2\x82\xAC\",\"duration_ms\":1,"
      "\"success\":true,\"session_id\":\"\xF0\x9F\x98\x80\",\"error\":\"\xE4\xB8\xAD\",\"context\":{\"\xC3\xA9\":"
      "\"\xEF\xBF\xBD\"}}",
      // escapes where nobody reads them; -0, deep nesting and long numbers in the context
      R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":1,"success":true,)"
      R"("context":{"quote":"say \"hi\"\\\/\b\f\n\r\t","n":-0,"m":-0.0,"deep":[[[[{"a":[]}]]]],"big":123456789012345678}})",
      // the largest durations there are: a year, and 15 digits
      R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":31536000000,"success":true})",
      R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":31535999999.9999,"success":true})",
      // decimals a double does not hold exactly, and small ones
      R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":0.1,"success":true})",
      R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":2.675,"success":true})",
      R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":0.00000000000001,"success":true})",
      R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":123456789.012345,"success":true})",
      R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":045.0e0,"success":true})",
  };
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    SCOPED_TRACE(lines[i]);
    Outcome out = both_ways(lines[i]);
    ASSERT_EQ(out.reason, nullptr) << out.reason;
    ASSERT_TRUE(out.fast) << "the fast path did not take it";
    EXPECT_EQ(*out.fast_fields, *out.strict_fields) << describe(*out.fast_fields) << "\n"
                                                    << describe(*out.strict_fields);
  }
  EXPECT_FALSE(both_ways(lines.back()).fast);  // the last one is no JSON (045)

  Outcome tracker = both_ways(kTrackerLine);
  EXPECT_EQ(tracker.fast_fields->operation, "agent_register");
  EXPECT_EQ(std::bit_cast<double>(tracker.fast_fields->duration_bits), 45.125);
  EXPECT_EQ(tracker.fast_fields->session_id, "ses_9e9331707ff6");
  EXPECT_EQ(tracker.fast_fields->error, std::nullopt);
  EXPECT_EQ(both_ways(lines[5]).fast_fields->operation, "last");
  EXPECT_EQ(std::bit_cast<double>(both_ways(lines[10]).fast_fields->duration_bits), 0.1);
}

// Lines the fast path must leave to the strict parse: some are records the strict parse reads
// (an escape in a field it returns, an exponent, a \u, a negative zero), the rest are not.
TEST(RecordParser, TheFastPathLeavesEveryOddLineToTheStrictParse) {
  const std::string ts = R"("timestamp":"2026-01-06T00:00:00Z")";
  const std::string rest = R"(,"operation_type":"a","duration_ms":1,"success":true)";
  auto duration = [&](const std::string& ms) {
    return "{" + ts + R"(,"operation_type":"a","duration_ms":)" + ms + R"(,"success":true})";
  };
  struct Odd {
    std::string line;
    bool record;  // what the strict parse says
  };
  const std::vector<Odd> odd = {
      // escapes in the fields a record returns, and \u anywhere
      {R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a\"b","duration_ms":1,"success":true})", true},
      {R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a\u0062c","duration_ms":1,"success":true})", true},
      {R"({"timestamp":"2026\u002d01-06T00:00:00Z","operation_type":"a","duration_ms":1,"success":true})", true},
      {"{" + ts + rest + R"(,"session_id":"s\/1"})", true},
      {"{" + ts + rest + R"(,"error":"line\nbreak"})", true},
      {"{" + ts + rest + R"(,"context":{"x":"\u00e9"}})", true},
      {"{" + ts + rest + R"(,"context":{"x":"\ud83d\ude00"}})", true},
      {"{" + ts + rest + R"(,"context":{"x":"\ud800"}})", false},  // a lone surrogate
      {"{" + ts + rest + R"(,"context":{"x":"\x"}})", false},
      {"{" + ts + rest + R"(,"context":{"x":"\"})", false},
      {"{" + ts + rest + R"(,"context":{"x":"\u12"}})", false},
      // an escaped key that spells one of ours, or not
      {R"({"time\u0073tamp":"2026-01-06T00:00:00Z")" + rest + "}", true},
      {R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":1,"success":true,"succ\u0065ss":false})",
       true},
      // numbers with exponents, signs, leading zeros, too long or out of range
      {duration("4.5e1"), true},
      {duration("45E-1"), true},
      {duration("-0"), true},
      {duration("-0.0"), true},
      {duration("-1"), false},
      {duration("0.1234567890123456"), true},
      {duration("31536000000.0001"), false},
      {duration("1e400"), false},
      {duration("01"), false},
      {duration("1."), false},
      {duration(".5"), false},
      {duration("+1"), false},
      {duration("1.5.5"), false},
      {"{" + ts + rest + R"(,"context":{"n":1e5}})", true},
      {"{" + ts + rest + R"(,"context":{"n":1234567890123456789012}})", false},  // simdjson: past 2^64
      {"{" + ts + rest + R"(,"context":{"n":-}})", false},
      {"{" + ts + rest + R"(,"context":{"n":00}})", false},
      {"{" + ts + rest + R"(,"context":{"n":NaN}})", false},
      {"{" + ts + rest + R"(,"context":{"n":-Infinity}})", false},
      // literals and structure
      {R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":1,"success":True})", false},
      {R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":1,"success":truex})", false},
      {R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":1,"success":tru})", false},
      {"{" + ts + rest + R"(,"error":nul})", false},
      {"{" + ts + rest + ",}", false},
      {"{" + ts + rest + R"(,"context":{"a":1,}})", false},
      {"{" + ts + rest + R"(,"context":[1,]})", false},
      {"{" + ts + rest + R"(,"context":{"a" 1}})", false},
      {"{" + ts + rest + R"(,"context":{"a":1})", false},
      {"{" + ts + rest + R"(,"context":{"a":[}]})", false},
      {"{" + ts + rest + R"(,"context":{1:2}})", false},
      {"{" + ts + rest + R"(,"context":)" + std::string(40, '[') + std::string(40, ']') + "}", false},
      {"{" + ts + rest + R"(,"context":{"a":)" + std::string(40, '[') + std::string(40, ']') + "}}", true},
      // deeper than simdjson's limit (1024): no JSON for the strict parse
      {"{" + ts + rest + R"(,"context":{"a":)" + std::string(1100, '[') + std::string(1100, ']') + "}}", false},
      {"{" + ts + rest + "}}", false},
      {"{" + ts + rest + "} x", false},
      {"{" + ts + rest + "}{" + ts + rest + "}", false},
      {"{" + ts + rest + "}\f", false},
      {"{" + ts + rest + "}\v", false},
      {"\f{" + ts + rest + "}", false},
      {"{" + ts + rest + "}" + std::string(1, '\0'), false},
      {"{" + ts + rest, false},
      {"{" + ts + ",\"operation_type\":\"a", false},
      {"{" + ts + rest + ",\"x\":\"a\tb\"}", false},  // a raw tab in a string
      {"{" + ts + rest + ",\"x\":\"a\x7f" + "b\"}", true},
      // UTF-8 that is not: overlong, a surrogate, past U+10FFFF, cut short, a stray continuation
      {"{" + ts + rest + ",\"x\":\"\xC0\xAF\"}", false},
      {"{" + ts + rest + ",\"x\":\"\xE0\x80\xAF\"}", false},
      {"{" + ts + rest + ",\"x\":\"\xED\xA0\x80\"}", false},
      {"{" + ts + rest + ",\"x\":\"\xF4\x90\x80\x80\"}", false},
      {"{" + ts + rest + ",\"x\":\"\xF0\x9F\x98\"}", false},
      {"{" + ts + rest + ",\"x\":\"\x80\"}", false},
      {"{" + ts + rest + ",\"x\":\"\xFF\"}", false},
      {"{" + ts + rest + ",\"x\xC3\":1}", false},
      // valid JSON that is no record
      {"{}", false},
      {"[]", false},
      {"null", false},
      {"\"" + ts + "\"", false},
      {"[{" + ts + rest + "}]", false},
      {"{" + ts + R"(,"operation_type":"a","duration_ms":1})", false},
      {"{" + ts + R"(,"operation_type":"","duration_ms":1,"success":true})", false},
      {"{" + ts + R"(,"operation_type":null,"duration_ms":1,"success":true})", false},
      {"{" + ts + R"(,"operation_type":"a","duration_ms":"1","success":true})", false},
      {"{" + ts + R"(,"operation_type":"a","duration_ms":1,"success":"true"})", false},
      {"{" + ts + R"(,"operation_type":"a","duration_ms":1,"success":null})", false},
      {"{" + ts + rest + R"(,"session_id":5})", false},
      {"{" + ts + rest + R"(,"error":false})", false},
      {"{" + ts + rest + R"(,"context":"x"})", false},
      {"{" + ts + rest + R"(,"context":[]})", false},
      {R"({"timestamp":"2026-04-31T00:00:00Z")" + rest + "}", false},
      {R"({"timestamp":"2026-01-06 00:00:00Z")" + rest + "}", false},
      {R"({"timestamp":"2026-01-06T00:00:00")" + rest + "}", false},
      {R"({"timestamp":null)" + rest + "}", false},
  };
  for (const Odd& o : odd) {
    SCOPED_TRACE(o.line);
    Outcome out = both_ways(o.line);
    EXPECT_EQ(out.reason == nullptr, o.record) << (out.reason ? out.reason : "a record");
    expect_fast_path_agrees(out, o.line);
  }
  // The ones the fast path is meant to leave: escapes in the returned fields, exponents, -0.
  for (std::size_t i : {0, 1, 2, 3, 4, 11, 13, 14, 15, 16}) EXPECT_FALSE(both_ways(odd[i].line).fast) << odd[i].line;
}

// Many random edits of tracker lines (cuts, deleted, inserted and replaced bytes, repeated
// pieces), each followed in memory by the rest of the line it came from: whatever the fast path
// takes, the strict parse takes too, with the same fields.
TEST(RecordParser, RandomlyEditedLinesNeverFoolTheFastPath) {
  const std::vector<std::string> seeds = {
      kTrackerLine,
      R"({"timestamp":"2026-01-06T13:28:00.191Z","operation_type":"db_query_retry","duration_ms":1234,"success":false,)"
      R"("session_id":"ses_1","error":"upstream returned 503","context":null})",
      "{\"timestamp\": \"2026-01-06T13:28:00+05:30\", \"operation_type\": \"caf\xC3\xA9\", \"duration_ms\": 0.5, "
      "\"success\": true, \"context\": {\"a\": [1, -2.5, true, {\"b\": \"\xE2\x82\xAC\\n\"}]}}",
      R"({"success":false,"duration_ms":31536000000,"operation_type":"x","timestamp":"2026-01-06T00:00:00.123456789Z"})",
  };
  const std::string alphabet = std::string("{}[]\":,.-+eE0123456789 \t\r\n\\/utrfnalsTx") +
                               std::string("\0\x1f\x7f\x80\xBF\xC3\xA9\xED\xF0\xF4\xFF", 11);
  std::mt19937_64 random(20261206);
  auto below = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(random() % n); };
  std::size_t fast = 0, records = 0;
  for (int round = 0; round < 200000; ++round) {
    const std::string& seed = seeds[below(seeds.size())];
    std::string line = seed;
    std::size_t edits = 1 + below(3);
    for (std::size_t e = 0; e < edits; ++e) {
      std::size_t at = below(line.size() + 1);
      char byte = alphabet[below(alphabet.size())];
      switch (below(5)) {
        case 0:
          line.insert(at, 1, byte);
          break;
        case 1:
          if (at < line.size()) line.erase(at, 1);
          break;
        case 2:
          if (at < line.size()) line[at] = byte;
          break;
        case 3: {
          std::size_t from = below(line.size() + 1);
          line.insert(at, line.substr(from, below(12)));
          break;
        }
        default:
          if (at < line.size()) line.erase(at, below(8) + 1);
      }
    }
    // Cut it somewhere and keep the rest behind it in memory, or keep it whole with a line behind.
    std::string_view view(line);
    std::string_view after = seed;
    if (below(3) == 0) {
      std::size_t cut = below(line.size() + 1);
      view = view.substr(0, cut);
      after = std::string_view(line).substr(cut);
    }
    Outcome out = both_ways(view, after);
    records += out.reason == nullptr ? 1 : 0;
    fast += out.fast ? 1 : 0;
    expect_fast_path_agrees(out, view);
    if (HasFailure()) return;
  }
  // The edits leave many records (a byte inside a string, a digit more), most of them taken fast.
  EXPECT_GT(records, 10000u);
  EXPECT_GT(fast, records / 2);
}

// The parser the reader uses answers as the strict parse, reason for reason.
TEST(RecordParser, ParseAnswersAsTheStrictParse) {
  RecordParser parser;
  for (const std::string& text :
       {kTrackerLine,
        std::string(R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":-1,"success":true})"),
        std::string(R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":1})"),
        std::string(R"({"timestamp":"2026-01-06T00:00:00Z","operation_type":"a","duration_ms":1,"success":true} x)")}) {
    PaddedLine line(text);
    OperationRecord fast_or_strict, strict;
    const char* detail = nullptr;
    const char* detail_strictly = nullptr;
    const char* reason = parser.parse(line.view(), fast_or_strict, detail);
    std::optional<Fields> read;
    if (reason == nullptr) read = fields_of(fast_or_strict);
    const char* reason_strictly = parser.parse_strictly(line.view(), strict, detail_strictly);
    EXPECT_EQ(std::string(reason ? reason : ""), std::string(reason_strictly ? reason_strictly : "")) << text;
    EXPECT_EQ(std::string(detail ? detail : ""), std::string(detail_strictly ? detail_strictly : "")) << text;
    if (reason == nullptr) {
      EXPECT_EQ(*read, fields_of(strict));
    }
  }
}

}  // namespace
}  // namespace perfgate::oplog
