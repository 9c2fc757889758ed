// Choosing a Store from a URL; see store.hpp.
#include "store/store.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/result_document.hpp"
#include "store/sqlite_store.hpp"

namespace perfgate {

RunRecord run_record(const RunInfo& info, const std::string& suite) {
  RunRecord record;
  record.id = info.id;
  record.started_at = iso8601_utc(info.started_wall_ns);
  record.suite = suite;
  record.git = info.git;
  record.env = environment_json(info.env);
  record.tags = info.tags;
  record.tool_version = PERFGATE_VERSION;
  return record;
}

std::unique_ptr<Store> open_store(const std::string& url) {
  if (url.empty()) throw UsageError("--store: the store URL is empty");
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    throw UsageError(fmt::format("--store {}: PostgreSQL store not available in this build", url));
  }
  std::string path = url;
  if (url.starts_with("sqlite://")) {
    path = url.substr(9);
  } else if (url.starts_with("sqlite:")) {
    path = url.substr(7);
  } else if (url.find("://") != std::string::npos) {
    throw UsageError(
        fmt::format("--store {}: unknown kind of store (expected a path, sqlite:PATH or postgres://…)", url));
  }
  if (path.empty()) throw UsageError(fmt::format("--store {}: no file path", url));
  return std::make_unique<SqliteStore>(path);
}

const char* to_string(RunStatus status) { return status == RunStatus::kComplete ? "complete" : "incomplete"; }

}  // namespace perfgate
