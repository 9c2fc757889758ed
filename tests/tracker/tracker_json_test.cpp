// Tests of the tracker's line format: exact bytes for fixed cases (with an injected clock),
// durations, timestamps, context values and string escaping, including invalid UTF-8.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <perfgate/tracker.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tracker_files.hpp"

namespace perfgate {
namespace {

using tracker_test::read_lines;
using tracker_test::TempDir;

using std::chrono::milliseconds;
using std::chrono::system_clock;

// 2026-01-06T13:28:00.191Z
constexpr std::int64_t kFixedMs = 1'767'706'080'191;

TrackerOptions fixed_clock(std::int64_t epoch_ms = kFixedMs) {
  TrackerOptions options;
  options.session_id = "ses_xxx";
  options.clock = [epoch_ms] { return system_clock::time_point(milliseconds(epoch_ms)); };
  return options;
}

// Records one line through a real Tracker and returns it (without the newline).
template <class RecordFn>
std::string one_line(RecordFn&& record_fn, TrackerOptions options = fixed_clock()) {
  TempDir dir;
  const std::string path = dir.file("perf-metrics.jsonl");
  {
    Tracker tracker(path, std::move(options));
    record_fn(tracker);
  }
  const auto lines = read_lines(path);
  EXPECT_EQ(lines.size(), 1u);
  return lines.empty() ? std::string() : lines.front();
}

std::string duration_text(double duration_ms) {
  const std::string line = one_line([&](Tracker& t) { t.record("op", duration_ms, true); });
  const auto start = line.find("\"duration_ms\":") + 14;
  return line.substr(start, line.find(',', start) - start);
}

std::string timestamp_text(std::int64_t epoch_ms) {
  const std::string line = one_line([](Tracker& t) { t.record("op", 1, true); }, fixed_clock(epoch_ms));
  return nlohmann::json::parse(line).at("timestamp").get<std::string>();
}

// The operation_type field exactly as written (still escaped).
std::string escaped_operation(const std::string& operation) {
  const std::string line = one_line([&](Tracker& t) { t.record(operation, 1, true); });
  const std::string key = R"("operation_type":")";
  const auto start = line.find(key) + key.size();
  return line.substr(start, line.find(R"(","duration_ms")") - start);
}

TEST(TrackerJson, ExactLineForAFixedCase) {
  EXPECT_EQ(one_line([](Tracker& t) {
              t.record("agent_register", 45, true, {{"agents", 5}});
            }),
            R"({"timestamp":"2026-01-06T13:28:00.191Z","operation_type":"agent_register","duration_ms":45,)"
            R"("success":true,"session_id":"ses_xxx","error":null,"context":{"agents":5}})");
}

TEST(TrackerJson, ExactLineForAFailureWithEveryContextType) {
  const std::string line = one_line([](Tracker& t) {
    t.record("callback", 812.25, false,
             {{"region", "eu"},
              {"agents", -3},
              {"bytes", std::uint64_t{18'446'744'073'709'551'615u}},
              {"ratio", 0.5},
              {"retry", true},
              {"nan", std::nan("")}},
             "timeout after 800 ms");
  });
  EXPECT_EQ(line, R"({"timestamp":"2026-01-06T13:28:00.191Z","operation_type":"callback","duration_ms":812.25,)"
                  R"("success":false,"session_id":"ses_xxx","error":"timeout after 800 ms","context":{"region":"eu",)"
                  R"("agents":-3,"bytes":18446744073709551615,"ratio":0.5,"retry":true,"nan":null}})");
}

TEST(TrackerJson, EmptyContextIsAnEmptyObject) {
  const auto json = nlohmann::json::parse(one_line([](Tracker& t) { t.record("op", 1, true); }));
  EXPECT_TRUE(json.at("context").is_object());
  EXPECT_TRUE(json.at("context").empty());
  EXPECT_TRUE(json.at("error").is_null());
}

TEST(TrackerJson, KeysInTheDocumentedOrder) {
  const std::string line = one_line([](Tracker& t) { t.record("op", 1, true, {{"k", 1}}, "e"); });
  std::vector<std::size_t> positions;
  for (const char* key : {"timestamp", "operation_type", "duration_ms", "success", "session_id", "error", "context"}) {
    positions.push_back(line.find(std::string("\"") + key + "\":"));
    EXPECT_NE(positions.back(), std::string::npos) << key;
  }
  EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end())) << line;
}

TEST(TrackerJson, DurationsHaveAtMostThreeDecimalsAndNoTrailingZeros) {
  EXPECT_EQ(duration_text(45), "45");
  EXPECT_EQ(duration_text(45.0), "45");
  EXPECT_EQ(duration_text(45.5), "45.5");
  EXPECT_EQ(duration_text(0.123), "0.123");
  EXPECT_EQ(duration_text(0.1234), "0.123");
  EXPECT_EQ(duration_text(1.10), "1.1");
  EXPECT_EQ(duration_text(2.0004), "2");
  EXPECT_EQ(duration_text(0.05), "0.05");
  EXPECT_EQ(duration_text(0), "0");
  EXPECT_EQ(duration_text(-0.0), "0");
  EXPECT_EQ(duration_text(-0.0001), "0");
  EXPECT_EQ(duration_text(-2.5), "-2.5");
  EXPECT_EQ(duration_text(123456789.987), "123456789.987");
  EXPECT_EQ(duration_text(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(duration_text(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(duration_text(-std::numeric_limits<double>::infinity()), "null");
  // Beyond what thousandths can hold exactly: still a valid JSON number.
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(duration_text(1e300)).get<double>(), 1e300);
}

TEST(TrackerJson, TimestampsAreUtcWithMilliseconds) {
  EXPECT_EQ(timestamp_text(kFixedMs), "2026-01-06T13:28:00.191Z");
  EXPECT_EQ(timestamp_text(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(timestamp_text(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(timestamp_text(951'868'799'999), "2000-02-29T23:59:59.999Z");
  EXPECT_EQ(timestamp_text(951'868'800'000), "2000-03-01T00:00:00.000Z");
  EXPECT_EQ(timestamp_text(1'709'251'199'000), "2024-02-29T23:59:59.000Z");
  EXPECT_EQ(timestamp_text(4'102'444'800'000), "2100-01-01T00:00:00.000Z");
}

TEST(TrackerJson, UsesTheWallClockWhenNoneIsInjected) {
  const auto before = std::chrono::floor<milliseconds>(system_clock::now());
  TrackerOptions options;
  const auto json = nlohmann::json::parse(one_line([](Tracker& t) { t.record("op", 1, true); }, options));
  const auto after = system_clock::now();
  std::tm tm{};
  std::istringstream in(json.at("timestamp").get<std::string>());
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  ASSERT_FALSE(in.fail());
  const auto seconds = system_clock::from_time_t(timegm(&tm));
  EXPECT_GE(seconds + std::chrono::seconds(1), before);
  EXPECT_LE(seconds, after);
}

TEST(TrackerJson, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(escaped_operation(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(escaped_operation(R"(C:\temp)"), R"(C:\\temp)");
  EXPECT_EQ(escaped_operation("a\nb\tc\rd\be\ff"), R"(a\nb\tc\rd\be\ff)");
  EXPECT_EQ(escaped_operation(std::string("nul\0x", 5)), R"(nul\u0000x)");
  EXPECT_EQ(escaped_operation("\x01\x1f\x7f/"), "\\u0001\\u001f\x7f/");
}

TEST(TrackerJson, ValidUtf8PassesThrough) {
  for (const std::string text : {"café", "10 €", "𝄞 clef", "日本語", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_EQ(escaped_operation(text), text);
  }
}

TEST(TrackerJson, InvalidUtf8BecomesReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(escaped_operation("\xff"), fffd);
  EXPECT_EQ(escaped_operation("a\xc3"), "a" + fffd);  // truncated at the end
  EXPECT_EQ(escaped_operation("\xe2\x82"
                              "A"),
            fffd + "A");                                                        // one U+FFFD per broken sequence
  EXPECT_EQ(escaped_operation("\xc0\xaf"), fffd + fffd);                        // overlong
  EXPECT_EQ(escaped_operation("\xed\xa0\x80"), fffd + fffd + fffd);             // a surrogate
  EXPECT_EQ(escaped_operation("\xf4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // past U+10FFFF
  EXPECT_EQ(escaped_operation("\x80ok"), fffd + "ok");                          // a lone continuation byte
}

TEST(TrackerJson, EveryStringFieldIsEscapedAndParsesBack) {
  const std::string nasty = "q\"b\\n\n\x01\xff\xc3\xa9";
  TrackerOptions options = fixed_clock();
  options.session_id = nasty;
  const std::string line = one_line([&](Tracker& t) { t.record(nasty, 1, false, {{nasty, nasty}}, nasty); }, options);
  const auto json = nlohmann::json::parse(line);
  const std::string decoded = "q\"b\\n\n\x01\xEF\xBF\xBD\xc3\xa9";
  EXPECT_EQ(json.at("operation_type"), decoded);
  EXPECT_EQ(json.at("session_id"), decoded);
  EXPECT_EQ(json.at("error"), decoded);
  EXPECT_EQ(json.at("context").at(decoded), decoded);
}

// Every field at its longest: each byte escaped to six, or replaced by three; a timestamp far
// outside years 0-9999; the longest shortest-form double. (Under AddressSanitizer an
// under-estimated line length would be an overflow of the queue slot.)
TEST(TrackerJson, WorstCaseLinesStayValid) {
  const std::string worst = std::string(300, '\x01') + std::string(300, '\xff') + std::string(300, '"');
  for (const auto when : {system_clock::time_point::max(), system_clock::time_point::min()}) {
    TrackerOptions options = fixed_clock();
    options.clock = [when] { return when; };
    const std::string line = one_line(
        [&](Tracker& t) {
          t.record(worst, -1.2345678901234567e+300, false, {{worst, worst}}, worst);
        },
        options);
    const auto json = nlohmann::json::parse(line);
    EXPECT_EQ(json.at("operation_type").get<std::string>().size(), 300u + 900u + 300u);
    EXPECT_DOUBLE_EQ(json.at("duration_ms").get<double>(), -1.2345678901234567e+300);
    EXPECT_NE(line.find("\",\"duration_ms\""), std::string::npos);
  }
}

TEST(TrackerJson, ContextKeepsOrderAndSetReplacesInPlace) {
  Context context{{"b", 1}, {"a", 2}};
  context.set("c", "x").set("b", 3);
  EXPECT_EQ(context.size(), 3u);
  const std::string line = one_line([&](Tracker& t) { t.record("op", 1, true, context); });
  EXPECT_NE(line.find(R"("context":{"b":3,"a":2,"c":"x"}})"), std::string::npos) << line;
}

TEST(TrackerJson, ContextSetFindsKeysPastEscapedStringsAndCommas) {
  Context context{{"a,b", "x,\"y\\"}, {"k\"", 1}, {"z", "q"}, {"n", 2.5}};
  context.set("k\"", 2).set("z", "r,s").set("a,b", true).set("n", "last").set("k", 3);
  EXPECT_EQ(context.size(), 5u);
  EXPECT_EQ(context.to_json(), R"({"a,b":true,"k\"":2,"z":"r,s","n":"last","k":3})");
  EXPECT_EQ(Context().to_json(), "{}");
}

TEST(TrackerJson, ContextListWithRepeatedKeysKeepsTheLastValue) {
  EXPECT_EQ((Context{{"a", 1}, {"b", 2}, {"a", 3}}).to_json(), R"({"a":3,"b":2})");
  // Two invalid keys both become U+FFFD: one key.
  const Context invalid{{"\xff", 1}, {"\xfe", 2}};
  EXPECT_EQ(invalid.size(), 1u);
  EXPECT_EQ(invalid.to_json(), "{\"\xEF\xBF\xBD\":2}");
  const Context utf8{{"é", 1}, {"ü", 2}};
  EXPECT_EQ(utf8.to_json(), R"({"é":1,"ü":2})");
}

TEST(TrackerJson, ContextCopiesMovesAndGrowsPastItsInlineBuffer) {
  Context small{{"a", 1}};
  Context large;
  std::string expected;
  for (int i = 0; i < 40; ++i) {
    large.set("key" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'v'));
    expected += (i > 0 ? "," : "") + std::string("\"key") + std::to_string(i) + "\":\"" +
                std::string(static_cast<std::size_t>(i), 'v') + "\"";
  }
  expected = "{" + expected + "}";
  EXPECT_EQ(large.to_json(), expected);
  large.set("key0", "first");  // replaced in a heap buffer
  expected.replace(expected.find(R"("key0":"")"), 9, R"("key0":"first")");
  EXPECT_EQ(large.to_json(), expected);

  Context copy = large;
  Context small_copy = small;
  EXPECT_EQ(copy.to_json(), expected);
  EXPECT_EQ(small_copy.to_json(), R"({"a":1})");
  Context moved = std::move(copy);
  Context small_moved = std::move(small_copy);
  EXPECT_EQ(moved.to_json(), expected);
  EXPECT_EQ(small_moved.to_json(), R"({"a":1})");
  EXPECT_EQ(moved.size(), 40u);
  copy = small;  // assigning into a moved-from context
  EXPECT_EQ(copy.to_json(), R"({"a":1})");
  small_moved = std::move(moved);
  EXPECT_EQ(small_moved.to_json(), expected);
  small_moved = small;
  EXPECT_EQ(small_moved.to_json(), R"({"a":1})");
  EXPECT_EQ(small_moved.size(), 1u);
  small_moved.set("a", std::string(200, 'x'));  // a replacement that outgrows the inline buffer
  EXPECT_EQ(small_moved.to_json(), "{\"a\":\"" + std::string(200, 'x') + "\"}");
}

TEST(TrackerJson, ContextValueConversions) {
  enum class Color { kBlue = 7 };
  const std::string text = "text";
  const std::string line = one_line([&](Tracker& t) {
    t.record("op", 1, true,
             {{"char", 'x'},
              {"enum", Color::kBlue},
              {"float", 0.25f},
              {"long", 5L},
              {"unsigned", 5u},
              {"string", text},
              {"view", std::string_view("sv")},
              {"zero", 0},
              {"false", false}});
  });
  EXPECT_NE(line.find(R"({"char":"x","enum":7,"float":0.25,"long":5,"unsigned":5,"string":"text","view":"sv",)"
                      R"("zero":0,"false":false})"),
            std::string::npos)
      << line;
}

}  // namespace
}  // namespace perfgate
