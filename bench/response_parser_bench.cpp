// Micro-benchmark of the response parser's hot path: the cost per response the load engine
// pays at 100k+ responses/s. Run before and after any change to src/http/response_parser.cpp.
//   g++ -std=c++20 -O2 -DNDEBUG -Isrc bench/response_parser_bench.cpp
//       src/http/response_parser.cpp -lbenchmark -pthread
#include "http/response_parser.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

using perfgate::http::ParseResult;
using perfgate::http::ParseState;
using perfgate::http::ResponseParser;

// A typical small API response: 150 bytes, Content-Length framing.
const std::string kContentLengthResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.25\r\n"
    "Date: Tue, 11 Jun 2024 10:00:00 GMT\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 19\r\n"
    "\r\n"
    "{\"status\":\"up\",\"n\":1}";

// The same payload, chunked in two pieces.
const std::string kChunkedResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.25\r\n"
    "Date: Tue, 11 Jun 2024 10:00:00 GMT\r\n"
    "Content-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "c\r\n{\"status\":\"u\r\n"
    "9\r\np\",\"n\":1}\r\n"
    "0\r\n\r\n";

void parse_whole_responses(benchmark::State& state, const std::string& response) {
  ResponseParser parser;
  for (auto _ : state) {
    parser.reset();
    const ParseResult result = parser.feed(response.data(), response.size());
    if (result.state != ParseState::kComplete) state.SkipWithError("response did not complete");
    benchmark::DoNotOptimize(result);
    benchmark::DoNotOptimize(parser.body_bytes());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * response.size()));
  state.counters["bytes_per_response"] = static_cast<double>(response.size());
}

// The engine usually gets a response in one read, but a read boundary can fall anywhere.
void parse_response_in_two_reads(benchmark::State& state, const std::string& response) {
  ResponseParser parser;
  const std::size_t split = response.size() / 2;
  for (auto _ : state) {
    parser.reset();
    benchmark::DoNotOptimize(parser.feed(response.data(), split));
    benchmark::DoNotOptimize(parser.feed(response.data() + split, response.size() - split));
  }
}

void BM_ContentLength(benchmark::State& state) { parse_whole_responses(state, kContentLengthResponse); }
void BM_Chunked(benchmark::State& state) { parse_whole_responses(state, kChunkedResponse); }
void BM_ContentLengthTwoReads(benchmark::State& state) {
  parse_response_in_two_reads(state, kContentLengthResponse);
}

BENCHMARK(BM_ContentLength);
BENCHMARK(BM_Chunked);
BENCHMARK(BM_ContentLengthTwoReads);

}  // namespace

BENCHMARK_MAIN();
