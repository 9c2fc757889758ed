// Tests for the operation-log reader: every kind of malformed line skipped and counted with
// its line number, strict JSON, CRLF, long lines (across chunks, and past the limit), stdin,
// gzip and zstd inputs (also misnamed, concatenated and truncated).
#include "oplog/operation_log_reader.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "oplog/byte_source.hpp"
#include "oplog/log_files.hpp"

namespace perfgate::oplog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string record_line(const std::string& op, double ms, bool ok = true,
                        const std::string& ts = "2026-01-06T00:00:00Z") {
  return "{\"timestamp\":\"" + ts + "\",\"operation_type\":\"" + op + "\",\"duration_ms\":" + std::to_string(ms) +
         ",\"success\":" + (ok ? "true" : "false") + "}";
}

struct ReadAll {
  std::vector<OperationRecord> records;
  std::vector<std::string> operations;  // owned copies: the records' views die with the reader
  std::vector<std::uint64_t> lines;
  ReadStats stats;
};

ReadAll read_all(OperationLogReader& reader) {
  ReadAll all;
  OperationRecord r;
  while (reader.next(r)) {
    all.records.push_back(r);
    all.operations.emplace_back(r.operation);
    all.lines.push_back(r.line);
  }
  all.stats = reader.stats();
  return all;
}

ReadAll read_text(const std::string& text, ReaderOptions options = {}) {
  OperationLogReader reader("mem.jsonl", memory_byte_source(text), options);
  return read_all(reader);
}

using OplogReaderFiles = LogFiles;

std::string zstd_bytes(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  std::size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

TEST(OplogReader, ReadsTheTrackerFormat) {
  ReadAll all = read_text(
      "{\"timestamp\":\"2026-01-06T13:28:00.191Z\",\"operation_type\":\"agent_register\",\"duration_ms\":45,"
      "\"success\":true,\"session_id\":\"ses_xxx\",\"error\":null,\"context\":{\"agents\":5}}\n");
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_EQ(all.operations[0], "agent_register");
  EXPECT_EQ(all.records[0].duration_ms, 45);
  EXPECT_TRUE(all.records[0].success);
  EXPECT_EQ(all.stats.lines, 1u);
  EXPECT_EQ(all.stats.records, 1u);
  EXPECT_EQ(all.stats.malformed, 0u);
}

TEST(OplogReader, ViewsHoldTheOptionalFields) {
  OperationLogReader reader(
      "m", memory_byte_source("{\"timestamp\":\"2026-01-06T00:00:00Z\",\"operation_type\":\"a\",\"duration_ms\":1.5,"
                              "\"success\":false,\"session_id\":\"s1\",\"error\":\"boom \\u00e9\"}\n"));
  OperationRecord r;
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.timestamp, "2026-01-06T00:00:00Z");
  EXPECT_EQ(r.session_id, "s1");
  EXPECT_EQ(r.error, "boom \xc3\xa9");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.line, 1u);
  EXPECT_FALSE(reader.next(r));
}

// One line of each kind DESIGN.md calls malformed, between valid ones, each with its reason.
TEST(OplogReader, SkipsAndCountsEveryKindOfMalformedLine) {
  const std::string ok = record_line("ok", 1);
  struct Bad {
    std::string line;
    std::string reason;
  };
  const std::string ts = "\"timestamp\":\"2026-01-06T00:00:00Z\"";
  std::vector<Bad> bad = {
      {"{\"timestamp\":\"2026-01-06T00:00:00Z\",\"operation_type\":\"a\"", "invalid JSON"},  // truncated
      {"", "empty line"},
      {"   \t", "empty line"},
      {ok + " x", "invalid JSON"},  // trailing garbage
      {ok + ok, "invalid JSON"},    // two objects
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":NaN,\"success\":true}", "invalid JSON"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":Infinity,\"success\":true}", "invalid JSON"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":045,\"success\":true}", "invalid JSON"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":1e400,\"success\":true}", "invalid JSON"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":1,\"success\":true,\"context\":{\"n\":01}}",
       "invalid JSON"},  // strict inside values nobody reads too
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":\"45\",\"success\":true}", "duration_ms is not a number"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":-1,\"success\":true}", "duration_ms is negative"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":-0.5,\"success\":true}", "duration_ms is negative"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":18446744073709551615,\"success\":true}",
       "duration_ms is over a year"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":1e308,\"success\":true}", "duration_ms is over a year"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":31536000001,\"success\":true}",
       "duration_ms is over a year"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":1,\"success\":\"true\"}", "success is not true or false"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":1,\"success\":1}", "success is not true or false"},
      {"{" + ts + ",\"duration_ms\":1,\"success\":true}", "missing operation_type"},
      {"{" + ts + ",\"operation_type\":\"a\",\"success\":true}", "missing duration_ms"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":1}", "missing success"},
      {"{\"operation_type\":\"a\",\"duration_ms\":1,\"success\":true}", "missing timestamp"},
      {"{\"timestamp\":\"yesterday\",\"operation_type\":\"a\",\"duration_ms\":1,\"success\":true}",
       "timestamp is not an ISO-8601 time"},
      {"{\"timestamp\":1767657600,\"operation_type\":\"a\",\"duration_ms\":1,\"success\":true}",
       "timestamp is not a string"},
      {"{" + ts + ",\"operation_type\":7,\"duration_ms\":1,\"success\":true}", "operation_type is not a string"},
      {"{" + ts + ",\"operation_type\":\"\",\"duration_ms\":1,\"success\":true}", "operation_type is empty"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":1,\"success\":true,\"session_id\":5}",
       "session_id is not a string"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":1,\"success\":true,\"error\":false}",
       "error is not a string"},
      {"{" + ts + ",\"operation_type\":\"a\",\"duration_ms\":1,\"success\":true,\"context\":\"x\"}",
       "context is not an object"},
      {"[1,2,3]", "not a JSON object"},
      {"\"just a string\"", "not a JSON object"},
      {std::string("\x00\xff\xfe\x01garbage\x80", 12), "invalid JSON"},                                  // binary
      {"{" + ts + ",\"operation_type\":\"a\xff\",\"duration_ms\":1,\"success\":true}", "invalid JSON"},  // bad UTF-8
  };
  std::string text = ok + "\n";
  for (const auto& b : bad) text += b.line + "\n" + ok + "\n";
  ReaderOptions options;
  options.listed_malformed = 100;
  ReadAll all = read_text(text, options);
  EXPECT_EQ(all.records.size(), bad.size() + 1);
  EXPECT_EQ(all.stats.lines, 2 * bad.size() + 1);
  EXPECT_EQ(all.stats.malformed, bad.size());
  ASSERT_EQ(all.stats.first_malformed.size(), bad.size());
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const MalformedLine& m = all.stats.first_malformed[i];
    EXPECT_EQ(m.file, "mem.jsonl");
    EXPECT_EQ(m.line, 2 * i + 2) << bad[i].line;
    EXPECT_THAT(m.reason, HasSubstr(bad[i].reason)) << "line " << m.line << ": " << bad[i].line;
  }
}

TEST(OplogReader, AcceptsWhatStrictJsonAllows) {
  std::string text =
      // any key order, extra fields, \u escapes, exponents, nulls for the optional fields
      "{\"success\":true,\"extra\":[1,{\"x\":null}],\"duration_ms\":4.5e1,\"operation_type\":\"a\\u0062c\","
      "\"timestamp\":\"2026-01-06T00:00:00Z\",\"session_id\":null,\"error\":null,\"context\":null}\n"
      // the longest duration there is: a year (more is malformed)
      "{\"timestamp\":\"2026-01-06T00:00:00Z\",\"operation_type\":\"big\",\"duration_ms\":31536000000,"
      "\"success\":false}\n"
      // the last occurrence of a repeated key wins
      "{\"timestamp\":\"2026-01-06T00:00:00Z\",\"operation_type\":\"first\",\"operation_type\":\"last\","
      "\"duration_ms\":0,\"success\":true}";
  ReadAll all = read_text(text);
  ASSERT_EQ(all.records.size(), 3u);
  EXPECT_EQ(all.operations, (std::vector<std::string>{"abc", "big", "last"}));
  EXPECT_EQ(all.records[0].duration_ms, 45);
  EXPECT_EQ(all.records[1].duration_ms, 31536000000.0);
  EXPECT_EQ(all.stats.malformed, 0u);
}

TEST(OplogReader, CrlfEndingsAByteOrderMarkAndNoFinalNewline) {
  std::string text =
      "\xEF\xBB\xBF" + record_line("a", 1) + "\r\n" + record_line("b", 2) + "\r\n\r\n" + record_line("c", 3);
  ReadAll all = read_text(text);
  EXPECT_EQ(all.operations, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_THAT(all.lines, ElementsAre(1, 2, 4));
  EXPECT_EQ(all.stats.malformed, 1u);  // the empty "\r" line
  EXPECT_EQ(all.stats.first_malformed[0].line, 3u);
}

TEST(OplogReader, ListsOnlyTheFirstMalformedLinesButCountsAll) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "nope\n";
  ReadAll all = read_text(text);
  EXPECT_EQ(all.stats.malformed, 50u);
  ASSERT_EQ(all.stats.first_malformed.size(), 10u);
  EXPECT_EQ(all.stats.first_malformed.back().line, 10u);
}

// Tiny chunks make every line cross a chunk boundary, and grow the buffer for the long ones.
TEST(OplogReader, LinesAcrossChunksReadTheSame) {
  std::string text;
  for (int i = 0; i < 300; ++i) {
    text += i % 7 == 3 ? "broken{\n" : record_line("op" + std::to_string(i % 5) + std::string(i % 50, 'x'), i) + "\n";
  }
  ReadAll whole = read_text(text);
  for (std::size_t chunk : {64u, 100u, 333u, 4096u}) {
    ReaderOptions options;
    options.chunk_bytes = chunk;
    ReadAll small = read_text(text, options);
    EXPECT_EQ(small.operations, whole.operations) << chunk;
    EXPECT_EQ(small.lines, whole.lines) << chunk;
    EXPECT_EQ(small.stats.malformed, whole.stats.malformed) << chunk;
  }
  EXPECT_EQ(whole.stats.malformed, 43u);
}

TEST(OplogReader, LinesLongerThanTheLimitAreSkippedWithoutBeingHeld) {
  std::string valid_long =
      "{\"timestamp\":\"2026-01-06T00:00:00Z\",\"operation_type\":\"long\",\"duration_ms\":1,"
      "\"success\":true,\"context\":{\"blob\":\"" +
      std::string(3000, 'y') + "\"}}";
  std::string text = record_line("a", 1) + "\n" + valid_long + "\n" + std::string(5000, 'z') + "\n" +
                     record_line("b", 2) + "\n" + std::string(5000, '{');  // too long, and last
  ReaderOptions options;
  options.chunk_bytes = 256;
  options.max_line_bytes = 4000;
  ReadAll all = read_text(text, options);
  EXPECT_EQ(all.operations, (std::vector<std::string>{"a", "long", "b"}));
  EXPECT_THAT(all.lines, ElementsAre(1, 2, 4));
  EXPECT_EQ(all.stats.malformed, 2u);
  ASSERT_EQ(all.stats.first_malformed.size(), 2u);
  EXPECT_EQ(all.stats.first_malformed[0].line, 3u);
  EXPECT_THAT(all.stats.first_malformed[0].reason, HasSubstr("longer than 4000 bytes"));
  EXPECT_EQ(all.stats.first_malformed[1].line, 5u);
  // The same with chunks bigger than the limit: the long lines arrive whole, and still count as too long.
  options.chunk_bytes = 1 << 16;
  ReadAll whole = read_text(text, options);
  EXPECT_EQ(whole.operations, all.operations);
  EXPECT_EQ(whole.stats.malformed, 2u);
  EXPECT_THAT(whole.stats.first_malformed.at(1).reason, HasSubstr("longer than 4000 bytes"));
}

TEST_F(OplogReaderFiles, TenMegabyteLinesWithTheDefaults) {
  std::string big_valid =
      "{\"timestamp\":\"2026-01-06T00:00:00Z\",\"operation_type\":\"big\",\"duration_ms\":7,"
      "\"success\":true,\"context\":{\"blob\":\"" +
      std::string(10u << 20, 'y') + "\"}}";
  std::string text =
      record_line("a", 1) + "\n" + std::string(10u << 20, '#') + "\n" + big_valid + "\n" + record_line("b", 2) + "\n";
  OperationLogReader reader(write("long.jsonl", text));
  ReadAll all = read_all(reader);
  EXPECT_EQ(all.operations, (std::vector<std::string>{"a", "big", "b"}));
  EXPECT_THAT(all.lines, ElementsAre(1, 3, 4));
  EXPECT_EQ(all.stats.malformed, 1u);
  EXPECT_EQ(all.stats.first_malformed[0].line, 2u);
}

TEST_F(OplogReaderFiles, GzipAndZstdByTheirMagicBytesNotTheirNames) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += record_line("op" + std::to_string(i % 3), i, i % 10 != 0) + "\n";
  text += "junk\n";
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"log.jsonl.gz", gzip_bytes(text)},
           {"log.jsonl.zst", zstd_bytes(text)},
           {"misnamed.log", zstd_bytes(text)},
           {"two-members.gz", gzip_bytes(text.substr(0, 5000)) + gzip_bytes(text.substr(5000))}}) {
    ReaderOptions options;
    options.chunk_bytes = 4096;  // many reads from the decompressor
    OperationLogReader reader(write(name, bytes), options);
    ReadAll all = read_all(reader);
    EXPECT_EQ(all.records.size(), 1000u) << name;
    EXPECT_EQ(all.stats.malformed, 1u) << name;
    EXPECT_EQ(all.stats.first_malformed.at(0).line, 1001u) << name;
    EXPECT_TRUE(all.stats.warnings.empty()) << name;
  }
  EXPECT_EQ(open_byte_source(write("k.gz", gzip_bytes("x")))->kind(), std::string("gzip"));
  EXPECT_EQ(open_byte_source(write("k.zst", zstd_bytes("x")))->kind(), std::string("zstd"));
  EXPECT_EQ(open_byte_source(write("k.jsonl", "x"))->kind(), std::string("plain"));
}

TEST_F(OplogReaderFiles, FilesFromTheCommandLineToolsRead) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += record_line("op", i) + "\n";
  std::string plain = write("tools.jsonl", text);
  ASSERT_EQ(std::system(("gzip -k -f " + plain + " && zstd -q -f " + plain).c_str()), 0);
  for (const std::string& path : {plain + ".gz", plain + ".zst"}) {
    OperationLogReader reader(path);
    EXPECT_EQ(read_all(reader).records.size(), 100u) << path;
  }
}

TEST_F(OplogReaderFiles, TruncatedCompressedDataEndsWithAWarning) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += record_line("op", i) + "\n";  // 2 MB: many zstd blocks
  for (const auto& [name, bytes] :
       std::vector<std::pair<std::string, std::string>>{{"cut.gz", gzip_bytes(text)}, {"cut.zst", zstd_bytes(text)}}) {
    OperationLogReader reader(write(name, bytes.substr(0, bytes.size() / 2)));
    ReadAll all = read_all(reader);
    EXPECT_GT(all.records.size(), 10u) << name;
    EXPECT_LT(all.records.size(), 20000u) << name;
    ASSERT_EQ(all.stats.warnings.size(), 1u) << name;
    EXPECT_THAT(all.stats.warnings[0], HasSubstr("truncated")) << name;
    EXPECT_THAT(all.stats.warnings[0], HasSubstr(name));
  }
  std::string corrupt = gzip_bytes(text);
  for (std::size_t i = 100; i < 200; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  OperationLogReader reader(write("corrupt.gz", corrupt));
  ReadAll all = read_all(reader);
  ASSERT_EQ(all.stats.warnings.size(), 1u);
  EXPECT_THAT(all.stats.warnings[0], HasSubstr("corrupt gzip data"));
}

TEST_F(OplogReaderFiles, ReadsStdinWhenThePathIsADash) {
  std::string text = record_line("from_stdin", 5) + "\nbad\n";
  int file = ::open(write("stdin.jsonl", gzip_bytes(text)).c_str(), O_RDONLY);
  ASSERT_GE(file, 0);
  int saved = ::dup(STDIN_FILENO);
  ::dup2(file, STDIN_FILENO);
  ::close(file);
  ReadAll all;
  {
    OperationLogReader reader("-");
    all = read_all(reader);
  }
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  EXPECT_EQ(all.operations, (std::vector<std::string>{"from_stdin"}));
  ASSERT_EQ(all.stats.first_malformed.size(), 1u);
  EXPECT_EQ(all.stats.first_malformed[0].file, "-");
  EXPECT_EQ(all.stats.first_malformed[0].line, 2u);
}

TEST_F(OplogReaderFiles, AFileThatCannotBeOpenedIsAUsageErrorNamingIt) {
  std::string missing = (dir_ / "missing.jsonl").string();
  try {
    OperationLogReader reader(missing);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr(missing));
  }
  EXPECT_THROW(OperationLogReader reader(dir_.string()), UsageError);  // a directory
}

TEST_F(OplogReaderFiles, AnEmptyFileHasNoLines) {
  OperationLogReader reader(write("empty.jsonl", ""));
  ReadAll all = read_all(reader);
  EXPECT_EQ(all.stats.lines, 0u);
  EXPECT_EQ(all.stats.malformed, 0u);
}

TEST(OplogReader, MergedStatsKeepTheFirstListedLinesInOrder) {
  ReadStats a, b;
  a.lines = 10, a.records = 7, a.malformed = 3;
  a.first_malformed = {{"a", 1, "x"}, {"a", 2, "x"}, {"a", 3, "x"}};
  b.lines = 5, b.records = 3, b.malformed = 2;
  b.first_malformed = {{"b", 4, "y"}, {"b", 5, "y"}};
  b.warnings = {"b: truncated"};
  a.merge(b, 4);
  EXPECT_EQ(a.lines, 15u);
  EXPECT_EQ(a.records, 10u);
  EXPECT_EQ(a.malformed, 5u);
  ASSERT_EQ(a.first_malformed.size(), 4u);
  EXPECT_EQ(a.first_malformed[3].file, "b");
  EXPECT_EQ(a.warnings.size(), 1u);
}

}  // namespace
}  // namespace perfgate::oplog
