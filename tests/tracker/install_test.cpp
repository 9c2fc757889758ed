// Tests that the tracker installs as users get it: `cmake --install` of this build tree into a
// temporary prefix, then examples/tracker built against it twice, through find_package(perfgate)
// and through pkg-config as C++17, and the JSONL the example writes checked.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace perfgate {
namespace {

namespace fs = std::filesystem;
using perfgate::testing::ProcessOutput;
using perfgate::testing::run_process;

// The library under test may be built with sanitizers; then whatever links it needs them too.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

#if defined(__clang__)
constexpr const char* kCompiler = "clang++";
#else
constexpr const char* kCompiler = "g++";
#endif

std::string sanitize_flags() { return kSanitized ? "-fsanitize=address,undefined" : ""; }

ProcessOutput shell(const std::string& command) {
  return run_process({"sh", "-c", command}, std::chrono::seconds(60));
}

std::string describe(const ProcessOutput& output) {
  return "exit " + std::to_string(output.exit_code) + "\nstdout:\n" + output.out + "\nstderr:\n" + output.err;
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

fs::path find_file(const fs::path& root, const std::string& name) {
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().filename() == name) return entry.path();
  }
  return {};
}

// What examples/tracker/main.cpp records, in order.
void expect_example_records(const fs::path& jsonl) {
  std::ifstream in(jsonl);
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 4u) << jsonl;
  EXPECT_EQ(records[0].at("operation_type"), "agent_register");
  EXPECT_EQ(records[0].at("success"), true);
  EXPECT_GE(records[0].at("duration_ms").get<double>(), 1.0);
  EXPECT_EQ(records[0].at("context").dump(), R"({"agents":5,"region":"eu"})");
  EXPECT_EQ(records[1].at("operation_type"), "config_load");
  EXPECT_EQ(records[1].at("success"), false);
  EXPECT_EQ(records[1].at("error"), "config.yaml not found");
  EXPECT_EQ(records[2].at("operation_type"), "webhook_delivery");
  EXPECT_EQ(records[2].at("error"), "callback returned 503");
  EXPECT_EQ(records[2].at("context").dump(), R"({"attempt":1,"status":503})");
  EXPECT_EQ(records[3].at("operation_type"), "queue_wait");
  EXPECT_EQ(records[3].at("duration_ms"), 12.5);
  for (const auto& record : records) EXPECT_EQ(record.at("session_id"), records[0].at("session_id"));
}

TEST(TrackerInstall, FindPackageAndPkgConfigBuildTheExample) {
  if (shell("cmake --version").exit_code != 0) GTEST_SKIP() << "cmake not found";
  // The test binary is BUILD/tests/perfgate_tests.
  const fs::path build_dir = fs::read_symlink("/proc/self/exe").parent_path().parent_path();
  ASSERT_TRUE(fs::exists(build_dir / "cmake_install.cmake")) << build_dir;
  const fs::path example_src = fs::path(PERFGATE_SOURCE_DIR) / "examples" / "tracker";

  std::string templ = (fs::temp_directory_path() / "perfgate-install-XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const fs::path tmp = templ;
  struct RemoveOnExit {
    fs::path path;
    ~RemoveOnExit() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } remove_on_exit{tmp};
  const fs::path prefix = tmp / "prefix";

  const ProcessOutput install = shell("cmake --install " + quoted(build_dir) + " --prefix " + quoted(prefix));
  ASSERT_EQ(install.exit_code, 0) << describe(install);
  EXPECT_TRUE(fs::exists(prefix / "include" / "perfgate" / "tracker.hpp"));
  EXPECT_FALSE(find_file(prefix, "libperfgate_tracker.a").empty());
  EXPECT_FALSE(find_file(prefix, "perfgateConfig.cmake").empty());
  EXPECT_FALSE(find_file(prefix, "perfgateConfigVersion.cmake").empty());
  const fs::path pc_file = find_file(prefix, "perfgate-tracker.pc");
  ASSERT_FALSE(pc_file.empty());

  // find_package(perfgate) + perfgate::tracker.
  const fs::path example_build = tmp / "example-build";
  const ProcessOutput configure =
      shell("cmake -S " + quoted(example_src) + " -B " + quoted(example_build) + " -G Ninja -DCMAKE_PREFIX_PATH=" +
            quoted(prefix) + " -DCMAKE_CXX_COMPILER=" + kCompiler + " '-DCMAKE_CXX_FLAGS=" + sanitize_flags() +
            "' '-DCMAKE_EXE_LINKER_FLAGS=" + sanitize_flags() + "'");
  ASSERT_EQ(configure.exit_code, 0) << describe(configure);
  const ProcessOutput build = shell("cmake --build " + quoted(example_build));
  ASSERT_EQ(build.exit_code, 0) << describe(build);
  const fs::path jsonl = tmp / "perf-metrics.jsonl";
  const ProcessOutput run = run_process({(example_build / "tracker_example").string(), jsonl.string()});
  ASSERT_EQ(run.exit_code, 0) << describe(run);
  expect_example_records(jsonl);

  // pkg-config, and the header as C++17 with the project's warnings.
  const fs::path pc_binary = tmp / "pc_example";
  const ProcessOutput compile = shell(
      std::string(kCompiler) + " -std=c++17 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror " +
      sanitize_flags() + " " + quoted(example_src / "main.cpp") + " -o " + quoted(pc_binary) +
      " $(PKG_CONFIG_PATH=" + quoted(pc_file.parent_path()) + " pkg-config --cflags --libs perfgate-tracker)");
  ASSERT_EQ(compile.exit_code, 0) << describe(compile);
  const fs::path pc_jsonl = tmp / "pc-metrics.jsonl";
  const ProcessOutput pc_run = run_process({pc_binary.string(), pc_jsonl.string()});
  ASSERT_EQ(pc_run.exit_code, 0) << describe(pc_run);
  expect_example_records(pc_jsonl);
}

}  // namespace
}  // namespace perfgate
