// Tests for the HTTP/1.x response parser: status lines, framing, keep-alive, limits, and the
// property that matters most on the hot path — any split of the input gives the same result.
#include "http/response_parser.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace perfgate::http {
namespace {

// What the engine sees of one response. For errors, where in the input the error was
// noticed depends on the split, so total_bytes and end_offset are left at 0.
struct Outcome {
  ParseState state = ParseState::kNeedMore;
  int status = 0;
  bool keep_alive = false;
  std::uint64_t body_bytes = 0;
  std::uint64_t total_bytes = 0;
  std::size_t end_offset = 0;  // offset in the input just past a complete response
  std::string error;
  bool from_eof = false;       // the outcome came from finish_on_eof()
  bool operator==(const Outcome&) const = default;
};

void PrintTo(const Outcome& o, std::ostream* os) {
  *os << "{state=" << static_cast<int>(o.state) << " status=" << o.status
      << " keep_alive=" << o.keep_alive << " body=" << o.body_bytes << " total=" << o.total_bytes
      << " end=" << o.end_offset << " error='" << o.error << "' eof=" << o.from_eof << "}";
}

Outcome snapshot(const ResponseParser& parser, ParseState state) {
  Outcome o;
  o.state = state;
  o.status = parser.status();
  o.keep_alive = parser.keep_alive();
  o.body_bytes = parser.body_bytes();
  o.error = parser.error() != nullptr ? parser.error() : "";
  if (state != ParseState::kError) o.total_bytes = parser.total_bytes();
  return o;
}

// Feeds `input` in pieces that end at `cuts` (ascending offsets) the way the engine does:
// reset() after every complete response and feed it the rest, stop at the first error, and
// at the end of the input report the close to a parser that has started a response.
std::vector<Outcome> parse_all(std::string_view input, const std::vector<std::size_t>& cuts,
                               bool head_request = false) {
  std::vector<Outcome> outcomes;
  ResponseParser parser;
  parser.reset(head_request);
  std::size_t piece_start = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t piece_end = i < cuts.size() ? cuts[i] : input.size();
    std::size_t offset = piece_start;
    while (offset < piece_end) {
      const ParseResult r = parser.feed(input.data() + offset, piece_end - offset);
      EXPECT_LE(r.consumed, piece_end - offset);
      if (r.state == ParseState::kError) {
        outcomes.push_back(snapshot(parser, r.state));
        return outcomes;
      }
      offset += r.consumed;
      if (r.state == ParseState::kComplete) {
        Outcome o = snapshot(parser, r.state);
        o.end_offset = offset;
        outcomes.push_back(o);
        parser.reset(head_request);
      } else {
        EXPECT_EQ(offset, piece_end);
      }
    }
    piece_start = piece_end;
  }
  if (parser.started()) {
    Outcome o = snapshot(parser, parser.finish_on_eof());
    o.from_eof = true;
    o.error = "";
    if (o.state == ParseState::kError) o.total_bytes = 0;
    outcomes.push_back(o);
  }
  return outcomes;
}

std::vector<Outcome> parse_whole(std::string_view input, bool head_request = false) {
  return parse_all(input, {}, head_request);
}

// The single outcome of a one-response input.
Outcome parse_one(std::string_view input, bool head_request = false) {
  const auto outcomes = parse_whole(input, head_request);
  EXPECT_FALSE(outcomes.empty());
  return outcomes.empty() ? Outcome{} : outcomes.front();
}

void expect_error(std::string_view input, std::string_view why) {
  const Outcome o = parse_one(input);
  EXPECT_EQ(o.state, ParseState::kError) << input;
  EXPECT_FALSE(o.from_eof) << input;
  EXPECT_EQ(o.error, why) << input;
}

// ---- Status line --------------------------------------------------------------------------

TEST(ResponseParser, ParsesASimpleResponse) {
  const std::string input = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
  const Outcome o = parse_one(input);
  EXPECT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.status, 200);
  EXPECT_TRUE(o.keep_alive);
  EXPECT_EQ(o.body_bytes, 5u);
  EXPECT_EQ(o.total_bytes, input.size());
  EXPECT_EQ(o.end_offset, input.size());
}

TEST(ResponseParser, AcceptsEmptyReasonPhrasesAndBareLineFeeds) {
  for (std::string_view input : {"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
                                 "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
                                 "HTTP/1.1 200\nContent-Length: 0\n\n",
                                 "HTTP/1.1 200 OK\nContent-Length: 0\r\n\n",
                                 "HTTP/1.1 404 Not Found at all\r\ncontent-length: 0\r\n\r\n"}) {
    const Outcome o = parse_one(input);
    EXPECT_EQ(o.state, ParseState::kComplete) << input;
    EXPECT_EQ(o.end_offset, input.size()) << input;
  }
  EXPECT_EQ(parse_one("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").status, 404);
}

TEST(ResponseParser, SkipsBlankLinesBeforeTheStatusLine) {
  const Outcome o = parse_one("\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.status, 200);
}

TEST(ResponseParser, RejectsBadStatusLines) {
  expect_error("<html>oops</html>\r\n\r\n", "malformed status line");
  expect_error("HTTP/1.1\r\n\r\n", "malformed status line");
  expect_error("HTTP/1.1  200 OK\r\n\r\n", "invalid status code");
  expect_error("HTTP/1.1 2x0 OK\r\n\r\n", "invalid status code");
  expect_error("HTTP/1.1 20\r\n\r\n", "invalid status code");
  expect_error("HTTP/1.1 2000 OK\r\n\r\n", "invalid status code");
  expect_error("HTTP/1.1 099 Low\r\n\r\n", "invalid status code");
  expect_error("HTTP/1.1 -20 OK\r\n\r\n", "invalid status code");
  expect_error("HTTP/2.0 200 OK\r\n\r\n", "unsupported HTTP version");
  expect_error("HTTP/1.1 200\rX\r\n\r\n", "malformed status line");
  expect_error("http/1.1 200 OK\r\n\r\n", "malformed status line");
}

TEST(ResponseParser, RejectsGarbageAtTheFirstByte) {
  ResponseParser parser;
  const ParseResult r = parser.feed("<", 1);
  EXPECT_EQ(r.state, ParseState::kError);
  EXPECT_STREQ(parser.error(), "malformed status line");
}

TEST(ResponseParser, AcceptsStatusCodesUpTo999) {
  EXPECT_EQ(parse_one("HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n").status, 999);
  EXPECT_EQ(parse_one("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 599 X\r\n"
                      "Content-Length: 0\r\n\r\n").status, 599);
}

// ---- Headers ------------------------------------------------------------------------------

TEST(ResponseParser, SkipsLongHeaderValuesItDoesNotNeed) {
  const std::string input = "HTTP/1.1 200 OK\r\nSet-Cookie: " + std::string(8192, 'c') +
                            "\r\nContent-Length: 2\r\n\r\nok";
  const Outcome o = parse_one(input);
  EXPECT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.body_bytes, 2u);
  std::mt19937 rng(7);
  for (int i = 0; i < 50; ++i) {
    std::vector<std::size_t> cuts;
    for (std::size_t at = 1 + rng() % 3000; at < input.size(); at += 1 + rng() % 3000) cuts.push_back(at);
    EXPECT_EQ(parse_all(input, cuts), parse_whole(input));
  }
}

TEST(ResponseParser, RejectsMalformedHeaderLines) {
  expect_error("HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length: 0\r\n\r\n",
               "obsolete header line folding");
  expect_error("HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n", "header line without colon");
  expect_error("HTTP/1.1 200 OK\r\n: value\r\n\r\n", "empty header name");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello",
               "whitespace before colon in header");
  expect_error("HTTP/1.1 200 OK\r\n\rX: y\r\n\r\n", "malformed header line");
}

TEST(ResponseParser, HeaderBlockOf60KiBPasses) {
  const std::string input = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(60 * 1024, 'a') +
                            "\r\nContent-Length: 1\r\n\r\nz";
  const Outcome o = parse_one(input);
  EXPECT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.body_bytes, 1u);
}

TEST(ResponseParser, HeaderBlockOf65KiBFails) {
  const std::string input = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(65 * 1024, 'a') +
                            "\r\nContent-Length: 1\r\n\r\nz";
  expect_error(input, "header block too large");
}

TEST(ResponseParser, HeaderLimitIsExact) {
  // Status line + headers + the empty line, exactly kMaxHeaderBytes long.
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: ";
  const std::string tail = "\r\n\r\n";
  const std::size_t pad = ResponseParser::kMaxHeaderBytes - head.size() - tail.size();
  const std::string at_limit = head + std::string(pad, 'p') + tail;
  ASSERT_EQ(at_limit.size(), ResponseParser::kMaxHeaderBytes);
  EXPECT_EQ(parse_one(at_limit).state, ParseState::kComplete);
  expect_error(head + std::string(pad + 1, 'p') + tail, "header block too large");
}

// ---- Framing ------------------------------------------------------------------------------

TEST(ResponseParser, RejectsBadContentLengths) {
  const auto with_length = [](std::string_view value) {
    return "HTTP/1.1 200 OK\r\nContent-Length:" + std::string(value) + "\r\n\r\nhello";
  };
  for (std::string_view value : {" abc", " -5", " 5 5", " ", "", " 5,", " 0x5", " +5"}) {
    expect_error(with_length(value), "invalid Content-Length");
  }
  expect_error(with_length(" 99999999999999999999999"), "Content-Length too large");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
               "conflicting Content-Length values");
  expect_error(with_length(" 5, 6"), "conflicting Content-Length values");
}

TEST(ResponseParser, AcceptsRepeatedEqualContentLengths) {
  for (std::string_view input : {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello",
                                 "HTTP/1.1 200 OK\r\nCONTENT-LENGTH:5 , 5\t\r\n\r\nhello"}) {
    const Outcome o = parse_one(input);
    EXPECT_EQ(o.state, ParseState::kComplete) << input;
    EXPECT_EQ(o.body_bytes, 5u) << input;
  }
}

TEST(ResponseParser, CountsChunkedPayloadWithoutFraming) {
  const std::string input =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1A;name=value;x\r\n" + std::string(26, 'z') + "\r\n0\r\n\r\n";
  const Outcome o = parse_one(input);
  EXPECT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.body_bytes, 31u);
  EXPECT_EQ(o.total_bytes, input.size());
  EXPECT_TRUE(o.keep_alive);
}

TEST(ResponseParser, ReadsTrailersAfterTheLastChunk) {
  const std::string input =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\nX-Checksum: 1234\r\nContent-Length: 99\r\n\r\n";
  const Outcome o = parse_one(input + "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.body_bytes, 3u);
  EXPECT_EQ(o.end_offset, input.size());
}

TEST(ResponseParser, ChunkedTakesPrecedenceOverContentLength) {
  const Outcome o = parse_one(
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
      "2\r\nhi\r\n0\r\n\r\n");
  EXPECT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.body_bytes, 2u);
}

TEST(ResponseParser, TransferEncodingWithoutFinalChunkedRunsToTheClose) {
  const auto outcomes =
      parse_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabcdef");
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].state, ParseState::kComplete);
  EXPECT_TRUE(outcomes[0].from_eof);
  EXPECT_EQ(outcomes[0].body_bytes, 6u);
  EXPECT_FALSE(outcomes[0].keep_alive);
}

TEST(ResponseParser, RejectsBadChunkFraming) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  expect_error(head + "xyz\r\n", "invalid chunk size");
  expect_error(head + "\r\n", "invalid chunk size");
  expect_error(head + ";ext\r\n", "invalid chunk size");
  expect_error(head + "5 5\r\nhello\r\n", "invalid chunk size");
  expect_error(head + "-5\r\n", "invalid chunk size");
  expect_error(head + "10000000000000000\r\n", "chunk size too large");
  expect_error(head + "5\r\nhelloXX0\r\n\r\n", "missing CRLF after chunk data");
  expect_error(head + "5\r\nhello\rX", "missing CRLF after chunk data");
}

TEST(ResponseParser, AcceptsLenientChunkSizeLines) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::string input : {head + "5 ;a=b\r\nhello\r\n0\r\n\r\n", head + "005\nhello\n0\n\n",
                            head + "fffff\r\n" + std::string(0xfffff, 'x') + "\r\n0;end\r\n\r\n"}) {
    const Outcome o = parse_one(input);
    EXPECT_EQ(o.state, ParseState::kComplete);
    EXPECT_EQ(o.end_offset, input.size());
  }
}

TEST(ResponseParser, BodyDelimitedByCloseCompletesOnEof) {
  const auto outcomes = parse_whole("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nthe whole body");
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].state, ParseState::kComplete);
  EXPECT_TRUE(outcomes[0].from_eof);
  EXPECT_EQ(outcomes[0].body_bytes, 14u);
  EXPECT_FALSE(outcomes[0].keep_alive);
}

TEST(ResponseParser, CutOffResponsesAreErrorsOnEof) {
  for (std::string_view input : {"H", "HTTP/1.1 200 OK\r\nContent-Len",
                                 "HTTP/1.1 200 OK\r\n\r",
                                 "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
                                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
                                 "HTTP/1.1 100 Continue\r\n\r\n"}) {
    const Outcome o = parse_one(input);
    EXPECT_EQ(o.state, ParseState::kError) << input;
    EXPECT_TRUE(o.from_eof) << input;
  }
  ResponseParser parser;
  EXPECT_FALSE(parser.started());
  EXPECT_EQ(parser.finish_on_eof(), ParseState::kError);
  EXPECT_EQ(parser.error(), nullptr);  // a cut-off is a reset, not a protocol error
}

TEST(ResponseParser, ResponsesWithoutBodies) {
  const std::string with_length = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
  const Outcome head = parse_one(with_length, /*head_request=*/true);
  EXPECT_EQ(head.state, ParseState::kComplete);
  EXPECT_EQ(head.end_offset, with_length.size());
  EXPECT_EQ(head.body_bytes, 0u);
  for (std::string_view input : {"HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
                                 "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
    const Outcome o = parse_one(input);
    EXPECT_EQ(o.state, ParseState::kComplete) << input;
    EXPECT_EQ(o.end_offset, input.size()) << input;
    EXPECT_TRUE(o.keep_alive) << input;
  }
}

TEST(ResponseParser, SkipsInterimResponses) {
  const std::string input =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n"
      "Content-Length: 99\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
  const Outcome o = parse_one(input);
  EXPECT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.status, 201);
  EXPECT_EQ(o.body_bytes, 2u);
  EXPECT_EQ(o.total_bytes, input.size());  // the interim responses count as bytes
}

TEST(ResponseParser, SwitchingProtocolsIsFinalAndEndsKeepAlive) {
  const Outcome o = parse_one("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\n\r\n\x81\x05hello");
  EXPECT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.status, 101);
  EXPECT_FALSE(o.keep_alive);
}

// ---- Keep-alive ---------------------------------------------------------------------------

TEST(ResponseParser, KeepAliveFollowsVersionAndConnectionHeader) {
  const auto keep_alive = [](std::string_view version, std::string_view connection) {
    std::string input = "HTTP/" + std::string(version) + " 200 OK\r\n";
    if (!connection.empty()) input += "Connection:" + std::string(connection) + "\r\n";
    input += "Content-Length: 0\r\n\r\n";
    return parse_one(input).keep_alive;
  };
  EXPECT_TRUE(keep_alive("1.1", ""));
  EXPECT_FALSE(keep_alive("1.1", " close"));
  EXPECT_FALSE(keep_alive("1.1", " CLOSE"));
  EXPECT_FALSE(keep_alive("1.1", " Upgrade ,\tClose "));
  EXPECT_TRUE(keep_alive("1.1", " closed"));
  EXPECT_TRUE(keep_alive("1.1", " keep-alive"));
  EXPECT_FALSE(keep_alive("1.0", ""));
  EXPECT_TRUE(keep_alive("1.0", " Keep-Alive"));
  EXPECT_TRUE(keep_alive("1.0", " upgrade, keep-alive"));
  EXPECT_FALSE(keep_alive("1.0", " keep alive"));
  EXPECT_FALSE(keep_alive("1.0", " keep-alive, close"));
}

// ---- Sequencing ---------------------------------------------------------------------------

TEST(ResponseParser, ParsesPipelinedResponsesFromOneBuffer) {
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
  const std::string second = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
  const std::string third = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  const auto outcomes = parse_whole(first + second + third);
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].end_offset, first.size());
  EXPECT_EQ(outcomes[1].end_offset, first.size() + second.size());
  EXPECT_EQ(outcomes[1].body_bytes, 2u);
  EXPECT_EQ(outcomes[2].status, 404);
  EXPECT_EQ(outcomes[2].total_bytes, third.size());
}

TEST(ResponseParser, FeedAfterTheEndChangesNothing) {
  ResponseParser parser;
  const std::string input = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1";
  ParseResult r = parser.feed(input.data(), input.size());
  EXPECT_EQ(r.state, ParseState::kComplete);
  r = parser.feed(input.data(), input.size());
  EXPECT_EQ(r.state, ParseState::kComplete);
  EXPECT_EQ(r.consumed, 0u);
  parser.reset();
  EXPECT_FALSE(parser.started());
  EXPECT_EQ(parser.feed("x", 1).state, ParseState::kError);
  EXPECT_EQ(parser.feed("HTTP", 4).state, ParseState::kError);
  EXPECT_EQ(parser.feed("", 0).state, ParseState::kError);
}

TEST(ResponseParser, ReadsAOneMegabyteBody) {
  const std::size_t size = 1 << 20;
  const std::string by_length = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) +
                                "\r\n\r\n" + std::string(size, 'b');
  std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t sent = 0; sent < size; sent += 16384) chunked += "4000\r\n" + std::string(16384, 'c') + "\r\n";
  chunked += "0\r\n\r\n";
  for (const std::string& input : {by_length, chunked}) {
    std::vector<std::size_t> reads;  // like 4 KiB socket reads
    for (std::size_t at = 4096; at < input.size(); at += 4096) reads.push_back(at);
    const auto outcomes = parse_all(input, reads);
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_EQ(outcomes[0].state, ParseState::kComplete);
    EXPECT_EQ(outcomes[0].body_bytes, size);
    EXPECT_EQ(outcomes[0].total_bytes, input.size());
  }
}

// ---- Any split gives the same result ------------------------------------------------------

const std::vector<std::string>& split_corpus() {
  static const std::vector<std::string> corpus = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
      "HTTP/1.1 200\nContent-Length: 3\n\nabc",
      "HTTP/1.1 204 \r\nConnection: close\r\n\r\n",
      "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nhi",
      "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody until the close",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\nA\r\n0123456789\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nTrailer-A: 1\r\nB: 2\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nConnection: upgrade, CLOSE\r\nContent-Length: 1\r\n\r\n!",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 304 x\r\n\r\n",
      "\r\nHTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-Long: " + std::string(700, 'l') + "\r\nContent-Length: 1\r\n\r\n1",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\ncompressed-ish",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\ncut",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\nframes",
      "HTTP/1.0 200 OK\r\nConnection: keep  alive\r\nContent-Length: 1 , 1\r\n\r\nx",
      "HTTP/1.1 200 OK\r\nContent-Length: 1  2\r\n\r\nxx",
  };
  return corpus;
}

TEST(ResponseParser, EveryTwoWaySplitGivesTheSameResult) {
  for (const std::string& input : split_corpus()) {
    const auto expected = parse_whole(input);
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
      ASSERT_EQ(parse_all(input, {cut}), expected) << "cut at " << cut << " of " << input;
    }
  }
}

TEST(ResponseParser, OneByteAtATimeGivesTheSameResult) {
  for (const std::string& input : split_corpus()) {
    std::vector<std::size_t> cuts;
    for (std::size_t at = 1; at < input.size(); ++at) cuts.push_back(at);
    EXPECT_EQ(parse_all(input, cuts), parse_whole(input)) << input;
  }
}

TEST(ResponseParser, RandomSplitsGiveTheSameResult) {
  std::mt19937 rng(20240611);
  for (const std::string& input : split_corpus()) {
    const auto expected = parse_whole(input);
    for (int round = 0; round < 300; ++round) {
      std::vector<std::size_t> cuts;
      const std::size_t max_step = 1 + rng() % 16;
      for (std::size_t at = 1 + rng() % max_step; at < input.size(); at += 1 + rng() % max_step) {
        cuts.push_back(at);
      }
      ASSERT_EQ(parse_all(input, cuts), expected) << "round " << round << " of " << input;
    }
  }
}

}  // namespace
}  // namespace perfgate::http
