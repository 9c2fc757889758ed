// libFuzzer target for the HTTP/1.x response parser (src/http/response_parser.cpp).
//
// Input layout: byte 0 holds the number of split lengths (low 3 bits) and HEAD mode (bit 3);
// the next bytes are the split lengths, each 1-64; the rest is the server's byte stream.
// The stream is parsed twice, fed in those splits and fed whole, the way the engine does it
// (reset() after every complete response, finish_on_eof() at the end). Both must see the same
// responses: any difference, or a broken invariant, traps.
#include "http/response_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

using perfgate::http::ParseResult;
using perfgate::http::ParseState;
using perfgate::http::ResponseParser;

// Enough to compare runs; inputs are at most a few KiB, so a fixed cap keeps this allocation-free.
constexpr std::size_t kMaxOutcomes = 4096;

struct Outcome {
  ParseState state;
  int status;
  bool keep_alive;
  bool from_eof;
  std::uint64_t body_bytes;
  std::uint64_t total_bytes;  // 0 for errors: where an error is noticed depends on the split
  std::size_t end_offset;     // 0 for errors and outcomes from finish_on_eof
  const char* error;
};

struct Run {
  Outcome outcomes[kMaxOutcomes];
  std::size_t count = 0;
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void record(Run& run, const ResponseParser& parser, ParseState state, std::size_t end_offset,
            bool from_eof) {
  if (run.count == kMaxOutcomes) return;
  const bool error = state == ParseState::kError;
  // A response's body is part of its bytes; header-only outcomes have no body.
  if (!error) check(parser.body_bytes() <= parser.total_bytes());
  run.outcomes[run.count++] = Outcome{state,
                                      parser.status(),
                                      parser.keep_alive(),
                                      from_eof,
                                      parser.body_bytes(),
                                      error ? 0 : parser.total_bytes(),
                                      error ? 0 : end_offset,
                                      from_eof ? nullptr : parser.error()};
}

// Parses `stream`, fed in pieces whose lengths cycle through `splits` (all of it at once
// when there are none).
void parse(const std::uint8_t* stream, std::size_t size, const std::uint8_t* splits,
           std::size_t split_count, bool head_request, Run& run) {
  ResponseParser parser;
  parser.reset(head_request);
  std::size_t offset = 0;
  std::size_t response_start = 0;
  std::size_t next_split = 0;
  while (offset < size) {
    std::size_t piece = size - offset;
    if (split_count > 0) {
      const std::size_t wanted = splits[next_split++ % split_count] % 64 + 1;
      if (wanted < piece) piece = wanted;
    }
    const char* data = reinterpret_cast<const char*>(stream + offset);
    std::size_t used = 0;
    while (used < piece) {
      const ParseResult r = parser.feed(data + used, piece - used);
      check(r.consumed <= piece - used);
      used += r.consumed;
      if (r.state == ParseState::kError) {
        check(parser.error() != nullptr);
        record(run, parser, r.state, 0, false);
        return;
      }
      if (r.state == ParseState::kNeedMore) {
        check(used == piece);
        continue;
      }
      // Complete: the response is exactly the bytes since the last one ended.
      check(r.consumed > 0);
      check(parser.total_bytes() == offset + used - response_start);
      record(run, parser, r.state, offset + used, false);
      response_start = offset + used;
      parser.reset(head_request);
    }
    offset += piece;
  }
  if (parser.started()) {
    const ParseState state = parser.finish_on_eof();
    check(state != ParseState::kNeedMore);
    if (state == ParseState::kComplete) check(!parser.keep_alive());
    record(run, parser, state, 0, true);
  }
}

bool same(const Outcome& a, const Outcome& b) {
  const bool same_error = (a.error == nullptr && b.error == nullptr) ||
                          (a.error != nullptr && b.error != nullptr && std::strcmp(a.error, b.error) == 0);
  return a.state == b.state && a.status == b.status && a.keep_alive == b.keep_alive &&
         a.from_eof == b.from_eof && a.body_bytes == b.body_bytes &&
         a.total_bytes == b.total_bytes && a.end_offset == b.end_offset && same_error;
}

Run split_run;
Run whole_run;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t split_count = data[0] & 7u;
  const bool head_request = (data[0] & 8u) != 0;
  if (size < 1 + split_count) return 0;
  const std::uint8_t* splits = data + 1;
  const std::uint8_t* stream = data + 1 + split_count;
  const std::size_t stream_size = size - 1 - split_count;

  split_run.count = 0;
  whole_run.count = 0;
  parse(stream, stream_size, splits, split_count, head_request, split_run);
  parse(stream, stream_size, nullptr, 0, head_request, whole_run);
  check(split_run.count == whole_run.count);
  for (std::size_t i = 0; i < split_run.count; ++i) {
    check(same(split_run.outcomes[i], whole_run.outcomes[i]));
  }
  return 0;
}
