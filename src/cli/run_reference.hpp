// Naming a run on the command line: a result file, a run id in the store, or a git ref whose
// commit has a stored run. Shared by `compare A B` and `run --baseline`.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace perfgate::cli {

struct LoadedRun {
  nlohmann::json document;  // perfgate.result/v1
  std::string label;        // for tables: "results/a.json", "run 2026…", "main (run 2026…)"
};

bool is_regular_file(const std::string& path);

// `git rev-parse --verify REF^{commit}`, or "" when it is not a git ref here.
std::string git_commit_of(const std::string& ref);

// Reads a result file: a perfgate.result/v1 document, or any format `perfgate ingest` reads (the
// first whose parser takes it; the label then says which, "bench.json (hyperfine)"). Throws
// UsageError naming `which` ("baseline", "--baseline") when it is neither.
LoadedRun load_result_file(const std::string& which, const std::string& path);

// A run id in the store, or a unique prefix of one, else a git ref (or commit prefix) with a
// complete stored run; nullopt when neither. A prefix of several run ids throws UsageError
// listing them.
std::optional<LoadedRun> find_stored_run(Store& store, const std::string& text);

// The store a URL names, only when it exists already (reading never creates one).
bool store_exists(const std::string& store_url);
// Opens it for reading: UsageError "no run history at 'URL' yet" when it does not exist.
std::unique_ptr<Store> open_existing_store(const std::string& store_url);

}  // namespace perfgate::cli
