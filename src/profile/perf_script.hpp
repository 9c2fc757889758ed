// `perf script` text folded into stacks, the way FlameGraph's stackcollapse-perf.pl does: one
// sample is a header line (`COMM PID[/TID] [CPU] TIME: PERIOD EVENT:`) and its frames, leaf
// first (`ADDRESS SYMBOL+OFFSET (DSO)`), ended by a blank line. The stack is written root first
// with the process name as the root frame; each sample counts one (not its period).
//
//   PerfScriptFolder folder;
//   for (each line of `perf script`) folder.add_line(line);   // streaming: megabytes of text
//   FoldedStacks stacks = folder.finish();
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "profile/folded_stacks.hpp"

namespace perfgate::profile {

class PerfScriptFolder {
 public:
  // One line, without its '\n'. Comment lines (`# ...`) are skipped; lines that are neither a
  // header nor a frame are counted in unrecognised().
  void add_line(std::string_view line);
  // Ends the last sample (when the text did not end with a blank line) and returns the stacks.
  FoldedStacks finish();
  std::size_t unrecognised() const { return unrecognised_; }

 private:
  void end_sample();

  FoldedStacks stacks_;
  std::string process_;              // the current sample's root frame; empty between samples
  std::vector<std::string> frames_;  // leaf first, as perf prints them
  bool in_sample_ = false;
  std::string event_;                // the first event seen: others are left out, as FlameGraph does
  std::size_t unrecognised_ = 0;
};

// The whole text at once.
FoldedStacks fold_perf_script(std::string_view text);

// The frame name for one symbol of `perf script`: the +0x offset stripped, a C++ name demangled
// when perf left it mangled (_Z...) and its parameter list dropped, `[unknown]` replaced by the
// file name of the DSO (`[libc.so.6]`) when that is known, ';' (the separator) made ':' and
// quotes removed.
std::string frame_name(std::string_view symbol, std::string_view dso);

// A C++ symbol demangled with the ABI's demangler; the text itself when it is not a mangled name.
std::string demangle(std::string_view symbol);

}  // namespace perfgate::profile
