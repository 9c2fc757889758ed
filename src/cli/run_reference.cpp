// Naming a run on the command line; see run_reference.hpp.
#include "cli/run_reference.hpp"

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_depth.hpp"
#include "core/result_document.hpp"
#include "ingest/ingest.hpp"

namespace perfgate::cli {

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string git_commit_of(const std::string& ref) {
  // The ref goes into a shell command: refuse anything that could break out of the quotes.
  if (ref.empty() || ref.find_first_of("'\"\\`$ ") != std::string::npos) return "";
  std::string command = "git rev-parse --verify --quiet '" + ref + "^{commit}' 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::array<char, 128> buffer{};
  std::string out;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
  if (pclose(pipe) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

LoadedRun load_result_file(const std::string& which, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (std::optional<TooDeep> deep = json_too_deep(text.view())) {
    throw UsageError(fmt::format("{} '{}': JSON nested more than {} levels deep at line {}, column {}", which, path,
                                 kMaxJsonDepth, deep->line, deep->column));
  }
  nlohmann::json doc = nlohmann::json::parse(text.view(), nullptr, false);
  if (doc.is_object() && doc.contains("schema")) {
    if (doc.value("schema", "") != kResultSchema) {
      throw UsageError(fmt::format("{} '{}': schema is not {}", which, path, kResultSchema));
    }
    return {doc, path};
  }
  // Not perfgate's own document: the formats `ingest` reads, detected by which parser takes it.
  for (const auto& format : ingest::format_names()) {
    try {
      std::vector<nlohmann::json> benchmarks = ingest::parse(format, text.str(), path);
      nlohmann::json document = {{"schema", kResultSchema}, {"benchmarks", benchmarks}};
      return {document, fmt::format("{} ({})", path, format)};
    } catch (const UsageError&) {
      // Not this format; try the next.
    }
  }
  std::string formats;
  for (const auto& format : ingest::format_names()) formats += (formats.empty() ? "" : ", ") + format;
  throw UsageError(fmt::format("{} '{}': neither a perfgate result document ({}) nor a format perfgate ingest reads ({})",
                               which, path, kResultSchema, formats));
}

std::optional<LoadedRun> find_stored_run(Store& store, const std::string& text) {
  if (auto doc = store.get_run(text)) return LoadedRun{*doc, "run " + text};
  // A unique prefix of a run id, as git takes a commit's.
  std::vector<std::string> matches;
  for (const auto& run : store.list_runs(std::nullopt, std::numeric_limits<std::size_t>::max())) {
    if (run.record.id.starts_with(text)) matches.push_back(run.record.id);
  }
  if (matches.size() > 1) {
    std::string list;
    for (const auto& id : matches) list += "\n  " + id;
    throw UsageError(fmt::format("run id prefix '{}' is ambiguous; it starts {} runs:{}", text, matches.size(), list));
  }
  if (matches.size() == 1) {
    if (auto doc = store.get_run(matches.front())) return LoadedRun{*doc, "run " + matches.front()};
  }
  std::string commit = git_commit_of(text);
  if (auto stored = store.find_run_by_commit(commit.empty() ? text : commit)) {
    if (auto doc = store.get_run(stored->record.id)) {
      return LoadedRun{*doc, fmt::format("{} (run {})", text, stored->record.id)};
    }
  }
  return std::nullopt;
}

bool store_exists(const std::string& store_url) {
  std::string path = store_url;
  if (path.starts_with("sqlite://")) {
    path = path.substr(9);
  } else if (path.starts_with("sqlite:")) {
    path = path.substr(7);
  } else if (path.find("://") != std::string::npos) {
    return true;  // a server: let it answer
  }
  return is_regular_file(path);
}

std::unique_ptr<Store> open_existing_store(const std::string& store_url) {
  if (!store_url.empty() && !store_exists(store_url)) {
    throw UsageError(
        fmt::format("no run history at '{}' yet (perfgate run creates it; --store names another)", store_url));
  }
  return open_store(store_url);
}

}  // namespace perfgate::cli
