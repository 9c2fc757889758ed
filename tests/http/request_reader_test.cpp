// Tests of the incremental request reader behind `perfgate serve`: every request is fed
// whole, split at every byte position, and one byte at a time, and must read the same.
#include "http/request_reader.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace perfgate::http {
namespace {

// A request head copied out of the reader (its views die with the buffer).
struct SeenHead {
  std::string method, target, path, query;
  int version_minor = -1;
  bool keep_alive = false;
  bool expect_continue = false;
  bool chunked = false;
  std::uint64_t content_length = 0;
  bool operator==(const SeenHead&) const = default;
};

struct Seen {
  std::vector<SeenHead> heads;
  int completes = 0;
  std::string error;        // empty: none
  std::size_t leftover = 0;  // bytes the reader had not consumed at the end
  bool operator==(const Seen&) const = default;
};

void PrintTo(const Seen& seen, std::ostream* out) {
  *out << "{heads:";
  for (const auto& h : seen.heads) *out << " [" << h.method << ' ' << h.target << " cl=" << h.content_length << ']';
  *out << " completes: " << seen.completes << " error: '" << seen.error << "' leftover: " << seen.leftover << '}';
}

// Feeds the chunks the way serve's connection does: append, feed until kNeedMore, drop
// what was consumed.
Seen read_chunks(const std::vector<std::string>& chunks) {
  RequestReader reader;
  std::string buffer;
  Seen seen;
  for (const auto& chunk : chunks) {
    buffer += chunk;
    while (true) {
      RequestStep step = reader.feed(buffer);
      if (step.event == RequestEvent::kHead) {
        const RequestHead& h = reader.head();
        seen.heads.push_back(SeenHead{std::string(h.method), std::string(h.target), std::string(h.path()),
                                      std::string(h.query()), h.version_minor, h.keep_alive, h.expect_continue,
                                      h.chunked, h.content_length});
      }
      buffer.erase(0, step.consumed);
      if (step.event == RequestEvent::kNeedMore) break;
      if (step.event == RequestEvent::kComplete) ++seen.completes;
      if (step.event == RequestEvent::kError) {
        seen.error = reader.error();  // what is left over after an error does not matter
        return seen;
      }
    }
  }
  seen.leftover = buffer.size();
  return seen;
}

// Reads `text` whole, then split in two at every position, then byte by byte, and
// checks that all of them read the same; returns what was read.
Seen read_every_way(const std::string& text) {
  Seen whole = read_chunks({text});
  for (std::size_t split = 0; split <= text.size(); ++split) {
    Seen split_read = read_chunks({text.substr(0, split), text.substr(split)});
    EXPECT_EQ(split_read, whole) << "split at byte " << split;
    if (split_read != whole) break;
  }
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  EXPECT_EQ(read_chunks(bytes), whole) << "fed byte by byte";
  return whole;
}

TEST(RequestReader, ReadsASimpleGet) {
  Seen seen = read_every_way("GET /health?x=1&y HTTP/1.1\r\nHost: localhost\r\n\r\n");
  ASSERT_EQ(seen.heads.size(), 1u);
  EXPECT_EQ(seen.heads[0].method, "GET");
  EXPECT_EQ(seen.heads[0].target, "/health?x=1&y");
  EXPECT_EQ(seen.heads[0].path, "/health");
  EXPECT_EQ(seen.heads[0].query, "x=1&y");
  EXPECT_EQ(seen.heads[0].version_minor, 1);
  EXPECT_TRUE(seen.heads[0].keep_alive);
  EXPECT_EQ(seen.completes, 1);
  EXPECT_EQ(seen.error, "");
  EXPECT_EQ(seen.leftover, 0u);
}

TEST(RequestReader, ReadsPipelinedRequestsWithBodiesAtEverySplit) {
  const std::string text =
      "POST /webhook HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
      "\r\n"  // a stray CRLF between requests is skipped
      "PUT /chunks HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "5;name=value\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n"
      "GET /last HTTP/1.1\n\n";  // bare LF line ends are accepted
  Seen seen = read_every_way(text);
  ASSERT_EQ(seen.heads.size(), 3u);
  EXPECT_EQ(seen.heads[0].content_length, 11u);
  EXPECT_TRUE(seen.heads[1].chunked);
  EXPECT_EQ(seen.heads[2].target, "/last");
  EXPECT_EQ(seen.completes, 3);
  EXPECT_EQ(seen.error, "");
  EXPECT_EQ(seen.leftover, 0u);
}

TEST(RequestReader, KeepAliveFollowsVersionAndConnectionHeader) {
  EXPECT_FALSE(read_chunks({"GET / HTTP/1.0\r\n\r\n"}).heads.at(0).keep_alive);
  EXPECT_TRUE(read_chunks({"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"}).heads.at(0).keep_alive);
  EXPECT_FALSE(read_chunks({"GET / HTTP/1.1\r\nConnection: Upgrade, close\r\n\r\n"}).heads.at(0).keep_alive);
  EXPECT_TRUE(read_chunks({"GET / HTTP/1.1\r\nconnection: keep-alive\r\n\r\n"}).heads.at(0).keep_alive);
}

TEST(RequestReader, ExpectContinueOnlyWithABody) {
  EXPECT_TRUE(
      read_chunks({"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"}).heads.at(0).expect_continue);
  EXPECT_FALSE(read_chunks({"GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"}).heads.at(0).expect_continue);
}

TEST(RequestReader, DiscardsBodiesAsTheyArrive) {
  RequestReader reader;
  std::string head = "POST / HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n";
  RequestStep step = reader.feed(head);
  ASSERT_EQ(step.event, RequestEvent::kHead);
  EXPECT_EQ(step.consumed, head.size());
  std::string piece(4096, 'x');
  std::uint64_t fed = 0;
  while (fed + piece.size() < 1000000) {
    step = reader.feed(piece);
    ASSERT_EQ(step.event, RequestEvent::kNeedMore);
    ASSERT_EQ(step.consumed, piece.size());  // nothing is kept
    fed += piece.size();
  }
  std::string rest(1000000 - fed, 'x');
  step = reader.feed(rest + "GET");
  EXPECT_EQ(step.event, RequestEvent::kComplete);
  EXPECT_EQ(step.consumed, rest.size());  // the next request's bytes stay
}

TEST(RequestReader, RefusesAHeadLargerThan64KiB) {
  std::string huge = "GET / HTTP/1.1\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n";
  EXPECT_NE(read_chunks({huge}).error, "");
  // Also while it is still arriving: the reader must not wait for an end that is too late.
  std::string unterminated = "GET / HTTP/1.1\r\nX-Big: " + std::string(65 * 1024, 'a');
  EXPECT_NE(read_chunks({unterminated}).error, "");
  // Just under the limit is fine.
  std::string large = "GET / HTTP/1.1\r\nX-Big: " + std::string(60 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(read_chunks({large}).error, "");
}

TEST(RequestReader, RejectsMalformedRequests) {
  const char* bad[] = {
      "GET /\r\n\r\n",                                                       // no version
      "GET / HTTP/2.0\r\n\r\n",                                              // unsupported version
      "G(T / HTTP/1.1\r\n\r\n",                                              // method not a token
      "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",                             // header without colon
      "GET / HTTP/1.1\r\nName : value\r\n\r\n",                              // space before colon
      "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",                           // obsolete line folding
      "POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n",                      // bad length
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",   // conflicting lengths
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",  // both
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",                  // no chunked
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",         // chunked not last
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",         // bad chunk size
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX",       // no CRLF after data
  };
  for (const char* request : bad) {
    Seen seen = read_every_way(request);
    EXPECT_NE(seen.error, "") << request;
    EXPECT_EQ(seen.completes, 0) << request;
  }
}

TEST(RequestReader, AcceptsIdenticalRepeatedContentLength) {
  Seen seen = read_chunks({"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"});
  EXPECT_EQ(seen.error, "");
  EXPECT_EQ(seen.completes, 1);
}

}  // namespace
}  // namespace perfgate::http
