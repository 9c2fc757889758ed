// The SSE engine: threads started, the result put together; see sse_engine.hpp.
#include "sse/sse_engine.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "sse/publisher.hpp"
#include "sse/subscriber_loop.hpp"

namespace perfgate::sse {

// ---- Fields in the event data --------------------------------------------------------------

std::optional<DataField> parse_data_field(std::string_view text) {
  if (!text.starts_with("json:") || text.size() == 5) return std::nullopt;
  std::string_view name = text.substr(5);
  if (name.find('"') != std::string_view::npos || name.find('\\') != std::string_view::npos) return std::nullopt;
  return DataField{std::string(name)};
}

std::optional<std::uint64_t> find_number_field(std::string_view data, std::string_view name) {
  // The first `"NAME"` followed by a colon: enough for ids and timestamps in any envelope,
  // without parsing the whole document per event.
  std::size_t at = 0;
  while ((at = data.find(name, at)) != std::string_view::npos) {
    const std::size_t after = at + name.size();
    if (at == 0 || data[at - 1] != '"' || after >= data.size() || data[after] != '"') {
      at = after;
      continue;
    }
    std::size_t p = after + 1;
    while (p < data.size() && (data[p] == ' ' || data[p] == '\t')) ++p;
    if (p >= data.size() || data[p] != ':') {
      at = after;
      continue;
    }
    ++p;
    while (p < data.size() && (data[p] == ' ' || data[p] == '\t' || data[p] == '"')) ++p;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(data.data() + p, data.data() + data.size(), value);
    if (ec != std::errc()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

// ---- The run -------------------------------------------------------------------------------

SseRun::SseRun(SseOptions options) : options_(std::move(options)) {}

SseRun::~SseRun() {
  request_stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void SseRun::start() {
  const int threads = std::clamp(options_.threads, 1, options_.subscribers);
  state_ = std::make_unique<RunState>(stop_, threads);
  state_->duration_ns = options_.duration.count();
  state_->timeout_ns = options_.timeout.count();
  if (options_.publish) state_->interval_ns = 1e9 / options_.publish->rate_per_s;
  for (int i = 0; i < threads; ++i) {
    // An exact share: floor((i+1)·N/T) - floor(i·N/T).
    const long long n = options_.subscribers;
    const int share = static_cast<int>((i + 1) * n / threads - i * n / threads);
    loops_.push_back(std::make_unique<SubscriberLoop>(options_, *state_, share));
  }
  if (options_.publish) publisher_ = std::make_unique<Publisher>(options_, *state_);
  running_ = threads + (publisher_ ? 1 : 0);
  start_ns_ = monotonic_ns();
  for (auto& loop : loops_) {
    threads_.emplace_back([this, l = loop.get()] {
      l->run();
      running_.fetch_sub(1);
    });
  }
  if (publisher_) {
    threads_.emplace_back([this] {
      publisher_->run();
      running_.fetch_sub(1);
    });
  }
}

void SseRun::request_stop() noexcept { stop_.store(true); }

bool SseRun::finished() const noexcept { return running_.load() == 0; }

SseProgress SseRun::snapshot() const {
  SseProgress p;
  const std::int64_t start = state_ ? state_->start_ns.load() : 0;
  p.elapsed_s = start != 0 ? static_cast<double>(monotonic_ns() - start) / 1e9 : 0;
  p.planned_s = static_cast<double>(options_.duration.count()) / 1e9;
  if (state_) {
    p.received = state_->received.load(std::memory_order_relaxed);
    p.published = state_->next_seq.load(std::memory_order_relaxed);
    p.connected = state_->connected.load(std::memory_order_relaxed);
  }
  return p;
}

std::vector<http::PublishedSecond> SseRun::take_seconds() {
  return http::take_merged_seconds(loops_, finished(), true, seconds_taken_, merge_scratch_);
}

std::int64_t SseRun::window_start_wall_ns() const {
  const std::int64_t start = state_ ? state_->start_ns.load() : 0;
  return start != 0 ? wall_ns() - (monotonic_ns() - start) : wall_ns();
}

namespace {

// Lost (event, subscriber) pairs: of the events that count, those a subscriber's `seen` bits
// (less its late arrivals) do not have.
struct Tally {
  std::uint64_t expected = 0, received = 0, lost = 0;
};

void tally_subscription(const std::vector<std::uint64_t>& seen, const std::vector<std::uint64_t>& counted,
                        const std::vector<std::uint64_t>& late_bits, Tally& tally) {
  for (std::size_t w = 0; w < counted.size(); ++w) {
    const std::uint64_t got = (w < seen.size() ? seen[w] : 0) & ~(w < late_bits.size() ? late_bits[w] : 0);
    // An event counts when its whole timeout passed, or when it arrived in time anyway.
    const std::uint64_t in_play = counted[w] | got;
    tally.expected += static_cast<std::uint64_t>(std::popcount(in_play));
    tally.received += static_cast<std::uint64_t>(std::popcount(got));
    tally.lost += static_cast<std::uint64_t>(std::popcount(in_play & ~got));
  }
  for (std::size_t w = counted.size(); w < seen.size(); ++w) {
    const std::uint64_t got = seen[w] & ~(w < late_bits.size() ? late_bits[w] : 0);
    tally.expected += static_cast<std::uint64_t>(std::popcount(got));
    tally.received += static_cast<std::uint64_t>(std::popcount(got));
  }
}

void set_bit(std::vector<std::uint64_t>& bits, std::uint64_t k) {
  const std::size_t w = static_cast<std::size_t>(k / 64);
  if (w >= bits.size()) bits.resize(w + 1, 0);
  bits[w] |= std::uint64_t{1} << (k % 64);
}

}  // namespace

SseResult SseRun::wait() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  SseResult r;
  r.threads = static_cast<int>(loops_.size());
  r.subscribers = options_.subscribers;
  r.interrupted = stop_.load();
  const std::int64_t start = state_->start_ns.load();
  std::int64_t ended = start;
  bool ever_connected = false;
  for (const auto& loop : loops_) {
    const auto& s = loop->stats();
    r.events_total += s.events_total;
    r.events_duplicate += s.duplicates;
    r.events_unknown += s.unknown;
    r.reconnects += s.reconnects;
    r.connect_failures += s.connect_failures;
    r.comments += s.comments;
    r.bytes_read += s.bytes_read;
    r.delivery.merge(s.delivery);
    r.connect.merge(s.connect);
    r.client_cpu_s += s.cpu_s;
    ended = std::max(ended, s.ended_ns);
    ever_connected = ever_connected || s.ever_connected;
    if (!s.last_connect_error.empty()) r.connect_error = s.last_connect_error;
  }
  r.unreachable = !ever_connected;
  const double window_s = static_cast<double>(std::min<std::int64_t>(options_.duration.count(),
                                                                     std::max<std::int64_t>(ended - start, 0))) / 1e9;
  r.duration_s = start != 0 ? window_s : 0;
  const double capacity_s = static_cast<double>(std::max<std::int64_t>(ended - start, 1)) / 1e9 * static_cast<double>(loops_.size());
  r.client_cpu_fraction = r.client_cpu_s / capacity_s;

  // Which events count for every subscriber: published (or, with --ts-field, seen by one of
  // them) and with their whole timeout before the end.
  std::vector<std::uint64_t> counted;
  const std::int64_t timeout = options_.timeout.count();
  if (publisher_) {
    const auto& p = publisher_->stats();
    r.published = p.published;
    r.publish_errors = p.errors;
    r.publish_lag = p.lag;
    r.publisher_cpu_s = p.cpu_s;
    r.publish_unreachable = !p.ever_connected;
    r.publish_error = p.last_error;
    for (std::size_t k = 0; k < p.ok.size(); ++k) {
      if (p.ok[k] != 0 && state_->scheduled_ns(k) + timeout <= ended) set_bit(counted, k);
    }
  } else {
    std::vector<std::int64_t> ts;
    for (const auto& loop : loops_) {
      const auto& s = loop->stats();
      if (ts.size() < s.ts_of_seq.size()) ts.resize(s.ts_of_seq.size(), 0);
      for (std::size_t k = 0; k < s.ts_of_seq.size(); ++k) ts[k] = std::max(ts[k], s.ts_of_seq[k]);
    }
    const std::int64_t ended_wall = wall_ns() - (monotonic_ns() - ended);
    for (std::size_t k = 0; k < ts.size(); ++k) {
      if (ts[k] != 0 && ts[k] + timeout <= ended_wall) set_bit(counted, k);
    }
  }
  Tally tally;
  std::uint64_t ts_untracked = 0;
  for (const auto& loop : loops_) {
    const auto& s = loop->stats();
    std::vector<std::vector<std::uint64_t>> late(s.seen.size());
    for (const auto& [index, seq] : s.late) set_bit(late[index], seq);
    r.events_late += s.late.size();
    for (std::size_t i = 0; i < s.seen.size(); ++i) tally_subscription(s.seen[i], counted, late[i], tally);
    // --ts-field events without an id are timed, not tracked.
    std::uint64_t tracked = 0;
    for (const auto& bits : s.seen) {
      for (auto w : bits) tracked += static_cast<std::uint64_t>(std::popcount(w));
    }
    if (!publisher_) ts_untracked += s.ts_received - std::min<std::uint64_t>(s.ts_received, tracked - std::min<std::uint64_t>(tracked, s.late.size()));
  }
  r.events_expected = tally.expected + ts_untracked;
  r.events_received = tally.received + ts_untracked;
  r.events_lost = tally.lost;

  // Honesty about perfgate itself.
  if (r.client_cpu_fraction > 0.95) {
    r.valid = false;
    r.invalid_reason = fmt::format("the subscriber threads were {:.0f}% busy: receipt times include perfgate's own queueing "
                                   "(use more --threads)",
                                   r.client_cpu_fraction * 100);
  } else if (publisher_ && r.publish_lag.total_count() > 0 && r.publish_lag.value_at_percentile(99) > 5'000'000) {
    r.valid = false;
    r.invalid_reason = fmt::format("the publisher fell behind its schedule (p99 {:.1f} ms late with a connection free)",
                                   static_cast<double>(r.publish_lag.value_at_percentile(99)) / 1e6);
  }
  if (publisher_ && r.published == 0 && !r.interrupted) r.notes.push_back("no publish succeeded: " + publisher_->stats().last_error);
  if (r.publish_errors > 0) r.notes.push_back(fmt::format("{} publishes failed ({})", r.publish_errors, publisher_->stats().last_error));
  if (r.events_unknown > 0) {
    r.notes.push_back(fmt::format("{} events carried no id of this run in {} (not matched)", r.events_unknown,
                                  options_.publish ? options_.id_field.written() : options_.ts_field->written()));
  }
  if (r.events_late > 0) r.notes.push_back(fmt::format("{} events arrived after the timeout (counted lost)", r.events_late));
  return r;
}

}  // namespace perfgate::sse
