// `perfgate run SUITE --soak DUR`: what a soak says on the terminal (a line per checkpoint, the
// summary, the checkpoint table, the verdicts) and its exit code. run_verb.cpp chooses it.
#pragma once

#include <cstdio>
#include <string>

#include "run/soak_run.hpp"
#include "run/suite_run.hpp"
#include "store/store.hpp"

namespace perfgate::cli {

// Runs the soak with `hooks` for the services, prints as it goes on `out`, writes --json FILE
// (empty: none), returns the exit code.
int run_soak(run::SoakRun& soak, Store& store, const run::SuiteRunHooks& hooks, std::FILE* out,
             const std::string& json_path);

}  // namespace perfgate::cli
