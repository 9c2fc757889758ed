// `ingest:` benchmarks of a suite: another harness's output — a command's stdout or a file —
// read by the ingest library into benchmark objects, named after the suite benchmark.
#pragma once

#include "run/suite_benchmark.hpp"

namespace perfgate::run {

// Throws UsageError "FILE:LINE:COL: benchmark 'micro': unknown ingest format 'gbench'; did you mean …".
void check_ingest_format(const suite::BenchmarkSpec& spec);

// Runs the command (sh -c; stdout read, stderr passed through) or reads the file, and parses it.
// A command that exits non-zero, a file that cannot be read, or output the format cannot read
// is a failure (exit 3) naming the benchmark, never an exception.
BenchmarkOutcome run_ingest(const suite::BenchmarkSpec& spec, const BenchmarkHooks& hooks);

}  // namespace perfgate::run
