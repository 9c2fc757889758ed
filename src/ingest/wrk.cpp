// wrk's report as it prints it (and wrk2's, which adds "Latency Distribution (HdrHistogram …)"):
//   Running 3s test @ http://127.0.0.1:8080/
//     2 threads and 10 connections
//     Thread Stats   Avg      Stdev     Max   +/- Stdev
//       Latency     2.15ms  777.11us   7.67ms   75.25%
//       Req/Sec     2.36k    61.61     2.53k    64.52%
//     Latency Distribution            (with --latency)
//        50%    2.09ms
//     14573 requests in 3.10s, 0.94MB read
//     Non-2xx or 3xx responses: 280
//     Socket errors: connect 0, read 0, write 0, timeout 8
//   Requests/sec:   4701.17
//   Transfer/sec:    309.27KB
// One benchmark, "wrk", with the metric names of `perfgate http` so the two compare: throughput,
// error_rate, latency_mean, latency_max, latency_pNN (ms). Lines wrk does not print (a Lua
// script's own output, wrk2's detailed spectrum) are skipped.
#include <fmt/format.h>

#include <charconv>
#include <sstream>

#include "ingest/formats.hpp"

namespace perfgate::ingest {
namespace {

std::vector<std::string> fields_of(std::string_view line) {
  std::vector<std::string> fields;
  std::istringstream in{std::string(line)};
  std::string field;
  while (in >> field) fields.push_back(field);
  return fields;
}

// "2.15ms" -> (2.15, "ms"); the number must be the whole prefix.
std::optional<std::pair<double, std::string>> split_number(std::string_view text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  return std::pair{value, std::string(end, text.data() + text.size())};
}

// wrk prints times with us, ms, s, m and h (its format_time_us).
std::optional<double> milliseconds_of(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  const auto& [value, unit] = *parts;
  if (unit == "us") return value / 1e3;
  if (unit == "ms") return value;
  if (unit == "s") return value * 1e3;
  if (unit == "m") return value * 6e4;
  if (unit == "h") return value * 3.6e6;
  return std::nullopt;
}

// Counts with wrk's metric suffixes: "2.36k", "1.20M".
std::optional<double> count_of(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  const auto& [value, unit] = *parts;
  if (unit.empty()) return value;
  if (unit == "k") return value * 1e3;
  if (unit == "M") return value * 1e6;
  if (unit == "G") return value * 1e9;
  return std::nullopt;
}

// Bytes as wrk prints them (binary multiples): "536.00B", "309.27KB", "0.94MB".
std::optional<double> bytes_of(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  const auto& [value, unit] = *parts;
  if (unit == "B") return value;
  if (unit == "KB") return value * 1024.0;
  if (unit == "MB") return value * 1024.0 * 1024.0;
  if (unit == "GB") return value * 1024.0 * 1024.0 * 1024.0;
  if (unit == "TB") return value * 1024.0 * 1024.0 * 1024.0 * 1024.0;
  return std::nullopt;
}

// "50%", "99.900%" -> the metric suffix "p50", "p999" (perfgate's names: digits without the dot).
std::optional<std::string> percentile_name(std::string_view text) {
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  text.remove_suffix(1);
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0 || value > 100) return std::nullopt;
  std::string digits = fmt::format("{}", value);
  std::erase(digits, '.');
  return "p" + digits;
}

}  // namespace

std::vector<IngestedBenchmark> parse_wrk(const std::string& text, const InputReader& in) {
  IngestedBenchmark b;
  b.name = "wrk";
  std::optional<double> requests, seconds, throughput, latency_mean, latency_max;
  double non_2xx = 0, socket_errors = 0, timeouts = 0, not_completed = 0;
  std::vector<std::pair<std::string, double>> percentiles;
  bool in_distribution = false;
  std::istringstream lines(text);
  std::string line;
  std::size_t number = 0;
  auto bad = [&](std::string_view what) { in.fail(fmt::format("line {}", number), what); };
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> f = fields_of(line);
    if (f.empty()) continue;
    if (f[0] == "Running" && f.size() >= 5 && f[2] == "test" && f[3] == "@") {
      b.config["url"] = f[4];
      b.config["duration"] = f[1];
      continue;
    }
    if (f.size() == 5 && f[1] == "threads" && f[2] == "and" && f[4] == "connections") {
      auto threads = count_of(f[0]), connections = count_of(f[3]);
      if (!threads || !connections) bad("expected \"N threads and M connections\"");
      b.config["threads"] = *threads;
      b.config["connections"] = *connections;
      continue;
    }
    if (f[0] == "Latency" && f.size() >= 4) {  // the thread-stats row: avg, stdev, max, +/- stdev
      latency_mean = milliseconds_of(f[1]);
      auto stdev = milliseconds_of(f[2]);
      latency_max = milliseconds_of(f[3]);
      if (!latency_mean || !stdev || !latency_max) bad("expected the Latency row: Avg, Stdev and Max as times");
      b.config["latency_stdev_ms"] = *stdev;
      continue;
    }
    if (f[0] == "Req/Sec" && f.size() >= 4) {  // per thread; kept as the setting it describes
      auto avg = count_of(f[1]), max = count_of(f[3]);
      if (avg && max) b.config["thread_requests_per_s"] = {{"mean", *avg}, {"max", *max}};
      continue;
    }
    if (f[0] == "Latency" && f.size() >= 2 && f[1] == "Distribution") {
      in_distribution = true;
      continue;
    }
    if (in_distribution && f.size() == 2) {
      if (auto name = percentile_name(f[0])) {
        auto ms = milliseconds_of(f[1]);
        if (!ms) bad(fmt::format("expected a time after {}, got \"{}\"", f[0], f[1]));
        percentiles.emplace_back(*name, *ms);
        continue;
      }
    }
    in_distribution = false;
    if (f.size() >= 4 && f[1] == "requests" && f[2] == "in") {  // "14573 requests in 3.10s, 0.94MB read"
      requests = count_of(f[0]);
      std::string span = f[3];
      if (!span.empty() && span.back() == ',') span.pop_back();
      auto ms = milliseconds_of(span);
      if (!requests || !ms) bad("expected \"N requests in DURATION, SIZE read\"");
      seconds = *ms / 1e3;
      if (f.size() >= 6 && f[5] == "read") {
        if (auto read = bytes_of(f[4])) b.config["bytes_read"] = *read;
      }
      continue;
    }
    if (line.find("Non-2xx or 3xx responses:") != std::string::npos) {
      auto count = count_of(f.back());
      if (!count) bad("expected a count of non-2xx or 3xx responses");
      non_2xx = *count;
      continue;
    }
    if (f[0] == "Socket" && f.size() >= 2 && f[1] == "errors:") {  // connect N, read N, write N, timeout N
      for (std::size_t i = 2; i + 1 < f.size(); i += 2) {
        std::string value = f[i + 1];
        if (!value.empty() && value.back() == ',') value.pop_back();
        auto count = count_of(value);
        if (!count) bad(fmt::format("expected a count after \"{}\"", f[i]));
        b.config["socket_errors"][f[i]] = *count;
        socket_errors += *count;
        if (f[i] == "timeout") timeouts = *count;
        if (f[i] == "connect" || f[i] == "read" || f[i] == "write") not_completed += *count;
      }
      continue;
    }
    if (f[0] == "Requests/sec:" && f.size() == 2) {
      throughput = count_of(f[1]);
      if (!throughput) bad("expected a number after Requests/sec:");
      continue;
    }
    if (f[0] == "Transfer/sec:" && f.size() == 2) {
      if (auto rate = bytes_of(f[1])) b.add_metric("transfer_rate", *rate, "bytes/s", "higher");
      continue;
    }
  }
  if (!requests || !throughput) {
    in.fail("no \"N requests in …\" and \"Requests/sec:\" lines: not the report wrk prints");
  }
  b.config["requests"] = *requests;
  b.config["duration_s"] = *seconds;
  b.add_metric("throughput", *throughput, "rps", "higher");
  // Timeouts and non-2xx answers are among wrk's completed requests; connect, read and write
  // errors are not, so they join the denominator.
  double attempts = *requests + not_completed;
  double errors = non_2xx + socket_errors;
  b.add_metric("error_rate", attempts > 0 ? std::min(1.0, errors / attempts) : 0.0, "ratio", "lower");
  // wrk records no latency for a request that timed out: when all did, it prints zeros.
  if (*requests <= timeouts) {
    b.invalid_reason = "every request timed out: wrk recorded no latency";
    return {b};
  }
  if (latency_mean) b.add_metric("latency_mean", *latency_mean, "ms", "lower");
  for (const auto& [name, ms] : percentiles) b.add_metric("latency_" + name, ms, "ms", "lower");
  if (latency_max) b.add_metric("latency_max", *latency_max, "ms", "lower");
  return {b};
}

}  // namespace perfgate::ingest
