// `ingest:` benchmarks of a suite; see suite_ingest.hpp.
#include "run/suite_ingest.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "ingest/ingest.hpp"

namespace perfgate::run {
namespace {

struct CommandOutput {
  std::string out;
  int status = 0;
};

// popen runs `sh -c`; stderr is not captured, so the harness's own messages reach the terminal.
std::optional<CommandOutput> run_capturing(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  CommandOutput result;
  std::array<char, 65536> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  result.status = pclose(pipe);
  return result;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return "failed";
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string metric_line(const nlohmann::json& benchmark) {
  std::string line = "  " + benchmark.value("ingested_name", benchmark.value("name", "")) + ":";
  std::size_t shown = 0;
  for (const auto& m : benchmark.value("metrics", nlohmann::json::array())) {
    if (shown++ == 4) {
      line += " …";
      break;
    }
    if (m.contains("value") && m["value"].is_number()) {
      line += fmt::format(" {} {:.4g}{}{}", m.value("name", ""), m["value"].get<double>(),
                          m.value("unit", "").empty() ? "" : " ", m.value("unit", ""));
    }
  }
  return line + "\n";
}

}  // namespace

void check_ingest_format(const suite::BenchmarkSpec& spec) {
  try {
    ingest::require_known_format(spec.ingest.format);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: benchmark '{}': {}", spec.ingest.format_position.to_string(), spec.name, e.what()));
  }
}

BenchmarkOutcome run_ingest(const suite::BenchmarkSpec& spec, const BenchmarkHooks& hooks) {
  BenchmarkOutcome outcome;
  const suite::IngestBenchmarkOptions& o = spec.ingest;
  // Messages quote the suite's text as written, never a value filled in from the environment.
  const std::string shown = !o.source_as_written.empty() ? o.source_as_written : o.command ? *o.command : *o.file;
  std::vector<nlohmann::json> parsed;
  try {
    if (o.command) {
      auto output = run_capturing(*o.command);
      if (!output) throw RunError(fmt::format("cannot start the command '{}'", shown));
      if (hooks.stop != nullptr && hooks.stop->load()) {
        outcome.interrupted = true;
        return outcome;
      }
      if (output->status != 0) {
        outcome.failure = fmt::format("the command '{}' {}", shown, describe_status(output->status));
        outcome.failure_exit_code = 3;
        return outcome;
      }
      parsed = ingest::parse(o.format, output->out, fmt::format("the output of '{}'", shown));
    } else if (o.format == "criterion" && is_directory(*o.file)) {
      parsed = ingest::parse_criterion_directory(*o.file);
    } else {
      std::ifstream in(*o.file, std::ios::binary);
      if (!in) {
        outcome.failure = fmt::format("cannot read '{}'", shown);
        outcome.failure_exit_code = 3;
        return outcome;
      }
      std::stringstream text;
      text << in.rdbuf();
      parsed = ingest::parse(o.format, text.str(), shown);
    }
  } catch (const UsageError& e) {
    // Output the format cannot read: the harness, not the suite, is at fault.
    outcome.failure = e.what();
    outcome.failure_exit_code = 3;
    return outcome;
  }
  if (parsed.empty()) {
    outcome.failure = fmt::format("the {} input held no benchmark", o.format);
    outcome.failure_exit_code = 3;
    return outcome;
  }
  for (auto& b : parsed) {
    std::string own = b.value("name", "");
    b["ingested_name"] = own;
    b["name"] = spec.name + "/" + own;
    outcome.summary += metric_line(b);
    outcome.benchmarks.push_back(std::move(b));
  }
  outcome.summary = fmt::format("  {} benchmark{} read ({})\n", outcome.benchmarks.size(),
                                outcome.benchmarks.size() == 1 ? "" : "s", o.format) +
                    outcome.summary;
  return outcome;
}

}  // namespace perfgate::run
