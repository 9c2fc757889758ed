// The writer thread formats each line from the raw fields record() copied into the queue: the
// lines must be byte for byte what the tracker wrote when it formatted them on the caller's
// thread (tests/tracker/format_reference.jsonl, see format_cases.hpp), whether the context was
// a Context or entries written in the call.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <perfgate/tracker.hpp>
#include <string>
#include <vector>

#include "format_cases.hpp"
#include "tracker_files.hpp"

namespace perfgate {
namespace {

using tracker_test::FormatCase;
using tracker_test::read_lines;
using tracker_test::TempDir;

enum class ContextPath { kContextObject, kEntriesInTheCall };

// Every case recorded through one Tracker, and the lines it wrote.
std::vector<std::string> format_all(ContextPath path) {
  TempDir dir;
  const std::string file = dir.file("perf-metrics.jsonl");
  std::chrono::system_clock::time_point now;
  TrackerOptions options;
  options.session_id = std::string(tracker_test::kFormatCaseSession);
  options.clock = [&now] { return now; };
  {
    Tracker tracker(file, options);
    tracker_test::for_each_format_case([&](const FormatCase& c) {
      now = c.when;
      if (path == ContextPath::kContextObject) {
        tracker.record(c.operation, c.duration_ms, c.success, Context(c.context), c.error);
      } else {
        tracker.record(c.operation, c.duration_ms, c.success, c.context, c.error);
      }
    });
    EXPECT_EQ(tracker.dropped(), 0u);
  }
  return read_lines(file);
}

void expect_reference_lines(const std::vector<std::string>& lines) {
  const auto reference = read_lines(PERFGATE_SOURCE_DIR "/tests/tracker/format_reference.jsonl");
  ASSERT_EQ(reference.size(), 133u);
  ASSERT_EQ(lines.size(), reference.size());
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i], reference[i]) << "case " << i;
}

TEST(TrackerFormat, ContextObjectsGiveTheReferenceLines) {
  expect_reference_lines(format_all(ContextPath::kContextObject));
}

TEST(TrackerFormat, EntriesWrittenInTheCallGiveTheReferenceLines) {
  expect_reference_lines(format_all(ContextPath::kEntriesInTheCall));
}

// The call site's usual spellings pick the overload that copies entries, and give the same line.
TEST(TrackerFormat, BracedContextsAndEmptyBracesInTheCall) {
  TempDir dir;
  const std::string file = dir.file("perf-metrics.jsonl");
  {
    TrackerOptions options;
    options.session_id = "ses_x";
    options.clock = [] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(0)); };
    Tracker tracker(file, options);
    tracker.record("a", 1, true, {{"agents", 5}});
    tracker.record("b", 1, false, {}, "timeout");
    tracker.record("c", 1, true);
    const Context context{{"agents", 5}};
    tracker.record("d", 1, true, context);
  }
  const std::string head = R"({"timestamp":"1970-01-01T00:00:00.000Z","operation_type":)";
  EXPECT_EQ(read_lines(file), (std::vector<std::string>{
                                  head + R"("a","duration_ms":1,"success":true,"session_id":"ses_x","error":null,"context":{"agents":5}})",
                                  head + R"("b","duration_ms":1,"success":false,"session_id":"ses_x","error":"timeout","context":{}})",
                                  head + R"("c","duration_ms":1,"success":true,"session_id":"ses_x","error":null,"context":{}})",
                                  head + R"("d","duration_ms":1,"success":true,"session_id":"ses_x","error":null,"context":{"agents":5}})",
                              }));
}

}  // namespace
}  // namespace perfgate
