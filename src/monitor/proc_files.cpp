// /proc parsers and readers for the resource sources.
#include "monitor/proc_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <vector>

namespace perfgate::monitor {
namespace {

// The next space-separated field of `text` from `pos`, as an unsigned number (negative
// values, which stat never has for these fields, parse as failure).
bool next_number(std::string_view text, std::size_t& pos, std::uint64_t& out) {
  while (pos < text.size() && text[pos] == ' ') {
    ++pos;
  }
  const char* begin = text.data() + pos;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc{}) {
    return false;
  }
  pos += static_cast<std::size_t>(ptr - begin);
  return true;
}

bool skip_field(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && text[pos] == ' ') {
    ++pos;
  }
  const std::size_t start = pos;
  while (pos < text.size() && text[pos] != ' ' && text[pos] != '\n') {
    ++pos;
  }
  return pos > start;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // "pid (comm) state ppid ...": comm is whatever the program named itself, so the fields
  // start after the last ')'.
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 >= text.size()) {
    return std::nullopt;
  }
  std::size_t pos = close + 2;
  ProcStat stat;
  stat.state = text[pos];
  ++pos;
  // Field numbers as in proc(5): 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime,
  // 20 num_threads, 22 starttime, 24 rss.
  std::uint64_t fields[22] = {};  // fields[k] is field k + 4, for k = 0..20
  for (int k = 0; k <= 20; ++k) {
    if (!next_number(text, pos, fields[k])) {
      // cutime/cstime are signed in the kernel's format; a negative value there would be a
      // kernel bug, but tolerate it as a skip rather than failing the whole line.
      if (!skip_field(text, pos)) {
        return std::nullopt;
      }
      fields[k] = 0;
    }
  }
  stat.ppid = static_cast<pid_t>(fields[0]);
  stat.own_ticks = fields[14 - 4] + fields[15 - 4];
  stat.reaped_ticks = fields[16 - 4] + fields[17 - 4];
  stat.threads = fields[20 - 4];
  stat.start_ticks = fields[22 - 4];
  stat.rss_pages = fields[24 - 4];
  return stat;
}

std::optional<std::uint64_t> find_field(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t line_end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, line_end - pos);
    if (line.size() > key.size() && line.starts_with(key) && (line[key.size()] == ':' || line[key.size()] == ' ')) {
      std::size_t at = key.size() + 1;
      while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) {
        ++at;
      }
      std::uint64_t value = 0;
      auto [ptr, ec] = std::from_chars(line.data() + at, line.data() + line.size(), value);
      if (ec == std::errc{}) {
        return value;
      }
      return std::nullopt;
    }
    pos = line_end + 1;
  }
  return std::nullopt;
}

bool pread_whole(int fd, std::string& out) {
  out.clear();
  if (out.capacity() < 4096) {
    out.reserve(4096);
  }
  off_t offset = 0;
  for (;;) {
    const std::size_t have = out.size();
    out.resize(have + 4096);
    const ssize_t got = ::pread(fd, out.data() + have, 4096, offset);
    if (got < 0) {
      if (errno == EINTR) {
        out.resize(have);
        continue;
      }
      out.clear();
      return false;
    }
    out.resize(have + static_cast<std::size_t>(got));
    // A /proc seq_file read fills the buffer as far as the text goes, so a short read is the
    // end: this saves the second pread per file per sample.
    if (got < 4096) {
      return true;
    }
    offset += got;
  }
}

int open_read(const std::string& path) { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }

std::optional<std::uint64_t> count_fds(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/fd";
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return std::nullopt;
  }
  if (info.st_size > 0) {
    return static_cast<std::uint64_t>(info.st_size);
  }
  // Older kernels report 0: count the entries.
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    return std::nullopt;
  }
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') {
      ++count;
    }
  }
  ::closedir(dir);
  return count;
}

}  // namespace perfgate::monitor
