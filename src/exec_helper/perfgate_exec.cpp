// perfgate-exec: the small process `perfgate cmd` starts each benchmarked command through, so
// that the command's peak RSS is its own. A child inherits the memory high-water mark of the
// process that spawned it (Linux keeps the larger of the old and new address space's peak
// across exec), so a command spawned by a large perfgate would report perfgate's size. This
// program is linked statically and allocates nothing, so its own peak is a few hundred KiB.
//
//   perfgate-exec REPORT_FD PROGRAM ARGV0 [ARGS...]
//
// Runs PROGRAM (a path, or a name searched in PATH) with the given argv, stdin/stdout/stderr
// as inherited, waits for it and writes one line to REPORT_FD:
//   started  <status> <wall_ns> <user_ns> <system_ns> <max_rss_kib>   (status as from wait4)
//   failed   <errno>                                                   (could not be started)
// and exits 0; it exits 127 when used wrongly. The wall time runs from just before the spawn
// to wait4's return, as when perfgate spawned the command itself.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

namespace {

long long monotonic_now_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

long long timeval_ns(const timeval& tv) {
  return static_cast<long long>(tv.tv_sec) * 1000000000LL + static_cast<long long>(tv.tv_usec) * 1000LL;
}

void write_all(int fd, const char* text, size_t length) {
  while (length > 0) {
    const ssize_t written = write(fd, text, length);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    text += written;
    length -= static_cast<size_t>(written);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    static const char usage[] = "usage: perfgate-exec REPORT_FD PROGRAM ARGV0 [ARGS...] (started by perfgate cmd)\n";
    write_all(STDERR_FILENO, usage, sizeof usage - 1);
    return 127;
  }
  const int report_fd = atoi(argv[1]);
  if (report_fd <= STDERR_FILENO || fcntl(report_fd, F_SETFD, FD_CLOEXEC) != 0) return 127;
  const char* program = argv[2];

  // A Ctrl-C reaches the whole process group: the command decides what it means, and this
  // process must outlive it to report. The command starts with the default dispositions.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t reset_to_default;
  sigemptyset(&reset_to_default);
  const int reset_signals[] = {SIGINT, SIGTERM, SIGQUIT, SIGPIPE};
  for (int signal_number : reset_signals) sigaddset(&reset_to_default, signal_number);
  posix_spawnattr_setsigdefault(&attributes, &reset_to_default);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);

  char line[160];
  const long long start_ns = monotonic_now_ns();
  pid_t pid = 0;
  const int spawn_error = strchr(program, '/') != nullptr
                              ? posix_spawn(&pid, program, nullptr, &attributes, argv + 3, environ)
                              : posix_spawnp(&pid, program, nullptr, &attributes, argv + 3, environ);
  if (spawn_error != 0) {
    const int length = snprintf(line, sizeof line, "failed %d\n", spawn_error);
    write_all(report_fd, line, static_cast<size_t>(length));
    return 0;
  }
  // Only the command may hold its stdout: a reader of a pipe sees EOF when the command ends.
  close(STDIN_FILENO);
  close(STDOUT_FILENO);
  close(STDERR_FILENO);

  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) return 127;
  }
  const long long end_ns = monotonic_now_ns();
  const int length = snprintf(line, sizeof line, "started %d %lld %lld %lld %ld\n", status, end_ns - start_ns,
                              timeval_ns(usage.ru_utime), timeval_ns(usage.ru_stime), usage.ru_maxrss);
  write_all(report_fd, line, static_cast<size_t>(length));
  return 0;
}
