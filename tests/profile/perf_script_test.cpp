// Folding `perf script` text: a recorded fixture (tests/profile/fixtures/README.md) and the
// edge cases of stackcollapse-perf.pl's format.
#include "profile/perf_script.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace perfgate::profile {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PERFGATE_SOURCE_DIR) + "/tests/profile/fixtures/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << name;
  return text.str();
}

TEST(PerfScriptFolder, RecordedFixtureFoldsToKnownStacks) {
  FoldedStacks stacks = fold_perf_script(fixture("hot_functions.perf-script.txt"));
  EXPECT_EQ(stacks.total(), 234u);
  const std::string hot = "hot_functions;__libc_start_call_main;main;busy::hot_three_quarters;busy::spin";
  const std::string warm = "hot_functions;__libc_start_call_main;main;busy::warm_one_quarter;busy::spin";
  ASSERT_TRUE(stacks.counts.count(hot));
  ASSERT_TRUE(stacks.counts.count(warm));
  EXPECT_EQ(samples_containing(stacks, "busy::hot_three_quarters"), 165u);
  EXPECT_EQ(samples_containing(stacks, "busy::warm_one_quarter"), 69u);
  EXPECT_EQ(samples_containing(stacks, "hot_functions"), 234u);  // the process name is the root frame
  for (const auto& [stack, count] : stacks.counts) {
    EXPECT_EQ(stack.find("+0x"), std::string::npos) << stack;  // offsets stripped
    EXPECT_TRUE(stack.starts_with("hot_functions;")) << stack;
  }
}

TEST(PerfScriptFolder, MangledNamesAreDemangledToWhatPerfPrints) {
  FoldedStacks demangled_by_perf = fold_perf_script(fixture("hot_functions.perf-script.txt"));
  FoldedStacks demangled_by_us = fold_perf_script(fixture("hot_functions.no-demangle.perf-script.txt"));
  EXPECT_EQ(format_folded(demangled_by_us), format_folded(demangled_by_perf));
}

TEST(PerfScriptFolder, HeaderFormsOfPerfVersions) {
  struct Case {
    const char* header;
    const char* root;
  };
  const Case cases[] = {
      {"java 25607 4794564.109216: 1 cycles:", "java"},                          // TID only
      {"java 12688 [002] 6544038.708352: 235 cpu-clock:", "java"},               // with the CPU
      {"V8 WorkerThread 24636/25607 [000] 94564.109216: 100 cycles:", "V8_WorkerThread"},  // spaces in the name
      {"hot 24756 11412.315836:   10101010 cpu-clock:pppH: ", "hot"},          // modifiers, trailing blank
      {"12345 999/1000 1.0: 1 cycles:", "12345"},                                // a name of digits
  };
  for (const Case& c : cases) {
    std::string text = std::string(c.header) + "\n\t  4005d6 leaf+0x12 (/bin/x)\n\n";
    FoldedStacks stacks = fold_perf_script(text);
    ASSERT_EQ(stacks.counts.size(), 1u) << c.header;
    EXPECT_EQ(stacks.counts.begin()->first, std::string(c.root) + ";leaf") << c.header;
  }
}

TEST(PerfScriptFolder, FramesAreLeafFirstAndFoldRootFirst) {
  FoldedStacks stacks = fold_perf_script(
      "app 1 1.0: 1 cpu-clock:\n"
      "\t1 c+0x1 (/bin/app)\n\t2 b+0x2 (/bin/app)\n\t3 a (/bin/app)\n\n"
      "app 1 2.0: 1 cpu-clock:\n"
      "\t1 c+0x9 (/bin/app)\n\t2 b (/bin/app)\n\t3 a+0x1 (/bin/app)\n"  // no blank line at the end
  );
  ASSERT_EQ(stacks.counts.size(), 1u);
  EXPECT_EQ(stacks.counts.begin()->first, "app;a;b;c");
  EXPECT_EQ(stacks.counts.begin()->second, 2u);
}

TEST(PerfScriptFolder, OnlyTheFirstEventIsKept) {
  FoldedStacks stacks = fold_perf_script(
      "app 1 1.0: 1 cpu-clock:\n\t1 a (/bin/app)\n\n"
      "app 1 1.5: 1 page-faults:\n\t1 b (/bin/app)\n\n"
      "app 1 2.0: 1 cpu-clock:\n\t1 a (/bin/app)\n\n");
  EXPECT_EQ(format_folded(stacks), "app;a 2\n");
}

TEST(FrameName, CleansSymbolsAsStackcollapsePerf) {
  struct Case {
    const char* symbol;
    const char* dso;
    const char* frame;
  };
  const Case cases[] = {
      {"main+0x64", "/bin/app", "main"},                                   // offset stripped
      {"[unknown]", "/usr/lib/libc.so.6", "[libc.so.6]"},                  // unknown: the DSO's file name
      {"[unknown]", "[unknown]", "[unknown]"},                             // nothing known
      {"do_syscall_64+0x5b", "[kernel.kallsyms]", "do_syscall_64"},       // kernel frames as they are
      {"_ZN4busy4spinEm+0x1b", "/bin/app", "busy::spin"},                  // demangled, parameters dropped
      {"_ZNK3Foo3barERKSt6vectorIiSaIiEE", "/bin/app", "Foo::bar"},        // const member: qualifier dropped
      {"_ZN12_GLOBAL__N_14workEv", "/bin/app", "(anonymous namespace)::work"},  // the namespace's parentheses stay
      {"std::function<void (int)>::operator()", "/bin/app", "std::function<void (int)>::operator()"},  // operator() is a name
      {"weird;name\"with'quotes", "/bin/app", "weird:namewithquotes"},    // ';' is the separator
      {"_Znot_really_mangled", "/bin/app", "_Znot_really_mangled"},       // not a valid mangling: as it is
  };
  for (const Case& c : cases) EXPECT_EQ(frame_name(c.symbol, c.dso), c.frame) << c.symbol;
}

}  // namespace
}  // namespace perfgate::profile
