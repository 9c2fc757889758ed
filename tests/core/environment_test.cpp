// Reading the git state runs nothing the repository configures: not its fsmonitor hook, not
// its hooks, not the clean filter its .gitattributes picks.
#include "core/environment.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace perfgate {
namespace {

namespace fs = std::filesystem;

class GitStateOfAnUntrustedRepository : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/perfgate-untrusted-repo-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    old_cwd_ = fs::current_path();
    git("init -q -b main . && git config user.email t@example.com && git config user.name t && "
        "echo a > file.txt && git add file.txt && git commit -q -m first");
    // Each program records that it ran by creating a file.
    write_script("fsmonitor.sh", "touch '" + dir_ + "/fsmonitor-ran'; exit 1");
    write_script("clean.sh", "touch '" + dir_ + "/filter-ran'; cat");
    write_script("hooks/post-index-change", "touch '" + dir_ + "/hook-ran'");
    git("git config core.fsmonitor '" + dir_ + "/fsmonitor.sh' && git config filter.evil.clean '" + dir_ +
        "/clean.sh' && git config core.hooksPath '" + dir_ + "/hooks' && echo '* filter=evil' > .git/info/attributes");
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
  }
  void git(const std::string& commands) {
    std::string line = "cd '" + dir_ + "' && " + (commands.starts_with("init") ? "git " + commands : commands);
    ASSERT_EQ(std::system(line.c_str()), 0) << line;
  }
  void write_script(const std::string& name, const std::string& body) {
    fs::create_directories(fs::path(dir_ + "/" + name).parent_path());
    std::ofstream(dir_ + "/" + name) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(dir_ + "/" + name, fs::perms::owner_all);
  }
  bool ran(const std::string& what) const { return fs::exists(dir_ + "/" + what + "-ran"); }

  std::string dir_;
  fs::path old_cwd_;
};

TEST_F(GitStateOfAnUntrustedRepository, RunsNoneOfItsPrograms) {
  // A newer timestamp makes git read the file again, through the clean filter if it may.
  std::ofstream(dir_ + "/file.txt") << "a\n";
  std::optional<GitState> clean = read_git_state();
  ASSERT_TRUE(clean.has_value());
  EXPECT_EQ(clean->branch, "main");
  EXPECT_EQ(clean->commit.size(), 40u);
  EXPECT_FALSE(clean->dirty);

  std::ofstream(dir_ + "/file.txt") << "changed\n";
  std::optional<GitState> dirty = read_git_state();
  ASSERT_TRUE(dirty.has_value());
  EXPECT_TRUE(dirty->dirty);

  EXPECT_FALSE(ran("fsmonitor"));
  EXPECT_FALSE(ran("filter"));
  EXPECT_FALSE(ran("hook"));
}

// A CI checkout is a detached HEAD: the branch comes from the CI's environment.
TEST_F(GitStateOfAnUntrustedRepository, ADetachedHeadTakesTheBranchTheCiNames) {
  git("git checkout -q --detach");
  const char* saved = std::getenv("GITHUB_HEAD_REF");
  std::string before = saved != nullptr ? saved : "";
  unsetenv("GITHUB_HEAD_REF");
  unsetenv("GITHUB_REF_NAME");
  unsetenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME");
  unsetenv("CI_COMMIT_REF_NAME");
  unsetenv("BUILDKITE_BRANCH");
  unsetenv("CIRCLE_BRANCH");
  EXPECT_EQ(read_git_state()->branch, "HEAD");
  setenv("GITHUB_HEAD_REF", "feature/x", 1);
  EXPECT_EQ(read_git_state()->branch, "feature/x");
  if (saved != nullptr) {
    setenv("GITHUB_HEAD_REF", before.c_str(), 1);
  } else {
    unsetenv("GITHUB_HEAD_REF");
  }
}

}  // namespace
}  // namespace perfgate
