// An LD_PRELOAD shim that timestamps, independently of perfgate, every send()/write() and
// read()/recv() on the sockets the process connect()s, and writes them to the file named by
// PERFGATE_SHIM_OUT at exit: one line "fd kind ns bytes" per call (kind: c connect, s send,
// r read with data, x close). The test pairs each send with the last read before the next send on that
// socket: the request's true latency as the client's system calls saw it.
#include <dlfcn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace {

constexpr unsigned MAX_EVENTS = 2u << 20;
constexpr int MAX_FDS = 65536;

struct event {
  int64_t ns;
  int32_t fd;
  int32_t bytes;  // what the call returned
  char kind;
};

event events[MAX_EVENTS];
std::atomic<unsigned> event_count{0};
std::atomic<unsigned char> tracked[MAX_FDS];

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void note(int fd, char kind, int64_t ns, ssize_t bytes) {
  unsigned i = event_count.fetch_add(1u);
  if (i >= MAX_EVENTS) return;
  events[i].ns = ns;
  events[i].fd = fd;
  events[i].bytes = bytes > INT32_MAX ? INT32_MAX : static_cast<int32_t>(bytes);
  events[i].kind = kind;
}

bool is_tracked(int fd) { return fd >= 0 && fd < MAX_FDS && tracked[fd].load() != 0; }

template <typename F>
F real_function(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int connect(int fd, const sockaddr* addr, socklen_t len) {
  static auto real = real_function<int (*)(int, const sockaddr*, socklen_t)>("connect");
  if (fd >= 0 && fd < MAX_FDS) {
    tracked[fd].store(1);
    note(fd, 'c', now_ns(), 0);
  }
  return real(fd, addr, len);
}

ssize_t send(int fd, const void* buf, size_t n, int flags) {
  static auto real = real_function<ssize_t (*)(int, const void*, size_t, int)>("send");
  int64_t ns = now_ns();
  ssize_t r = real(fd, buf, n, flags);
  if (is_tracked(fd)) note(fd, 's', ns, r);
  return r;
}

ssize_t write(int fd, const void* buf, size_t n) {
  static auto real = real_function<ssize_t (*)(int, const void*, size_t)>("write");
  int64_t ns = now_ns();
  ssize_t r = real(fd, buf, n);
  if (is_tracked(fd)) note(fd, 's', ns, r);
  return r;
}

ssize_t read(int fd, void* buf, size_t n) {
  static auto real = real_function<ssize_t (*)(int, void*, size_t)>("read");
  ssize_t r = real(fd, buf, n);
  if (r > 0 && is_tracked(fd)) note(fd, 'r', now_ns(), r);
  return r;
}

ssize_t recv(int fd, void* buf, size_t n, int flags) {
  static auto real = real_function<ssize_t (*)(int, void*, size_t, int)>("recv");
  ssize_t r = real(fd, buf, n, flags);
  if (r > 0 && is_tracked(fd)) note(fd, 'r', now_ns(), r);
  return r;
}

int close(int fd) {
  static auto real = real_function<int (*)(int)>("close");
  if (is_tracked(fd)) {
    note(fd, 'x', now_ns(), 0);
    tracked[fd].store(0);
  }
  return real(fd);
}

}  // extern "C"

__attribute__((destructor)) static void dump() {
  const char* path = std::getenv("PERFGATE_SHIM_OUT");
  if (!path) return;
  FILE* out = std::fopen(path, "w");
  if (!out) return;
  unsigned count = event_count.load();
  if (count > MAX_EVENTS) {
    std::fprintf(out, "overflow %u\n", count);
    count = MAX_EVENTS;
  }
  for (unsigned i = 0; i < count; ++i) {
    std::fprintf(out, "%d %c %lld %d\n", events[i].fd, events[i].kind, static_cast<long long>(events[i].ns),
                 events[i].bytes);
  }
  std::fclose(out);
}
