// Monitored services' figures for the reports; see service_resources.hpp.
#include "report/service_resources.hpp"

#include <fmt/format.h>

#include "core/text_escape.hpp"
#include "core/units.hpp"

namespace perfgate::report {
namespace {

using nlohmann::json;

double figure(const json& resources, const char* group, const char* key) {
  auto g = resources.find(group);
  if (g == resources.end() || !g->is_object()) return 0;
  auto value = g->find(key);
  return value != g->end() && value->is_number() ? value->get<double>() : 0;
}

}  // namespace

std::vector<ServiceFigures> service_figures(const json& benchmarks) {
  std::vector<ServiceFigures> figures;
  if (!benchmarks.is_array()) return figures;
  for (const auto& b : benchmarks) {
    if (!b.is_object() || !b.contains("resources") || !b["resources"].is_object()) continue;
    for (const auto& [service, r] : b["resources"].items()) {
      if (!r.is_object()) continue;
      ServiceFigures f;
      f.benchmark = b.value("name", "");
      f.service = service;
      double samples = r.contains("samples") && r["samples"].is_number() ? r["samples"].get<double>() : 0;
      f.samples = samples > 0 ? static_cast<std::size_t>(samples) : 0;
      f.cpu_pct_mean = figure(r, "cpu_pct", "mean");
      f.cpu_pct_max = figure(r, "cpu_pct", "max");
      f.rss_max_bytes = figure(r, "rss_bytes", "max");
      f.threads_max = figure(r, "threads", "max");
      f.fds_max = figure(r, "fds", "max");
      f.note = r.contains("note") && r["note"].is_string() ? r["note"].get<std::string>() : "";
      figures.push_back(std::move(f));
    }
  }
  return figures;
}

std::string service_resources_markdown(const json& benchmarks) {
  auto figures = service_figures(benchmarks);
  if (figures.empty()) return "";
  std::string out = "### Service resources\n\n| Benchmark | Service | CPU mean | CPU max | RSS max | Threads | FDs | "
                    "Samples |\n|:---|:---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& f : figures) {
    if (f.samples == 0) {
      out += fmt::format("| {} | {} | – | – | – | – | – | 0 ({}) |\n", markdown_cell(f.benchmark), markdown_cell(f.service),
                         markdown_cell(f.note));
      continue;
    }
    out += fmt::format("| {} | {} | {:.1f}% | {:.1f}% | {} | {:.0f} | {:.0f} | {} |\n", markdown_cell(f.benchmark),
                       markdown_cell(f.service), f.cpu_pct_mean, f.cpu_pct_max, format_bytes(f.rss_max_bytes),
                       f.threads_max, f.fds_max, f.samples);
  }
  return out + "\n";
}

}  // namespace perfgate::report
