// A file that grows by whole lines while someone may be reading it (`tail -f`, a dashboard):
// each append() is one write() of a complete line to a descriptor opened with O_APPEND, so a
// reader never sees half a line, and nothing is kept in memory.
//
//   AppendFile log("runs/RUN/checkpoints.jsonl");   // created (or appended to)
//   log.append(line + "\n");
#pragma once

#include <string>
#include <string_view>

#include "core/file_descriptor.hpp"

namespace perfgate {

class AppendFile {
 public:
  // Throws RunError naming the path when it cannot be opened.
  explicit AppendFile(std::string path);
  // One write() of the whole text; throws RunError naming the path when it cannot be written.
  void append(std::string_view text);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  FileDescriptor fd_;
};

}  // namespace perfgate
