// Tests for reading operation logs on several threads: a plain file split at lines
// (PlainFile), and the report put together from its parts, which must be the report of one
// reader byte for byte in every format — sums in record order, ties of the slowest in input
// order, malformed lines and the slowest records with their file:line — whatever the number of
// threads and wherever the parts begin (also on a malformed, a too-long or a BOM-led line).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "oplog/byte_source.hpp"
#include "oplog/log_files.hpp"
#include "oplog/operation_report.hpp"
#include "oplog/report_format.hpp"
#include "oplog/timestamp.hpp"

namespace perfgate::oplog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kWeek = std::string(PERFGATE_SOURCE_DIR) + "/tests/fixtures/oplog/week.jsonl";
const std::int64_t kNow = *parse_timestamp_ns("2026-01-08T00:00:00Z");

using OplogParallel = LogFiles;

// A log of `lines` lines over the 20 days before kNow, out of time order, 40 operations with
// decimal durations (whose sums depend on their order to the last bit), ties, zeros and
// negative zeros, failures, sessions, and malformed lines every `malformed_every` lines. The
// numbers of the malformed lines go to `malformed_at`.
std::string generated_log(std::size_t lines, std::size_t malformed_every, std::vector<std::uint64_t>* malformed_at) {
  std::mt19937_64 random(20261206);
  std::string text;
  for (std::size_t i = 1; i <= lines; ++i) {
    if (malformed_every > 0 && i % malformed_every == 0) {
      static const std::string kBad[] = {
          "not json",
          "",
          "{\"timestamp\":\"2026-01-02T00:00:00Z\",\"operation_type\":\"x\",\"duration_ms\":\"45\",\"success\":true}",
          // valid after its byte order mark, which only an input's first line may have
          std::string("\xEF\xBB\xBF") +
              "{\"timestamp\":\"2026-01-02T00:00:00Z\",\"operation_type\":\"bom\",\"duration_ms\":1,\"success\":true}",
          "{\"timestamp\":\"2026-01-02T00:00:00Z\",\"operation_type\":\"x\",\"duration_ms\":1,\"success\":true} x",
      };
      text += kBad[(i / malformed_every) % 5];
      text += i % 7 == 0 ? "\r\n" : "\n";
      if (malformed_at != nullptr) malformed_at->push_back(i);
      continue;
    }
    std::int64_t ns = kNow - static_cast<std::int64_t>(random() % (20 * 86'400'000ull)) * 1'000'000;
    std::string duration;
    switch (random() % 10) {
      case 0:
        duration = "42.5";  // ties for the slowest list
        break;
      case 1:
        duration = random() % 2 == 0 ? "0" : "-0.0";
        break;
      default:
        duration = std::to_string(static_cast<double>(random() % 100'000) / 1000.0 + 0.1);
    }
    text += "{\"timestamp\":\"" + format_timestamp_ms(ns) + "\",\"operation_type\":\"op_" +
            std::to_string(random() % 40) + "\",\"duration_ms\":" + duration +
            ",\"success\":" + (random() % 50 == 0 ? "false" : "true") + ",\"session_id\":\"ses_" +
            std::to_string(random() % 1000) + "\",\"context\":{\"n\":" + std::to_string(i) + "}}";
    text += i % 11 == 0 ? "\r\n" : "\n";
  }
  return text;
}

// Every format of the report, one after the other.
std::string every_format(const Report& report) {
  return report_json(report).dump(2) + report_csv(report) + report_markdown(report, "t") + report_text(report, "t");
}

// Equal, or the first line where they differ (the whole reports are too long to read).
::testing::AssertionResult same_bytes(const std::string& threaded, const std::string& one) {
  if (threaded == one) return ::testing::AssertionSuccess();
  std::size_t at = 0;
  while (at < threaded.size() && at < one.size() && threaded[at] == one[at]) ++at;
  std::size_t line_start = one.rfind('\n', at == 0 ? 0 : at - 1);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  auto line_at = [&](const std::string& text) { return text.substr(line_start, text.find('\n', at) - line_start); };
  return ::testing::AssertionFailure() << "differ at byte " << at << ":\n  threads: " << line_at(threaded)
                                       << "\n  one:     " << line_at(one);
}

std::vector<ReportOptions> every_kind_of_report() {
  ReportOptions all;  // every record
  all.slowest = 25;
  ReportOptions weekly;
  weekly.period = last_days(kNow, 7);
  ReportOptions trends;
  trends.period = last_days(kNow, 9);
  trends.split_into_days = true;
  return {all, weekly, trends};
}

ReadThreads threads_with_parts(std::size_t threads, std::size_t min_part_bytes, std::size_t parts_per_thread = 4) {
  ReadThreads t;
  t.threads = threads;
  t.min_part_bytes = min_part_bytes;
  t.parts_per_thread = parts_per_thread;
  return t;
}

TEST_F(OplogParallel, LineStartsFollowANewline) {
  std::string text = "aaaa\nbb\n" + std::string(100, 'c') + "\nd\ne";
  std::string path = write("starts.jsonl", text);
  auto file = PlainFile::open(path);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->size(), text.size());
  EXPECT_THAT(file->line_starts(1), ElementsAre(0));
  // Ten parts of about 11 bytes: the long line takes most of them, which then are left out.
  EXPECT_THAT(file->line_starts(10), ElementsAre(0, 109));
  EXPECT_THAT(file->line_starts(1000), ElementsAre(0, 5, 8, 109, 111));
  std::string middle(text.size(), '\0');
  auto part = file->range(8, 109);
  EXPECT_EQ(part->read(middle.data(), middle.size()), 101u);
  EXPECT_EQ(middle.substr(0, 101), std::string(100, 'c') + "\n");
}

TEST_F(OplogParallel, StreamsAreNoPlainFiles) {
  EXPECT_EQ(PlainFile::open("-"), nullptr);
  std::string gz = write("log.gz", std::string("\x1f\x8b\x08\x00", 4));
  EXPECT_EQ(PlainFile::open(gz), nullptr);
  std::string zst = write("log.zst", std::string("\x28\xb5\x2f\xfd", 4));
  EXPECT_EQ(PlainFile::open(zst), nullptr);
  EXPECT_EQ(PlainFile::open(dir_.string()), nullptr);  // a directory: open_byte_source says what is wrong
  EXPECT_THROW(build_report({dir_.string()}, {}, {}, threads_with_parts(2, 1)), UsageError);
  EXPECT_NE(PlainFile::open(write("empty.jsonl", "")), nullptr);
  // A missing file too: open_byte_source names it, and build_report says so before reading anything.
  EXPECT_EQ(PlainFile::open((dir_ / "missing.jsonl").string()), nullptr);
  EXPECT_THROW(build_report({kWeek, (dir_ / "missing.jsonl").string()}, {}, {}, threads_with_parts(2, 1)), UsageError);
}

TEST_F(OplogParallel, ANamedPipeIsOpenedOnceAndReadAsAStream) {
  // Opened, looked at and opened again, a pipe would lose what the writer had put in it.
  std::string fifo = (dir_ / "log.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string text = generated_log(300, 0, nullptr);
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << text; });
  ReportOptions every_record;
  Report report = build_report({fifo}, every_record, {}, threads_with_parts(2, 1));
  writer.join();
  EXPECT_EQ(report.input.records, 300u);
}

TEST_F(OplogParallel, SeveralMegabytesReportTheSameWithAnyNumberOfThreads) {
  std::vector<std::uint64_t> malformed_at;
  std::string path = write("big.jsonl", generated_log(30'000, 997, &malformed_at));
  ASSERT_GT(std::filesystem::file_size(path), 4'000'000u);
  for (const ReportOptions& options : every_kind_of_report()) {
    Report one = build_report({path}, options);
    std::string expected = every_format(one);
    ASSERT_EQ(one.input.malformed, malformed_at.size());
    std::vector<std::uint64_t> listed;
    for (const auto& m : one.input.first_malformed) listed.push_back(m.line);
    EXPECT_EQ(listed, std::vector<std::uint64_t>(malformed_at.begin(), malformed_at.begin() + 10));
    for (std::size_t threads : {2, 3, 8}) {
      SCOPED_TRACE(threads);
      EXPECT_TRUE(
          same_bytes(every_format(build_report({path}, options, {}, threads_with_parts(threads, 1000))), expected));
      EXPECT_TRUE(
          same_bytes(every_format(build_report({path}, options, {}, threads_with_parts(threads, 1 << 20))), expected));
    }
  }
}

TEST_F(OplogParallel, APartOnEveryLineStillNumbersTheLinesRight) {
  // Parts of one byte: every line begins a part, so every malformed line (empty, BOM-led, not
  // JSON, too long, CRLF-ended) lies on a boundary, and so does every slowest record.
  std::vector<std::uint64_t> malformed_at;
  std::string text = generated_log(600, 7, &malformed_at);
  text += std::string(3000, '#') + "\n";  // too long for the limit below
  malformed_at.push_back(601);
  text += "{\"timestamp\":\"2026-01-07T00:00:00Z\",\"operation_type\":\"last\",\"duration_ms\":99999,\"success\":true}";
  std::string path = write("every-line.jsonl", text);
  ReaderOptions reader_options;
  reader_options.max_line_bytes = 2000;
  reader_options.listed_malformed = 1000;
  for (const ReportOptions& options : every_kind_of_report()) {
    Report one = build_report({path}, options, reader_options);
    std::vector<std::uint64_t> listed;
    for (const auto& m : one.input.first_malformed) listed.push_back(m.line);
    EXPECT_EQ(listed, malformed_at);
    for (std::size_t threads : {2, 3, 8}) {
      SCOPED_TRACE(threads);
      Report parts = build_report({path}, options, reader_options, threads_with_parts(threads, 1, 1000));
      EXPECT_TRUE(same_bytes(every_format(parts), every_format(one)));
    }
  }
  ReportOptions all;
  Report parts = build_report({path}, all, reader_options, threads_with_parts(2, 1, 1000));
  ASSERT_FALSE(parts.slowest.empty());
  EXPECT_EQ(parts.slowest[0].operation, "last");
  EXPECT_EQ(parts.slowest[0].line, 602u);
  EXPECT_EQ(parts.slowest[0].file, path);
}

TEST_F(OplogParallel, SeveralInputsStreamsAndTheFixture) {
  std::string first = write("first.jsonl", generated_log(5000, 101, nullptr));
  std::string second = write("second.jsonl", generated_log(3000, 0, nullptr) + "junk");
  std::string gz = gzip_bytes(generated_log(2000, 13, nullptr));
  std::string compressed = write("third.jsonl.gz", gz);
  std::string truncated = write("cut.jsonl.gz", gz.substr(0, gz.size() / 2));
  const std::vector<std::string> inputs = {first, compressed, kWeek, truncated, second, first};
  for (const ReportOptions& options : every_kind_of_report()) {
    Report one = build_report(inputs, options);
    ASSERT_EQ(one.input.warnings.size(), 1u);
    EXPECT_THAT(one.input.warnings[0], HasSubstr("cut.jsonl.gz: truncated gzip data"));
    for (std::size_t threads : {2, 3, 8}) {
      SCOPED_TRACE(threads);
      ReadThreads small = threads_with_parts(threads, 4096);
      EXPECT_TRUE(same_bytes(every_format(build_report(inputs, options, {}, small)), every_format(one)));
      small.stream_block_bytes = 10'000;
      EXPECT_TRUE(same_bytes(every_format(build_report(inputs, options, {}, small)), every_format(one)));
    }
  }
}

TEST_F(OplogParallel, StreamsCutIntoBlocksOfLines) {
  // Blocks of 300 bytes: about one line each, so lines and malformed lines lie on every
  // boundary, long lines grow a block, and lines over the limit are skipped by the cutter.
  std::vector<std::uint64_t> malformed_at;
  std::string text = "\xEF\xBB\xBF" + generated_log(800, 9, &malformed_at);
  const std::uint64_t lines = 800;
  std::string long_record =
      "{\"timestamp\":\"2026-01-07T00:00:00Z\",\"operation_type\":\"long\",\"duration_ms\":77777,\"success\":true,"
      "\"context\":{\"blob\":\"" +
      std::string(1500, 'y') + "\"}}";
  text += long_record + "\n" + std::string(5000, '#') + "\n" + long_record + "\n";  // lines 801 to 803
  malformed_at.push_back(lines + 2);
  std::string unterminated_too_long = std::string(2500, '#');
  ReaderOptions reader_options;
  reader_options.max_line_bytes = 2000;
  reader_options.listed_malformed = 1000;
  const std::vector<std::string> inputs = {
      write("log.jsonl.gz", gzip_bytes(text)), write("tail.gz", gzip_bytes(text + unterminated_too_long)),
      write("cut.gz", gzip_bytes(text).substr(0, 9000)),  // truncated: a warning after its last whole line
      write("last.gz", gzip_bytes(text + long_record)),   // no newline at the end
  };
  for (const ReportOptions& options : every_kind_of_report()) {
    Report one = build_report(inputs, options, reader_options);
    ASSERT_EQ(one.input.warnings.size(), 1u);
    EXPECT_THAT(one.input.warnings[0],
                HasSubstr("cut.gz: truncated gzip data (the stream ends inside a member) after line "));
    std::vector<std::uint64_t> listed;
    for (const auto& m : one.input.first_malformed) {
      if (m.file == inputs[0]) listed.push_back(m.line);
    }
    EXPECT_EQ(listed, malformed_at);
    for (std::size_t threads : {2, 3, 8}) {
      SCOPED_TRACE(threads);
      for (std::size_t block : {1, 300, 4096}) {
        SCOPED_TRACE(block);
        ReadThreads cut = threads_with_parts(threads, 1);
        cut.stream_block_bytes = block;
        EXPECT_TRUE(same_bytes(every_format(build_report(inputs, options, reader_options, cut)), every_format(one)));
      }
    }
  }
}

}  // namespace
}  // namespace perfgate::oplog
