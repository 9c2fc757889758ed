// Naming a run on the command line; see run_reference.hpp.
#include "cli/run_reference.hpp"

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_depth.hpp"
#include "core/result_document.hpp"

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
  if (doc.is_discarded() || !doc.is_object()) throw UsageError(fmt::format("{} '{}': not a JSON result document", which, path));
  if (doc.value("schema", "") != kResultSchema) {
    throw UsageError(fmt::format("{} '{}': schema is not {}", which, path, kResultSchema));
  }
  return {doc, path};
}

std::optional<LoadedRun> find_stored_run(Store& store, const std::string& text) {
  if (auto doc = store.get_run(text)) return LoadedRun{*doc, "run " + text};
  std::string commit = git_commit_of(text);
  if (auto stored = store.find_run_by_commit(commit.empty() ? text : commit)) {
    if (auto doc = store.get_run(stored->record.id)) {
      return LoadedRun{*doc, fmt::format("{} (run {})", text, stored->record.id)};
    }
  }
  return std::nullopt;
}

bool store_exists(const std::string& store_url) {
  if (store_url.find("://") != std::string::npos) return true;  // a server: let it answer
  std::string path = store_url.starts_with("sqlite:") ? store_url.substr(7) : store_url;
  return is_regular_file(path);
}

}  // namespace perfgate::cli
