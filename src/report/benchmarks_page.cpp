// The docs/benchmarks.md page; see benchmarks_page.hpp.
#include "report/benchmarks_page.hpp"

#include <cmath>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "core/result_document.hpp"
#include "core/text_escape.hpp"
#include "core/units.hpp"
#include "suite/threshold.hpp"

namespace perfgate::report {
namespace {

using nlohmann::json;

std::string or_dash(const std::optional<double>& v, std::string (*format)(double)) { return v ? format(*v) : "–"; }
std::string ms_text(double ms) { return format_ms(ms); }
std::string seconds_text(double s) { return format_ms(s * 1e3); }
std::string rps_text(double rps) { return fmt::format("{:.1f} req/s", rps); }
std::string ratio_text(double r) { return fmt::format("{:.2f}%", r * 100); }
std::string bytes_text(double b) { return format_bytes(b); }
std::string pct_text(double p) { return fmt::format("{:.1f}%", p); }
std::string number_text(double v) { return fmt::format("{:.4g}", v); }

std::string kind_of(const suite::BenchmarkSpec& b) {
  switch (b.kind) {
    case suite::BenchmarkKind::kHttp:
      return "http";
    case suite::BenchmarkKind::kCmd:
      return "cmd";
    case suite::BenchmarkKind::kIngest:
      return "ingest (" + b.ingest.format + ")";
    case suite::BenchmarkKind::kSse:
      return "sse";
    case suite::BenchmarkKind::kExec:
      return "exec";
  }
  return "";
}

// The baseline's benchmarks that a suite benchmark produced: itself, or "NAME/…" for harnesses
// that report several.
std::vector<const json*> produced_by(const json* baseline, const std::string& name) {
  std::vector<const json*> out;
  if (baseline == nullptr) return out;
  for (const auto& b : (*baseline)["benchmarks"]) {
    std::string n = b.value("name", "");
    if (n == name || n.starts_with(name + "/")) out.push_back(&b);
  }
  return out;
}

std::string load_text(const json& config) {
  if (config.contains("rate") && config["rate"].is_number()) {
    return fmt::format("open model, {} req/s", number_text(config["rate"].get<double>()));
  }
  if (config.contains("connections") && config["connections"].is_number()) {
    return fmt::format("closed model, {} connections", config["connections"].get<long long>());
  }
  return "–";
}

std::string duration_text(const json& config) {
  if (config.contains("requests") && config["requests"].is_number()) {
    return fmt::format("{} requests", config["requests"].get<long long>());
  }
  if (config.contains("duration_s") && config["duration_s"].is_number()) {
    return seconds_text(config["duration_s"].get<double>());
  }
  return "–";
}

std::string methodology(const BenchmarksPageInput& in, const json* baseline) {
  std::string out = "## Methodology\n\n";
  out += "| Benchmark | Kind | Load | Length | Warm-up |\n|:---|:---|:---|:---|:---|\n";
  for (const auto& b : in.suite.benchmarks) {
    std::vector<const json*> made = produced_by(baseline, b.name);
    const json config = made.empty() ? json::object() : made.front()->value("config", json::object());
    std::string load = "–", length = "–", warmup = "–";
    if (b.kind == suite::BenchmarkKind::kHttp) {
      load = load_text(config);
      length = duration_text(config);
      if (config.contains("warmup_s") && config["warmup_s"].is_number()) {
        warmup = config["warmup_s"].get<double>() > 0 ? seconds_text(config["warmup_s"].get<double>()) : "none";
      }
    } else if (b.kind == suite::BenchmarkKind::kCmd) {
      load = "one command at a time";
      if (config.contains("runs") && config["runs"].is_number()) {
        length = fmt::format("{} runs", config["runs"].get<long long>());
      } else if (!made.empty() && made.front()->contains("runs")) {
        length = fmt::format("{} runs (at least {})", (*made.front())["runs"].get<long long>(),
                             config.value("min_runs", 10));
      }
      if (config.contains("warmup") && config["warmup"].is_number()) {
        warmup = fmt::format("{} runs", config["warmup"].get<long long>());
      }
    } else {
      load = "measured by the harness";
    }
    out += fmt::format("| {} | {} | {} | {} | {} |\n", markdown_cell(b.name), markdown_cell(kind_of(b)),
                       markdown_cell(load), markdown_cell(length), markdown_cell(warmup));
  }
  const suite::RegressionPolicy& r = in.suite.regression;
  out += "\n**Latency.** In the closed model each connection sends its next request when the previous one "
         "completes; in the open model requests are sent on a fixed schedule and latency runs from each "
         "request's *scheduled* time, so a stalled server shows in the percentiles (coordinated omission "
         "corrected). The whole distribution is kept (an HDR histogram, 3 significant digits); a request "
         "that times out counts at the latency it had when abandoned. Commands are timed over many runs, "
         "the shell's own start-up subtracted.\n\n";
  std::string overrides;
  for (const auto& [metric_name, fraction] : r.per_metric) {
    overrides += fmt::format("{}`{}` {:.0f}%", overrides.empty() ? "" : ", ", metric_name, fraction * 100);
  }
  out += fmt::format(
      "**The gate.** Every run is compared with the baseline (the newest complete run on `{}`). A metric "
      "regresses only when the change is statistically significant within the run (Mann-Whitney U over "
      "the raw samples, a bootstrap 95% interval of the change), larger than {:.0f}%{}, outside the "
      "run-to-run variation of the last 20 runs since the metric's last change point, and again when "
      "the benchmark is measured a second time. {}\n\n",
      r.baseline_branch, r.max_change * 100, overrides.empty() ? "" : " (" + overrides + ")",
      r.min_history <= 1 ? "The baseline run alone is enough history (`min_history: 1`)."
                         : "Until two runs of history exist, a change is reported but never fails the gate.");
  return out;
}

std::string environment(const json& baseline) {
  const json run = baseline.value("run", json::object());
  const json env = run.value("env", json::object());
  std::string out = "## Test environment\n\nThe baseline run:\n\n| | |\n|:---|:---|\n";
  auto row = [&](const std::string& key, const std::string& value) {
    out += fmt::format("| {} | {} |\n", key, markdown_cell(value));
  };
  row("CPU", fmt::format("{} ({} cores)", env.value("cpu_model", "unknown"), env.value("cpus", 0)));
  if (env.contains("memory_bytes") && env["memory_bytes"].is_number()) {
    row("Memory", format_bytes(env["memory_bytes"].get<double>()));
  }
  row("OS", fmt::format("{}, kernel {}", env.value("os", "unknown"), env.value("kernel", "unknown")));
  if (run.contains("git") && run["git"].is_object()) {
    const json& git = run["git"];
    row("Commit", fmt::format("{} on {}{}", git.value("commit", "").substr(0, 12), git.value("branch", "?"),
                              git.value("dirty", false) ? " (uncommitted changes)" : ""));
  }
  row("Run", fmt::format("{}, started {}", run.value("id", "?"), run.value("started_at", "?")));
  row("perfgate", baseline.value("tool", json::object()).value("version", "?"));
  return out + "\n";
}

std::string results(const BenchmarksPageInput& in, const json& baseline) {
  std::string load_rows, cmd_rows, other_rows, resource_rows;
  for (const auto& spec : in.suite.benchmarks) {
    for (const json* b : produced_by(&baseline, spec.name)) {
      std::string name = markdown_cell(b->value("name", ""));
      if (!b->value("valid", true)) {
        other_rows += fmt::format("| {} | not valid: {} |\n", name, markdown_cell(b->value("invalid_reason", "")));
        continue;
      }
      if (metric_value(*b, "latency_p50")) {
        load_rows += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", name,
                                 or_dash(metric_value(*b, "latency_mean"), ms_text), or_dash(metric_value(*b, "latency_p50"), ms_text),
                                 or_dash(metric_value(*b, "latency_p95"), ms_text), or_dash(metric_value(*b, "latency_p99"), ms_text),
                                 or_dash(metric_value(*b, "throughput"), rps_text), or_dash(metric_value(*b, "error_rate"), ratio_text));
      } else if (metric_value(*b, "wall_mean")) {
        cmd_rows += fmt::format("| {} | {} | {} | {} | {} | {} |\n", name, or_dash(metric_value(*b, "wall_mean"), seconds_text),
                                or_dash(metric_value(*b, "wall_median"), seconds_text),
                                or_dash(metric_value(*b, "wall_min"), seconds_text), or_dash(metric_value(*b, "wall_max"), seconds_text),
                                or_dash(metric_value(*b, "rss_max"), bytes_text));
      } else {
        for (const auto& m : b->value("metrics", json::array())) {
          std::string metric_name = m.value("name", "");
          if (!(metric_name.ends_with("_mean") || metric_name.ends_with("_median")) || !m["value"].is_number()) continue;
          other_rows += fmt::format("| {} | {} | {} {} |\n", name, markdown_code(metric_name), number_text(m["value"].get<double>()),
                                    markdown_cell(m.value("unit", "")));
        }
      }
      // A monitored service's figures during this benchmark: SERVICE.cpu_pct_mean, SERVICE.rss_max.
      for (const auto& service : in.suite.services) {
        auto cpu = metric_value(*b, service.name + ".cpu_pct_mean");
        auto rss = metric_value(*b, service.name + ".rss_max");
        if (cpu || rss) {
          resource_rows += fmt::format("| {} | {} | {} | {} |\n", name, markdown_cell(service.name), or_dash(cpu, pct_text),
                                       or_dash(rss, bytes_text));
        }
      }
    }
  }
  std::string out = "## Baseline results\n\n";
  if (!load_rows.empty()) {
    out += "| Benchmark | Mean | Median | p95 | p99 | Throughput | Errors |\n|:---|---:|---:|---:|---:|---:|---:|\n" +
           load_rows + "\n";
  }
  if (!cmd_rows.empty()) {
    out += "| Command | Mean | Median | Fastest | Slowest | Peak RSS |\n|:---|---:|---:|---:|---:|---:|\n" + cmd_rows + "\n";
  }
  if (!other_rows.empty()) out += "| Benchmark | Metric | Value |\n|:---|:---|---:|\n" + other_rows + "\n";
  if (!resource_rows.empty()) {
    out += "The services while they served (sampled over each benchmark's measured window):\n\n"
           "| Benchmark | Service | CPU (mean, 100% = one core) | Memory (peak RSS) |\n|:---|:---|---:|---:|\n" +
           resource_rows + "\n";
  }
  return out;
}

std::string targets(const BenchmarksPageInput& in, const json* baseline) {
  std::string rows;
  for (const auto& spec : in.suite.benchmarks) {
    for (const auto& t : spec.thresholds) {
      std::string expr = suite::describe(t);
      bool found = false;
      if (baseline != nullptr) {
        for (const auto& c : baseline->value("checks", json::array())) {
          std::string checked = c.value("benchmark", "");
          if (c.value("expr", "") != expr || !(checked == spec.name || checked.starts_with(spec.name + "/"))) continue;
          found = true;
          rows += fmt::format("| {} | {} | {} | {} |\n", markdown_cell(checked), markdown_code(expr),
                              markdown_cell(c.value("observed_text", "")), c.value("passed", false) ? "yes" : "**no**");
        }
      }
      if (!found) {
        rows += fmt::format("| {} | {} | not measured in the baseline | – |\n", markdown_cell(spec.name),
                            markdown_code(expr));
      }
    }
  }
  if (rows.empty()) return "## Targets\n\nThe suite sets no thresholds; only the regression gate applies.\n\n";
  return "## Targets\n\nEvery threshold of the suite, and whether the baseline meets it:\n\n"
         "| Benchmark | Target | Baseline | Met |\n|:---|:---|---:|:---|\n" +
         rows + "\n";
}

}  // namespace

std::string benchmarks_page(const BenchmarksPageInput& in) {
  const json* baseline = in.baseline ? &*in.baseline : nullptr;
  std::string out = fmt::format("# Benchmarks: {}\n\n", markdown_cell(in.suite.name));
  out += fmt::format(
      "This page is generated by `perfgate docs {}` from the suite and {}. Regenerate it after a new "
      "baseline; do not edit it by hand.\n\n",
      in.suite_path,
      baseline ? fmt::format("its baseline run `{}`", baseline->value("run", json::object()).value("id", "?"))
               : std::string("the run history (no complete run is stored yet)"));
  out += "## How to run\n\n```sh\n";
  out += fmt::format("perfgate run {}                  # every benchmark; exit 1 on a failed target or a regression\n",
                     in.suite_path);
  if (!in.suite.benchmarks.empty()) {
    out += fmt::format("perfgate run {} --only '{}'      # one benchmark\n", in.suite_path, in.suite.benchmarks.front().name);
  }
  out += fmt::format("perfgate run {} --markdown comment.md --junit perf.xml --html perf.html   # in CI\n", in.suite_path);
  out += fmt::format("perfgate report trends --suite '{}'   # every metric across runs, with its change points\n",
                     in.suite.name);
  out += fmt::format("perfgate docs {} -o docs/benchmarks.md   # this page\n```\n\n", in.suite_path);
  out += methodology(in, baseline);
  if (baseline != nullptr) {
    out += environment(*baseline);
    out += results(in, *baseline);
  } else {
    out += "## Test environment and baseline results\n\nNo complete run of this suite is stored yet: run it once.\n\n";
  }
  out += targets(in, baseline);
  return out;
}

}  // namespace perfgate::report
