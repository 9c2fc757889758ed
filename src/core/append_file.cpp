// Whole lines appended with one write() each; see append_file.hpp.
#include "core/append_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace perfgate {

AppendFile::AppendFile(std::string path) : path_(std::move(path)) {
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666));
  if (!fd_.valid()) throw RunError(fmt::format("cannot open '{}' for writing: {}", path_, std::strerror(errno)));
}

void AppendFile::append(std::string_view text) {
  while (!text.empty()) {
    // A regular file takes the whole line in one write(); only a full disk or a signal cuts it.
    ssize_t n = ::write(fd_.get(), text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw RunError(fmt::format("cannot write to '{}': {}", path_, std::strerror(errno)));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace perfgate
