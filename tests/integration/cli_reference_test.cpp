// docs/cli.md, the CLI reference, names every flag of every verb (and of its subcommands) that
// the real --help lists, so the reference cannot drift from the binary. Regenerate it with
// scripts/cli-reference.sh after changing a flag.
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "support/help_flags.hpp"
#include "support/process.hpp"

namespace perfgate::testing {
namespace {

std::string reference() {
  std::ifstream in(std::string(PERFGATE_SOURCE_DIR) + "/docs/cli.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The text from "## perfgate VERB" (or "### perfgate VERB SUB") to the next heading of that level.
std::string section(const std::string& doc, const std::string& heading) {
  std::size_t start = doc.find("\n" + heading + "\n");
  if (start == std::string::npos) return "";
  std::string level = heading.substr(0, heading.find(' ') + 1);  // "## " or "### "
  std::size_t end = doc.find("\n" + level, start + heading.size() + 1);
  return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The verbs `perfgate help` lists, and the subcommands a verb's --help lists.
std::vector<std::string> listed(const std::vector<std::string>& args, const std::string& title) {
  ProcessOutput out = run_perfgate(args);
  std::vector<std::string> names;
  std::istringstream lines(out.out);
  bool on = false;
  for (std::string line; std::getline(lines, line);) {
    if (line == title) {
      on = true;
    } else if (on && (line.empty() || line[0] != ' ')) {
      break;
    } else if (on) {
      std::istringstream words(line);
      std::string name;
      if (words >> name) names.push_back(name);
    }
  }
  return names;
}

TEST(CliReference, EveryFlagOfEveryVerbIsInDocsCli) {
  std::string doc = reference();
  ASSERT_FALSE(doc.empty()) << "docs/cli.md is missing";
  std::vector<std::string> verbs = listed({"help"}, "Verbs:");
  ASSERT_GE(verbs.size(), 8u);
  for (const auto& verb : verbs) {
    std::string text = section(doc, "## perfgate " + verb);
    ASSERT_FALSE(text.empty()) << "docs/cli.md has no section '## perfgate " << verb
                               << "' (run scripts/cli-reference.sh)";
    for (const auto& flag : help_flags({verb})) {
      EXPECT_NE(text.find(flag), std::string::npos) << "perfgate " << verb << " " << flag << " is not in docs/cli.md";
    }
    for (const auto& sub : listed({verb, "--help"}, "Subcommands:")) {
      std::string sub_text = section(doc, "### perfgate " + verb + " " + sub);
      EXPECT_FALSE(sub_text.empty()) << "docs/cli.md has no section for perfgate " << verb << " " << sub;
      for (const auto& flag : help_flags({verb, sub})) {
        EXPECT_NE(sub_text.find(flag), std::string::npos)
            << "perfgate " << verb << " " << sub << " " << flag << " is not in docs/cli.md";
      }
    }
  }
}

}  // namespace
}  // namespace perfgate::testing
