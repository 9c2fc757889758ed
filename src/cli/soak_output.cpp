// A soak run on the terminal; see soak_output.hpp.
#include "cli/soak_output.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/result_document.hpp"
#include "report/soak_report.hpp"

namespace perfgate::cli {

int run_soak(run::SoakRun& soak, Store& store, const run::SuiteRunHooks& hooks, std::FILE* out,
             const std::string& json_path) {
  run::SoakHooks soak_hooks;
  soak_hooks.benchmark_skipped = [out](const std::string& name, const std::string& why) {
    std::fprintf(out, "soak: skipping '%s' (%s)\n", name.c_str(), why.c_str());
  };
  soak_hooks.started = [out](std::size_t benchmarks, double total_s, const std::string& directory) {
    std::fprintf(out, "\nsoak: %zu load benchmark%s at once for %s; checkpoints in %s/checkpoints.jsonl\n",
                 benchmarks, benchmarks == 1 ? "" : "s", report::soak_clock(total_s).c_str(), directory.c_str());
    std::fflush(out);
  };
  soak_hooks.checkpoint = [out](const run::SoakCheckpoint& c) {
    std::fprintf(out, "%s\n", report::checkpoint_progress_line(c.number, c.t_s, c.total_s, c.lines).c_str());
    std::fflush(out);
  };
  run::SoakResult result = soak.run(hooks, soak_hooks);
  if (result.services_failed) {
    std::fprintf(stderr, "perfgate run: %s\n", result.failure->c_str());
    return result.failure_exit_code;
  }
  std::fprintf(out, "\n%s\n", report::soak_summary(result.document, store.checkpoints(result.run_id)).c_str());
  if (!json_path.empty()) write_file_atomically(json_path, result.document.dump(2) + "\n");
  if (result.failure) std::fprintf(stderr, "perfgate run: %s\n", result.failure->c_str());
  if (result.interrupted) std::fputs("perfgate run: interrupted; the soak so far is stored as an incomplete run\n", stderr);
  std::string verdict = report::soak_verdict_line(result.soak);
  if (result.checks_failed) verdict += " (a threshold failed)";
  std::fprintf(out, "%s (run %s; checkpoints and interval logs in %s)\n", verdict.c_str(), result.run_id.c_str(),
               result.run_directory.c_str());
  std::fflush(out);
  return result.exit_code();
}

}  // namespace perfgate::cli
