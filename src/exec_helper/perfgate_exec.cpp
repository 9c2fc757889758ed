// perfgate-exec: the small process `perfgate cmd` starts each benchmarked command through, so
// that the command's peak RSS is its own. A child inherits the memory high-water mark of the
// process that spawned it (Linux keeps the larger of the old and new address space's peak
// across exec), so a command spawned by a large perfgate would report perfgate's size. This
// program is linked statically and allocates nothing, so its own peak is a few hundred KiB.
//
//   perfgate-exec --serve     (fd 3: a SOCK_SEQPACKET socket to perfgate)
//
// One helper serves every run of an executor, so that a run costs no extra exec. Each request
// is one message: PROGRAM\0ARGV0\0ARGS...\0 (PROGRAM a path, or a name searched in PATH) with
// the command's stdin, stdout and stderr attached (SCM_RIGHTS). The helper runs it, waits for it
// and answers with one line:
//   started <status> <wall_ns> <user_ns> <system_ns> <max_rss_kib>   (status as from wait4)
//   failed <errno>                                                    (could not be started)
// The wall time runs from just before the spawn to wait4's return, as when perfgate spawned
// the command itself. It exits when perfgate closes the socket.
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

namespace {

constexpr int kSocketFd = 3;
constexpr int kStdioCount = 3;

// Static, so that only the pages a request uses are ever touched (and counted in the RSS).
char request[256 * 1024];
char* arguments[64 * 1024];

long long monotonic_now_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

long long timeval_ns(const timeval& tv) {
  return static_cast<long long>(tv.tv_sec) * 1000000000LL + static_cast<long long>(tv.tv_usec) * 1000LL;
}

void answer(const char* line, int length) { send(kSocketFd, line, static_cast<size_t>(length), MSG_NOSIGNAL); }

void answer_failed(int error_number) {
  char line[32];
  answer(line, snprintf(line, sizeof line, "failed %d\n", error_number));
}

void close_all(const int (&stdio)[kStdioCount]) {
  for (int fd : stdio) {
    if (fd >= 0) close(fd);
  }
}

// Runs one request whose stdio descriptors are `stdio` (closed here); answers perfgate.
void run(size_t length, const int (&stdio)[kStdioCount], const posix_spawnattr_t& attributes) {
  // PROGRAM\0ARGV0\0...: split at the NULs.
  size_t count = 0;
  for (size_t start = 0; start < length && count + 1 < sizeof arguments / sizeof arguments[0];) {
    arguments[count++] = request + start;
    start += strlen(request + start) + 1;
  }
  if (count < 2) {
    close_all(stdio);
    return answer_failed(EINVAL);
  }
  arguments[count] = nullptr;
  const char* program = arguments[0];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd < kStdioCount; ++fd) posix_spawn_file_actions_adddup2(&actions, stdio[fd], fd);
  const long long start_ns = monotonic_now_ns();
  pid_t pid = 0;
  const int spawn_error = strchr(program, '/') != nullptr
                              ? posix_spawn(&pid, program, &actions, &attributes, arguments + 1, environ)
                              : posix_spawnp(&pid, program, &actions, &attributes, arguments + 1, environ);
  posix_spawn_file_actions_destroy(&actions);
  // Only the command may hold its stdout now: a reader of a pipe sees EOF when it ends.
  close_all(stdio);
  if (spawn_error != 0) return answer_failed(spawn_error);

  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) return answer_failed(errno);
  }
  const long long end_ns = monotonic_now_ns();
  char line[160];
  answer(line, snprintf(line, sizeof line, "started %d %lld %lld %lld %ld\n", status, end_ns - start_ns,
                        timeval_ns(usage.ru_utime), timeval_ns(usage.ru_stime), usage.ru_maxrss));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || strcmp(argv[1], "--serve") != 0) {
    static const char usage[] = "perfgate-exec is started by perfgate cmd, which talks to it on fd 3\n";
    (void)!write(STDERR_FILENO, usage, sizeof usage - 1);
    return 2;
  }
  // A Ctrl-C reaches the whole process group: the command decides what it means, and this
  // process must outlive it to answer. The command starts with the default dispositions.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t reset_to_default;
  sigemptyset(&reset_to_default);
  const int reset_signals[] = {SIGINT, SIGTERM, SIGQUIT, SIGPIPE};
  for (int signal_number : reset_signals) sigaddset(&reset_to_default, signal_number);
  posix_spawnattr_setsigdefault(&attributes, &reset_to_default);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);

  for (;;) {
    iovec data{request, sizeof request - 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kStdioCount)];
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    // Close-on-exec: the received descriptors reach the command only as its 0, 1 and 2.
    const ssize_t got = recvmsg(kSocketFd, &message, MSG_CMSG_CLOEXEC);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return 0;  // perfgate closed its end (or is gone)

    int stdio[kStdioCount] = {-1, -1, -1};
    bool attached = false;
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
      if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS &&
          header->cmsg_len == CMSG_LEN(sizeof(int) * kStdioCount)) {
        memcpy(stdio, CMSG_DATA(header), sizeof stdio);
        attached = true;
      }
    }
    if (!attached || (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
      close_all(stdio);
      answer_failed(E2BIG);
      continue;
    }
    request[got] = '\0';
    run(static_cast<size_t>(got), stdio, attributes);
  }
}
