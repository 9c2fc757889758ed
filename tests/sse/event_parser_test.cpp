// The event stream format, fed in every split: CRLF, LF and CR line ends, multi-line data,
// comments, retry, id, event types, a BOM, and an event cut off by the end.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sse/event_parser.hpp"
#include "sse/sse_engine.hpp"

namespace perfgate::sse {
namespace {

struct Seen {
  std::string type, data, id;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> parse_in_pieces(EventParser& parser, const std::string& stream, std::vector<std::size_t> cuts) {
  std::vector<Seen> seen;
  std::size_t from = 0;
  cuts.push_back(stream.size());
  for (std::size_t cut : cuts) {
    parser.feed(stream.data() + from, cut - from, [&](const Event& e) {
      seen.push_back({std::string(e.type), std::string(e.data), std::string(e.id)});
    });
    from = cut;
  }
  return seen;
}

// Every way of cutting the stream in two and in three gives the same events as one read.
void expect_every_split(const std::string& stream, const std::vector<Seen>& expected) {
  EventParser whole;
  EXPECT_EQ(parse_in_pieces(whole, stream, {}), expected);
  for (std::size_t a = 0; a <= stream.size(); ++a) {
    EventParser parser;
    EXPECT_EQ(parse_in_pieces(parser, stream, {a}), expected) << "cut at " << a;
    for (std::size_t b = a; b <= stream.size() && stream.size() < 64; ++b) {
      EventParser three;
      EXPECT_EQ(parse_in_pieces(three, stream, {a, b}), expected) << "cuts at " << a << ", " << b;
    }
  }
}

TEST(SseEventParser, LfCrlfAndCrLineEndsAreAlike) {
  const std::vector<Seen> expected = {{"message", "a", ""}, {"message", "b", ""}};
  expect_every_split("data: a\n\ndata: b\n\n", expected);
  expect_every_split("data: a\r\n\r\ndata: b\r\n\r\n", expected);
  expect_every_split("data: a\r\rdata: b\r\r", expected);
  expect_every_split("data: a\r\n\ndata: b\r\r\n", expected);
}

TEST(SseEventParser, DataLinesAreJoinedWithNewlines) {
  expect_every_split("data: first\ndata: second\ndata\ndata:  two spaces\n\n",
                     {{"message", "first\nsecond\n\n two spaces", ""}});
}

TEST(SseEventParser, CommentsAreSkippedAndCounted) {
  EventParser parser;
  auto seen = parse_in_pieces(parser, ": keep-alive\n:\ndata: x\n: inside\n\n", {});
  EXPECT_EQ(seen, (std::vector<Seen>{{"message", "x", ""}}));
  EXPECT_EQ(parser.comments(), 3u);
}

TEST(SseEventParser, IdPersistsAcrossEventsAndReconnects) {
  EventParser parser;
  auto seen = parse_in_pieces(parser, "id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n", {});
  EXPECT_EQ(seen, (std::vector<Seen>{{"message", "a", "7"}, {"message", "b", "7"}, {"message", "c", ""}}));
  EventParser other;
  parse_in_pieces(other, "id: 42\ndata: a\n\nid: 43\ndata: cut off", {});
  other.restart();  // the connection dropped mid-event
  EXPECT_EQ(other.last_event_id(), "43") << "the id field takes effect when read, as the format says";
  std::string with_nul("id: 4\0" "2\ndata: z\n\n", 17);
  EventParser nul;
  auto z = parse_in_pieces(nul, with_nul, {});
  EXPECT_EQ(z.front().id, "") << "an id with NUL is ignored";
}

TEST(SseEventParser, RetryTakesOnlyDigits) {
  EventParser parser;
  parse_in_pieces(parser, "retry: 250\n\n", {});
  EXPECT_EQ(parser.retry_ms(), 250u);
  parse_in_pieces(parser, "retry: 2s\n\nretry: -1\n\nretry\n\n", {});
  EXPECT_EQ(parser.retry_ms(), 250u);
}

TEST(SseEventParser, EventTypeAndEmptyEvents) {
  expect_every_split("event: tick\ndata: 1\n\nevent: ignored\n\ndata: 2\n\n",
                     {{"tick", "1", ""}, {"message", "2", ""}});
  // No data line: nothing is dispatched; unknown fields are ignored; no space after the colon.
  expect_every_split("foo: bar\nid:9\n\ndata:x\n\n", {{"message", "x", "9"}});
}

TEST(SseEventParser, ByteOrderMarkAtTheStartIsSkipped) {
  expect_every_split("\xEF\xBB\xBF" "data: a\n\n", {{"message", "a", ""}});
}

TEST(SseEventParser, AnEventCutOffByTheEndIsNotDispatched) {
  EventParser parser;
  auto seen = parse_in_pieces(parser, "data: a\n\ndata: b\n", {});
  EXPECT_EQ(seen.size(), 1u);
  parser.restart();
  seen = parse_in_pieces(parser, "data: c\n\n", {});
  EXPECT_EQ(seen, (std::vector<Seen>{{"message", "c", ""}})) << "the partial 'b' was dropped with the connection";
}

TEST(SseEventParser, FieldsInTheData) {
  EXPECT_EQ(find_number_field(R"({"seq":42,"x":1})", "seq"), 42u);
  EXPECT_EQ(find_number_field(R"({"event": {"seq" : "17"}})", "seq"), 17u);
  EXPECT_EQ(find_number_field(R"({"subseq":1,"seq":3})", "seq"), 3u);
  EXPECT_EQ(find_number_field(R"({"seq":"x"})", "seq"), std::nullopt);
  EXPECT_EQ(find_number_field("seq: 4", "seq"), std::nullopt);
  EXPECT_FALSE(parse_data_field("seq"));
  EXPECT_EQ(parse_data_field("json:ts")->name, "ts");
}

}  // namespace
}  // namespace perfgate::sse
