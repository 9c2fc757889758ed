// Starting, watching and stopping the services of a suite; see service_supervisor.hpp.
//
// fork rather than posix_spawn: the child must set a parent-death signal, which posix_spawn
// cannot. Everything the child needs (argv, envp, descriptors, signal actions) is prepared before
// the fork, so that between fork and exec it only makes async-signal-safe calls: the process may
// have other threads, whose locks the child would inherit held.
#include "run/service_supervisor.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <thread>

#include "core/file_descriptor.hpp"
#include "http/url.hpp"

extern char** environ;

namespace perfgate::run {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kTailLines = 20;
constexpr milliseconds kPollInterval{50};      // between readiness attempts
constexpr milliseconds kAttemptTimeout{1000};  // one readiness attempt, at most
constexpr milliseconds kStartupCheck{100};     // without ready_url: still running after this
constexpr milliseconds kKillWait{1500};        // after KILL, for the kernel to finish the job
constexpr std::size_t kTailReadLimit = 64 * 1024;

// "Connection refused" -> "connection refused": it goes in the middle of a sentence.
std::string errno_text(int error_number) {
  std::string text = std::generic_category().message(error_number);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Moves a descriptor above 0-2 (keeping close-on-exec), so that the child's dup2 onto 0-2 cannot
// overwrite one it still needs: perfgate may have been started with stdin or stdout closed.
bool move_above_stdio(FileDescriptor& fd) {
  if (!fd.valid() || fd.get() > STDERR_FILENO) return fd.valid();
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (moved < 0) return false;
  fd.reset(moved);
  return true;
}

std::string describe_exit(int wait_status) {
  if (WIFSIGNALED(wait_status)) return fmt::format("was killed by signal {}", WTERMSIG(wait_status));
  return fmt::format("exited with code {}", WEXITSTATUS(wait_status));
}

// "30 s", "500 ms": how the user most likely wrote it.
std::string format_timeout(Nanos timeout) {
  const auto ns = timeout.count();
  if (ns % 1'000'000'000 == 0) return fmt::format("{} s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{} ms", ns / 1'000'000);
  return format_duration(timeout);
}

// Any process left in the group? EPERM: one that we may not signal, so yes.
bool group_alive(pid_t pgid) { return ::kill(-pgid, 0) == 0 || errno == EPERM; }

// The readiness URL as messages may quote it: as written, secrets redacted.
const std::string& shown_ready_url(const suite::ServiceSpec& spec) {
  return spec.ready_url_shown.empty() ? *spec.ready_url : spec.ready_url_shown;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The cgroup v2 folder perfgate runs in: the cgroup2 mount (from mountinfo) plus the path of the
// "0::" line of /proc/self/cgroup. nullopt on a machine without cgroup v2.
std::optional<std::string> own_cgroup(std::string* why) {
  std::string mount;
  std::istringstream mounts(read_text("/proc/self/mountinfo"));
  for (std::string line; std::getline(mounts, line);) {
    // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS... - FSTYPE SOURCE SUPER_OPTIONS
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line.substr(0, dash));
    std::string id, parent, device, root;
    fields >> id >> parent >> device >> root >> mount;
    break;
  }
  if (mount.empty()) {
    *why = "this machine has no cgroup v2 file system mounted";
    return std::nullopt;
  }
  std::istringstream cgroups(read_text("/proc/self/cgroup"));
  for (std::string line; std::getline(cgroups, line);) {
    if (line.starts_with("0::")) return mount + (line.size() > 4 ? line.substr(3) : "");
  }
  *why = "/proc/self/cgroup names no cgroup v2 path";
  return std::nullopt;
}

// Every process of a cgroup now (zombies are not listed).
std::vector<pid_t> cgroup_processes(const std::string& cgroup) {
  std::vector<pid_t> pids;
  std::istringstream procs(read_text(cgroup + "/cgroup.procs"));
  for (long pid = 0; procs >> pid;) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

// The empty cgroups a SIGKILLed perfgate left behind (it could not stop anything): `perfgate-PID`
// folders whose PID is gone. rmdir removes only cgroups without processes, so nothing else goes.
void remove_stale_cgroups(const std::string& parent) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(parent, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("perfgate-") || !entry.is_directory(error)) continue;
    const long pid = std::strtol(name.c_str() + 9, nullptr, 10);
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    for (const auto& child : std::filesystem::directory_iterator(entry.path(), error)) {
      if (child.is_directory(error)) ::rmdir(child.path().c_str());
    }
    ::rmdir(entry.path().c_str());
  }
}

bool write_file(const std::string& path, std::string_view text) {
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  return fd.valid() && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// The first non-blank line of a possibly incomplete response head, parsed as a status line.
std::optional<int> parse_status_line(const std::string& head) {
  // "HTTP/1.1 200 OK"
  if (head.size() < 12 || head.compare(0, 7, "HTTP/1.") != 0 || head[8] != ' ') return std::nullopt;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(head[i]))) return std::nullopt;
    status = status * 10 + (head[i] - '0');
  }
  if (head.size() > 12 && head[12] != ' ' && head[12] != '\r') return std::nullopt;
  return status;
}

// Waits for `events` on fd until the deadline: false on time-out or poll failure.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(std::min<long long>(left, 60'000)));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

}  // namespace

std::vector<std::string> child_environment(bool clear, const std::map<std::string, std::string>& added) {
  std::vector<std::string> entries;
  for (char** entry = environ; !clear && entry != nullptr && *entry != nullptr; ++entry) {
    std::string text = *entry;
    const std::string key = text.substr(0, text.find('='));
    if (added.count(key) == 0) entries.push_back(std::move(text));
  }
  for (const auto& [key, value] : added) entries.push_back(key + "=" + value);
  return entries;
}

std::string log_tail(const std::string& path, std::size_t lines, std::uint64_t from_offset) {
  if (lines == 0) return "";
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (!fd.valid() || ::fstat(fd.get(), &info) != 0) return "";
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (from_offset >= size) return "";
  // Twenty lines rarely need more than the last 64 KiB; a longer tail would not help a message.
  const std::uint64_t start = std::max(from_offset, size > kTailReadLimit ? size - kTailReadLimit : 0);
  std::string text(size - start, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::pread(fd.get(), text.data() + got, text.size() - got, static_cast<off_t>(start + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  // Reading from the middle of the file: the first line is probably cut, drop it.
  if (start > from_offset) {
    const std::size_t first_newline = text.find('\n');
    text.erase(0, first_newline == std::string::npos ? text.size() : first_newline + 1);
  }
  // A final newline ends the last line; it does not start another one.
  std::size_t begin = text.size();
  std::size_t found = 0;
  std::size_t search_end = !text.empty() && text.back() == '\n' ? text.size() - 1 : text.size();
  while (found < lines) {
    const std::size_t newline = search_end == 0 ? std::string::npos : text.rfind('\n', search_end - 1);
    if (newline == std::string::npos) {
      begin = 0;
      break;
    }
    begin = newline + 1;
    search_end = newline;
    ++found;
  }
  return text.substr(begin);
}

namespace {

// Connects `fd` to `address` by the deadline; the reason when it cannot.
std::optional<std::string> connect_before(const http::ResolvedAddress& address, Clock::time_point deadline,
                                          FileDescriptor& fd) {
  fd.reset(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return "cannot create a socket: " + errno_text(errno);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
    if (errno != EINPROGRESS) return errno_text(errno);
    if (!wait_for(fd.get(), POLLOUT, deadline)) return std::string("timed out connecting");
    int connect_error = 0;
    socklen_t length = sizeof connect_error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &connect_error, &length) != 0) connect_error = errno;
    if (connect_error != 0) return errno_text(connect_error);
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> http_get_status(const std::string& url, Nanos timeout, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<int> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  const auto deadline = Clock::now() + timeout;
  std::string parse_error;
  const std::optional<http::Url> parsed = http::parse_url(url, &parse_error);
  if (!parsed) return fail(parse_error);
  http::ResolvedAddress address;
  try {
    address = http::resolve(*parsed);
  } catch (const RunError&) {
    return fail("cannot resolve its host");  // not named: it may have been filled in from the environment
  }

  FileDescriptor fd;
  if (auto connect_error = connect_before(address, deadline, fd)) return fail(*connect_error);

  const std::string request =
      fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: perfgate\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                  parsed->target, parsed->host_header());
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd.get(), POLLOUT, deadline)) return fail("timed out sending the request");
    } else if (n < 0 && errno != EINTR) {
      return fail("cannot send the request: " + errno_text(errno));
    }
  }

  // Only the status line matters; the rest of the response is left unread.
  std::string head;
  char buffer[1024];
  while (head.find('\n') == std::string::npos && head.size() < 8192) {
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n > 0) {
      head.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd.get(), POLLIN, deadline)) return fail("timed out waiting for the response");
    } else if (errno != EINTR) {
      return fail("cannot read the response: " + errno_text(errno));
    }
  }
  if (head.empty()) return fail("the connection was closed without a response");
  const std::optional<int> status = parse_status_line(head);
  if (!status) return fail("not an HTTP response");
  return status;
}

std::optional<std::string> tcp_accept_error(const std::string& host_port, Nanos timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string parse_error;
  // HOST:PORT read as a URL's authority, so IPv6 "[::1]:8080" and names resolve as for http.
  const std::optional<http::Url> parsed = http::parse_url("http://" + host_port + "/", &parse_error);
  if (!parsed) return parse_error;
  http::ResolvedAddress address;
  try {
    address = http::resolve(*parsed);
  } catch (const RunError& resolve_error) {
    return std::string(resolve_error.what());
  }
  FileDescriptor fd;
  return connect_before(address, deadline, fd);
}

std::optional<std::string> ready_command_error(const std::string& command, Nanos timeout) {
  const auto deadline = Clock::now() + timeout;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0);
  }
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);  // its own group: killed whole on time-out
  posix_spawnattr_setpgroup(&attributes, 0);
  std::string shell = "/bin/sh";
  std::string dash_c = "-c";
  std::string text = command;
  char* argv[] = {shell.data(), dash_c.data(), text.data(), nullptr};
  pid_t pid = -1;
  const int spawn_error = ::posix_spawn(&pid, shell.c_str(), &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawn_error != 0) return "cannot start /bin/sh: " + errno_text(spawn_error);
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return "cannot wait for it: " + errno_text(errno);
    if (Clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return fmt::format("'{}' did not finish within {}", command, format_timeout(timeout));
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  return fmt::format("'{}' {}", command, describe_exit(status));
}

ServiceSupervisor::ServiceSupervisor(std::string log_directory, Nanos stop_grace)
    : log_directory_(std::move(log_directory)), stop_grace_(stop_grace) {}

ServiceSupervisor::~ServiceSupervisor() {
  stop_all();
  if (!cgroup_root_.empty()) ::rmdir(cgroup_root_.c_str());
}

std::string ServiceSupervisor::cgroup_of(const std::string& name) const {
  for (const Service& service : services_) {
    if (service.name == name) return service.cgroup;
  }
  return "";
}

pid_t ServiceSupervisor::pid_of(const std::string& name) const {
  for (const Service& service : services_) {
    if (service.name == name) return service.pid;
  }
  return -1;
}

std::string ServiceSupervisor::make_cgroup(const std::string& name) {
  auto give_up = [&](const std::string& why) {
    containment_warning_ = fmt::format(
        "services run in process groups only ({}); a service process that calls setsid() can outlive the run",
        why);
    return std::string();
  };
  if (!containment_warning_.empty()) return "";
  if (cgroup_root_.empty()) {
    std::string why;
    const std::optional<std::string> own = own_cgroup(&why);
    if (!own) return give_up(why);
    remove_stale_cgroups(*own);
    const std::string root = fmt::format("{}/perfgate-{}", *own, ::getpid());
    if (::mkdir(root.c_str(), 0755) != 0 && errno != EEXIST) {
      return give_up(fmt::format("cannot create the cgroup {}: {}", root, errno_text(errno)));
    }
    cgroup_root_ = root;
  }
  const std::string folder = cgroup_root_ + "/" + name;
  if (::mkdir(folder.c_str(), 0755) != 0 && errno != EEXIST) {
    return give_up(fmt::format("cannot create the cgroup {}: {}", folder, errno_text(errno)));
  }
  return folder;
}

std::string ServiceSupervisor::log_path(const std::string& name) const {
  return (std::filesystem::path(log_directory_) / (name + ".log")).string();
}

std::vector<pid_t> ServiceSupervisor::process_groups() const {
  std::vector<pid_t> groups;
  for (const Service& service : services_) groups.push_back(service.pid);
  return groups;
}

void ServiceSupervisor::start(const suite::ServiceSpec& spec, const std::atomic<bool>* stop) {
  // The name becomes a file name and a cgroup name: a label only, never a path.
  if (!suite::is_label(spec.name)) {
    throw ServiceFailed(spec.name, fmt::format("service name '{}' is not a label (letters, digits, '-', '_', '.', "
                                               "not starting with '.')",
                                               spec.name));
  }
  for (const Service& running : services_) {
    if (running.name == spec.name)
      throw ServiceFailed(spec.name, fmt::format("service '{}' is already running", spec.name));
  }
  if (spec.ready_url) {
    std::string url_error;
    if (!http::parse_url(*spec.ready_url, &url_error)) {
      throw ServiceFailed(
          spec.name, fmt::format("service '{}': invalid ready URL '{}': {}", spec.name, shown_ready_url(spec), url_error));
    }
  }
  std::error_code directory_error;
  std::filesystem::create_directories(log_directory_, directory_error);
  if (directory_error) {
    throw ServiceFailed(spec.name, fmt::format("cannot create the log directory {} for service '{}': {}",
                                               log_directory_, spec.name, directory_error.message()));
  }

  Service service;
  service.name = spec.name;
  service.log_path = log_path(spec.name);
  service.cgroup = make_cgroup(spec.name);
  try {
    service.pid = spawn(spec, service);
  } catch (...) {
    if (!service.cgroup.empty()) ::rmdir(service.cgroup.c_str());
    throw;
  }
  services_.push_back(std::move(service));
  // From here on stop_all() (the destructor at the latest) stops it, whatever throws.
  wait_until_ready(services_.back(), spec, stop);
}

pid_t ServiceSupervisor::spawn(const suite::ServiceSpec& spec, Service& service) {
  const std::string& log_file = service.log_path;
  std::uint64_t* log_offset = &service.log_offset;
  auto cannot = [&](const std::string& what, int error_number) -> ServiceFailed {
    return ServiceFailed(spec.name,
                         fmt::format("cannot start service '{}': {}: {}", spec.name, what, errno_text(error_number)));
  };

  // The log is appended to, so that an earlier run's output survives; messages only quote what
  // this start wrote, from log_offset on.
  FileDescriptor log(::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log.valid()) throw cannot("cannot open " + log_file, errno);
  struct stat info {};
  *log_offset = ::fstat(log.get(), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
  FileDescriptor dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!dev_null.valid()) throw cannot("cannot open /dev/null", errno);
  // The child writes errno here when exec fails; close-on-exec makes a successful exec read as EOF.
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw cannot("cannot create a pipe", errno);
  FileDescriptor exec_error_read(ends[0]);
  FileDescriptor exec_error_write(ends[1]);
  if (!move_above_stdio(log) || !move_above_stdio(dev_null) || !move_above_stdio(exec_error_write)) {
    throw cannot("cannot move a descriptor", errno);
  }
  // The child writes "0" (itself) here before exec, so that all it starts is in the cgroup.
  FileDescriptor cgroup_procs;
  if (!service.cgroup.empty()) {
    cgroup_procs.reset(::open((service.cgroup + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    if (!move_above_stdio(cgroup_procs)) throw cannot("cannot open " + service.cgroup + "/cgroup.procs", errno);
  }

  const char* shell = "/bin/sh";
  std::vector<char*> argv{const_cast<char*>("sh"), const_cast<char*>("-c"), const_cast<char*>(spec.command.c_str()),
                          nullptr};
  std::vector<std::string> environment = child_environment(spec.env_clear, spec.env);
  std::vector<char*> envp;
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  sigset_t all_signals;
  sigset_t no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  const pid_t parent = ::getpid();

  // Once a child of perfgate dies, its children come to perfgate instead of init, which may
  // reap them late or never (a container's PID 1): stop() reaps them itself. Cheap, so set every
  // time rather than remembered (a forked perfgate would not inherit it).
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  // All signals blocked across the fork, so no handler of perfgate's runs in the child before
  // it has reset them.
  sigset_t saved_mask;
  pthread_sigmask(SIG_SETMASK, &all_signals, &saved_mask);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child: async-signal-safe calls only, until exec.
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
      ::sigaction(signal_number, &default_action, nullptr);  // fails harmlessly for KILL, STOP...
    }
    ::setpgid(0, 0);
    if (cgroup_procs.valid() && ::write(cgroup_procs.get(), "0", 1) != 1) {
      const int cgroup_errno = -errno;  // negative: joining the cgroup failed, not exec
      [[maybe_unused]] const ssize_t written = ::write(exec_error_write.get(), &cgroup_errno, sizeof cgroup_errno);
      ::_exit(127);
    }
    // perfgate SIGKILLed (no chance to stop anything) takes the shell down with it. If it died
    // before prctl, the child was already reparented: getppid() tells.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(dev_null.get(), STDIN_FILENO);
    ::dup2(log.get(), STDOUT_FILENO);
    ::dup2(log.get(), STDERR_FILENO);
    // Descriptors other code opened without O_CLOEXEC must not reach the service either.
    ::close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC);
    ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
    ::execve(shell, argv.data(), envp.data());
    const int exec_errno = errno;
    [[maybe_unused]] const ssize_t written = ::write(exec_error_write.get(), &exec_errno, sizeof exec_errno);
    ::_exit(127);
  }
  const int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &saved_mask, nullptr);
  if (pid < 0) throw cannot("fork failed", fork_errno);

  exec_error_write.reset();
  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(exec_error_read.get(), &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (exec_errno < 0) throw cannot("cannot join the cgroup " + service.cgroup, -exec_errno);
    throw cannot(shell, exec_errno);
  }
  return pid;
}

void ServiceSupervisor::wait_until_ready(Service& service, const suite::ServiceSpec& spec,
                                         const std::atomic<bool>* stop) {
  const bool checked = spec.ready_url || spec.ready_tcp || spec.ready_command;
  const auto started = Clock::now();
  const auto deadline = started + (checked ? spec.ready_timeout : Nanos(kStartupCheck));
  const std::string when = checked ? "before it was ready" : "right after it started";
  auto check_alive = [&] {
    if (reap_if_exited(service)) {
      fail(service.name, fmt::format("service '{}' {} {}", service.name, describe_exit(service.wait_status), when));
    }
    if (stop != nullptr && stop->load()) {
      fail(service.name, fmt::format("service '{}': interrupted while waiting for it to be ready", service.name));
    }
  };

  if (!checked) {
    while (Clock::now() < deadline) {
      check_alive();
      std::this_thread::sleep_for(milliseconds(10));
    }
    check_alive();
    return;
  }

  // One attempt of the service's ready check: nullopt when ready, else what it answered. Messages
  // name the URL as the suite wrote it (a filled-in secret is never shown).
  auto attempt = [&](Nanos left) -> std::optional<std::string> {
    const Nanos limit = std::clamp<Nanos>(left, milliseconds(20), kAttemptTimeout);
    if (spec.ready_tcp) {
      auto error = tcp_accept_error(*spec.ready_tcp, limit);
      return error ? std::optional("tcp://" + *spec.ready_tcp + ": " + *error) : std::nullopt;
    }
    if (spec.ready_command) return ready_command_error(*spec.ready_command, std::max<Nanos>(left, milliseconds(20)));
    const std::string& shown_url = shown_ready_url(spec);
    std::string error;
    const std::optional<int> status = http_get_status(*spec.ready_url, limit, &error);
    if (status && *status >= 200 && *status < 300) return std::nullopt;
    return status ? fmt::format("{} answered HTTP {}", shown_url, *status) : shown_url + ": " + error;
  };
  std::string last_answer = "no answer";
  for (;;) {
    check_alive();
    auto answer = attempt(deadline - Clock::now());
    if (!answer) {
      // Another process on the port (an old server) can answer while ours died of "address in use".
      check_alive();
      return;
    }
    last_answer = *answer;
    // The last attempt is made at the deadline, not before: "not ready after 30 s" is then true.
    const auto now = Clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(std::min<Nanos>(kPollInterval, deadline - now));
  }
  check_alive();
  fail(service.name, fmt::format("service '{}' was not ready after {}: {}", service.name,
                                 format_timeout(spec.ready_timeout), last_answer));
}

void ServiceSupervisor::fail(const std::string& name, const std::string& what) {
  // The failed service is the last one started: stop it (and its group) before reading its log,
  // so the log holds whatever it printed on the way out.
  std::string message = what;
  auto it = std::find_if(services_.begin(), services_.end(), [&](const Service& s) { return s.name == name; });
  if (it != services_.end()) {
    const std::string path = it->log_path;
    const std::uint64_t offset = it->log_offset;
    Service* failed = &*it;
    stop({&failed, 1});
    services_.erase(it);
    const std::string tail = log_tail(path, kTailLines, offset);
    if (tail.empty()) {
      message += fmt::format("\n  (nothing in {})", path);
    } else {
      message += fmt::format("\n  last lines of {}:", path);
      std::size_t begin = 0;
      while (begin < tail.size()) {
        std::size_t end = tail.find('\n', begin);
        if (end == std::string::npos) end = tail.size();
        message += "\n    " + tail.substr(begin, end - begin);
        begin = end + 1;
      }
    }
  }
  throw ServiceFailed(name, message);
}

bool ServiceSupervisor::reap_if_exited(Service& service) {
  if (service.leader_reaped) return true;
  int status = 0;
  pid_t reaped = 0;
  while ((reaped = ::waitpid(service.pid, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (reaped != service.pid) return false;
  service.leader_reaped = true;
  service.wait_status = status;
  return true;
}

std::optional<std::string> ServiceSupervisor::exited_service() {
  for (Service& service : services_) {
    if (reap_if_exited(service)) return fmt::format("service '{}' {}", service.name, describe_exit(service.wait_status));
  }
  return std::nullopt;
}

void ServiceSupervisor::stop_all() noexcept {
  std::vector<Service*> all;
  try {
    all.reserve(services_.size());
  } catch (...) {
    // Without memory for the list, still stop them, one at a time.
    for (auto it = services_.rbegin(); it != services_.rend(); ++it) {
      Service* service = &*it;
      stop({&service, 1});
    }
  }
  for (Service& service : services_) all.push_back(&service);
  stop(all);
  services_.clear();
}

void ServiceSupervisor::stop(std::span<Service* const> services) noexcept {
  // Reaps what of the group has exited: the shell, and its orphaned children, which came to us
  // (subreaper). A zombie still counts as a member of its group.
  auto reap = [](Service& service) {
    for (;;) {
      int status = 0;
      const pid_t reaped = ::waitpid(-service.pid, &status, WNOHANG);
      if (reaped < 0 && errno == EINTR) continue;
      if (reaped <= 0) break;
      if (reaped == service.pid) {
        service.leader_reaped = true;
        service.wait_status = status;
      }
    }
    // The shell may have moved to another group (`set -m`, setsid): waitpid(-pgid) misses it.
    if (!service.leader_reaped) {
      int status = 0;
      if (::waitpid(service.pid, &status, WNOHANG) == service.pid) {
        service.leader_reaped = true;
        service.wait_status = status;
      }
    }
    // Processes of the cgroup in other groups that came to us as orphans (subreaper).
    for (pid_t pid : service.seen) {
      int status = 0;
      while (::waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR) {
      }
    }
  };
  auto done = [&](Service& service) {
    reap(service);
    return service.leader_reaped && !group_alive(service.pid) &&
           (service.cgroup.empty() || cgroup_processes(service.cgroup).empty());
  };
  auto all_done = [&] {
    bool result = true;
    for (Service* service : services) result = done(*service) && result;
    return result;
  };
  // Signals only a group that still has members or whose leader we have not reaped: then its id
  // cannot have been reused by an unrelated process.
  auto signal_all = [&](int signal_number) {
    for (auto it = services.rbegin(); it != services.rend(); ++it) {
      Service& service = **it;
      if (done(service)) continue;
      ::kill(-service.pid, signal_number);
      if (!service.leader_reaped && ::getpgid(service.pid) != service.pid) ::kill(service.pid, signal_number);
      if (!service.cgroup.empty()) {
        // cgroup.kill (Linux 5.14) kills every process of the cgroup at once, forks in flight too.
        if (signal_number == SIGKILL && write_file(service.cgroup + "/cgroup.kill", "1")) continue;
        for (pid_t pid : cgroup_processes(service.cgroup)) {
          if (std::find(service.seen.begin(), service.seen.end(), pid) == service.seen.end()) {
            service.seen.push_back(pid);
          }
          ::kill(pid, signal_number);
          if (signal_number == SIGTERM) ::kill(pid, SIGCONT);
        }
      }
      // A stopped process would keep the TERM pending.
      if (signal_number == SIGTERM) ::kill(-service.pid, SIGCONT);
    }
  };
  auto wait_until = [&](Clock::time_point deadline) {
    for (;;) {
      if (all_done()) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(5));
    }
  };

  auto remove_cgroups = [&] {
    for (Service* service : services) {
      if (!service->cgroup.empty() && ::rmdir(service->cgroup.c_str()) == 0) service->cgroup.clear();
    }
  };
  if (all_done()) return remove_cgroups();
  signal_all(SIGTERM);
  if (wait_until(Clock::now() + stop_grace_)) return remove_cgroups();
  signal_all(SIGKILL);
  // A process in uninterruptible sleep can outlast even KILL; it is not waited for forever.
  wait_until(Clock::now() + kKillWait);
  remove_cgroups();
}

}  // namespace perfgate::run
