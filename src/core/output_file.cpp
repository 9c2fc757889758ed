// The one writer of outputs; see output_file.hpp.
#include "core/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace perfgate {
namespace {

// Linux's own limit on symbolic links followed in one lookup.
constexpr int kMaxLinkHops = 40;

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The descriptor of this process that `path` names: /dev/stdout, /dev/stderr, /dev/fd/N,
// /proc/self/fd/N. Written through the descriptor itself, which keeps the shell's offset and
// works for a pipe: following the link would replace `> out.txt` or fail on "pipe:[…]".
std::optional<int> own_descriptor(const std::string& path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (const std::string& prefix : {std::string("/dev/fd/"), std::string("/proc/self/fd/"), std::string("/proc/thread-self/fd/"),
                             fmt::format("/proc/{}/fd/", ::getpid())}) {
    if (!path.starts_with(prefix) || path.size() == prefix.size() || path.size() > prefix.size() + 9) continue;
    std::string digits = path.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    return std::stoi(digits);
  }
  return std::nullopt;
}

// The file `path` names once symbolic links in its last component are followed; a dangling
// link gives the path it points to (which is then created). nullopt: a loop.
std::optional<std::string> resolve_links(std::string path) {
  for (int hop = 0; hop < kMaxLinkHops; ++hop) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
    std::string target(PATH_MAX, '\0');
    ssize_t length = ::readlink(path.c_str(), target.data(), target.size());
    if (length <= 0) return path;
    target.resize(static_cast<std::size_t>(length));
    path = target.front() == '/' ? target : directory_of(path) + "/" + target;
  }
  return std::nullopt;
}

[[noreturn]] void fail(const std::string& path, int error) {
  throw RunError(fmt::format("cannot write '{}': {}", path, std::strerror(error)));
}

bool write_all(int fd, const std::string& content) {
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

// A device, FIFO or socket: written where it is. Replacing it would break whoever reads it
// (and, as root, replace /dev/null for the whole system).
void write_in_place(const std::string& shown, const std::string& target, const std::string& content) {
  int fd = ::open(target.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) fail(shown, errno);
  bool ok = write_all(fd, content);
  int saved = errno;
  if (::close(fd) != 0 && ok) fail(shown, errno);
  if (!ok) fail(shown, saved);
}

// A name no other writer picks: the process, the time and a counter.
std::string temporary_name(const std::string& directory, unsigned attempt) {
  static std::atomic<unsigned> counter{0};
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return fmt::format("{}/.perfgate-{}-{:x}-{}.tmp", directory, ::getpid(), static_cast<unsigned long long>(now),
                     ++counter + attempt);
}

// A regular file or a new one: a temporary file renamed over it.
void replace_file(const std::string& shown, const std::string& target, const struct stat* existing,
                  const std::string& content) {
  std::string directory = directory_of(target);
  std::string temp;
  int fd = -1;
  // New: 0666, which open() narrows by the umask (and a default ACL) like any other tool's
  // output. Replacing: private until it has the old file's owner and mode.
  mode_t create_mode = existing != nullptr ? 0600 : 0666;
  for (unsigned attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    temp = temporary_name(directory, attempt);
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, create_mode);
    if (fd < 0 && errno != EEXIST) fail(shown, errno);
  }
  if (fd < 0) fail(shown, EEXIST);
  auto give_up = [&](int error) {
    ::close(fd);
    ::unlink(temp.c_str());
    fail(shown, error);
  };
  if (!write_all(fd, content)) give_up(errno);
  if (existing != nullptr) {
    mode_t mode = existing->st_mode & 07777;
    bool same_owner = existing->st_uid == ::geteuid() && existing->st_gid == ::getegid();
    // Only root may give a file away; without the old owner, set-id bits would change meaning.
    if (!same_owner && ::fchown(fd, existing->st_uid, existing->st_gid) != 0) mode &= ~mode_t{S_ISUID | S_ISGID};
    if (::fchmod(fd, mode) != 0) give_up(errno);
  }
  if (::fsync(fd) != 0) give_up(errno);
  if (::close(fd) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    fail(shown, saved);
  }
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    fail(shown, saved);
  }
}

// Whether the process may create a file in `directory`, asked of the kernel itself (an unnamed
// O_TMPFILE file, gone when closed), since access() says yes to root in /proc.
bool can_create_in(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return true;
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return false;
  // A file system without O_TMPFILE (/proc among them): a named file, removed at once.
  std::string probe = temporary_name(directory, 0);
  fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

}  // namespace

bool names_stdout(const std::string& path) { return path == "-" || own_descriptor(path) == STDOUT_FILENO; }

void write_output_file(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::fwrite(content.data(), 1, content.size(), stdout);
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) fail("-", errno);
    return;
  }
  if (std::optional<int> fd = own_descriptor(path)) {
    std::fflush(*fd == STDERR_FILENO ? stderr : stdout);  // after what stdio already holds
    if (!write_all(*fd, content)) fail(path, errno);
    return;
  }
  std::optional<std::string> target = resolve_links(path);
  if (!target) fail(path, ELOOP);
  struct stat st {};
  bool exists = ::stat(target->c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) fail(path, EISDIR);
  if (exists && !S_ISREG(st.st_mode)) {
    write_in_place(path, *target, content);
  } else {
    replace_file(path, *target, exists ? &st : nullptr, content);
  }
}

std::optional<std::string> output_file_problem(const std::string& path) {
  if (path.empty() || path == "-") return std::nullopt;
  if (std::optional<int> fd = own_descriptor(path)) {
    int flags = ::fcntl(*fd, F_GETFL);
    if (flags >= 0 && (flags & O_ACCMODE) != O_RDONLY) return std::nullopt;
    return fmt::format("cannot write '{}': {}", path, flags < 0 ? std::strerror(errno) : "not open for writing");
  }
  std::optional<std::string> target = resolve_links(path);
  if (!target) return fmt::format("'{}': {}", path, std::strerror(ELOOP));
  struct stat st {};
  if (::stat(target->c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return fmt::format("'{}' is a directory", path);
    if (!S_ISREG(st.st_mode)) {
      if (::access(target->c_str(), W_OK) == 0) return std::nullopt;
      return fmt::format("cannot write '{}': {}", path, std::strerror(errno));
    }
  }
  std::string directory = directory_of(*target);
  struct stat dir {};
  if (::stat(directory.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode)) {
    return fmt::format("directory '{}' does not exist", directory);
  }
  if (!can_create_in(directory)) {
    return fmt::format("cannot create files in directory '{}': {}", directory, std::strerror(errno));
  }
  return std::nullopt;
}

}  // namespace perfgate
