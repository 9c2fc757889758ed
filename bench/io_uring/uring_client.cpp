// Prototype: closed-model HTTP/1.1 keep-alive load client, 1 thread, N connections,
// comparing an epoll engine (as perfgate's load_worker does it) with io_uring variants.
//
//   uring_client -p PORT [-c 50] [-d 10] [-m epoll|recv|mshot] [options]
//     -m epoll   level-triggered epoll, read() per response, send() after the event batch
//     -m recv    io_uring: per request one IORING_OP_SEND + one IORING_OP_RECV (re-armed)
//     -m mshot   io_uring: one multishot IORING_OP_RECV per connection over a provided
//                buffer ring (armed once); per request only one IORING_OP_SEND SQE
//     -F         registered files (IOSQE_FIXED_FILE)
//     -S none|coop|coopflag|single|defer   ring setup flags (defer = SINGLE_ISSUER|DEFER_TASKRUN)
//     -K         IOSQE_CQE_SKIP_SUCCESS on sends (no CQE for a successful send)
//     -P         IORING_RECVSEND_POLL_FIRST on (plain) recv
//     -R         io_uring_register_ring_fd (skip the ring fd lookup per io_uring_enter)
//     -Q CPU     SQPOLL, poller thread pinned to CPU (its CPU is counted by getrusage/time)
//     -A CPU     pin the main thread to CPU after the ring is set up (for -Q on another CPU:
//                run under `taskset -c 0,1` and use -Q 0 -A 1)
//     -B N       buffer ring entries for mshot (default 256), -b bytes per buffer (default 4096)
//     -L         mode recv: link SEND -> RECV (IOSQE_IO_LINK)
//
// Prints: requests, requests/s, p50/p99 latency, own CPU (getrusage RUSAGE_SELF), and
// syscall-ish counters (io_uring_enter calls issued by the loop, CQEs seen).
#include <arpa/inet.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/histogram.hpp"
#include "http/response_parser.hpp"

using perfgate::Histogram;
using perfgate::http::ParseResult;
using perfgate::http::ParseState;
using perfgate::http::ResponseParser;

namespace {

constexpr char kRequest[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
constexpr std::size_t kRequestLen = sizeof kRequest - 1;

inline std::int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

struct Options {
  int port = 0;
  int conns = 50;
  double duration_s = 10;
  std::string mode = "mshot";
  bool fixed_files = false;
  std::string setup = "none";
  bool skip_send_cqe = false;
  bool poll_first = false;
  bool register_ring_fd = false;
  int sqpoll_cpu = -1;
  int main_cpu = -1;
  unsigned buf_entries = 256;
  unsigned buf_size = 4096;
  bool link = false;
};

struct Conn {
  int fd = -1;
  int index = 0;
  ResponseParser parser;
  std::int64_t sent_ns = 0;
  bool in_flight = false;
  char* buf = nullptr;  // mode recv: own receive buffer
};

struct Stats {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::uint64_t loops = 0;
  std::uint64_t cqes = 0;
  Histogram latency;
};

int connect_one(int port, bool nonblock) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) { perror("socket"); exit(1); }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) { perror("connect"); exit(1); }
  if (nonblock) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Feeds bytes of one response; returns true when the response completed (and records it).
inline bool on_bytes(Conn& c, const char* data, std::size_t n, Stats& st, std::int64_t& now) {
  ParseResult r = c.parser.feed(data, n);
  if (r.state == ParseState::kNeedMore) return false;
  if (r.state == ParseState::kError || r.consumed != n || !c.parser.keep_alive()) {
    fprintf(stderr, "protocol error on conn %d: %s\n", c.index, c.parser.error() ? c.parser.error() : "?");
    exit(1);
  }
  now = now_ns();
  st.latency.record(now - c.sent_ns);
  if (c.parser.status() >= 400) ++st.errors;
  ++st.requests;
  c.in_flight = false;
  return true;
}

// ---------------------------------------------------------------------------------- epoll
void run_epoll(const Options& o, std::vector<Conn>& conns, Stats& st, std::int64_t end_ns) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (auto& c : conns) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  std::vector<char> rbuf(64 * 1024);
  std::vector<Conn*> ready;
  ready.reserve(conns.size());
  for (auto& c : conns) ready.push_back(&c);
  epoll_event events[256];
  while (true) {
    std::int64_t now = now_ns();
    if (now >= end_ns) break;
    for (Conn* c : ready) {
      c->sent_ns = now;
      c->parser.reset();
      c->in_flight = true;
      ssize_t n = send(c->fd, kRequest, kRequestLen, MSG_NOSIGNAL);
      if (n != static_cast<ssize_t>(kRequestLen)) { perror("send"); exit(1); }
    }
    ready.clear();
    int n = epoll_wait(ep, events, 256, 50);
    ++st.loops;
    for (int i = 0; i < n; ++i) {
      Conn& c = *static_cast<Conn*>(events[i].data.ptr);
      ssize_t r = read(c.fd, rbuf.data(), rbuf.size());
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "read: %zd %s\n", r, strerror(errno));
        exit(1);
      }
      std::int64_t t;
      if (on_bytes(c, rbuf.data(), static_cast<std::size_t>(r), st, t)) ready.push_back(&c);
    }
  }
  close(ep);
}

// ---------------------------------------------------------------------------------- io_uring
enum Op : std::uint64_t { kSend = 0, kRecv = 1 };
inline std::uint64_t ud(int conn, Op op) { return (static_cast<std::uint64_t>(conn) << 1) | op; }

struct Uring {
  io_uring ring{};
  const Options* o = nullptr;
  io_uring_buf_ring* br = nullptr;
  char* bufs = nullptr;
  unsigned br_mask = 0;
  unsigned br_added = 0;  // buffers returned to the ring but not yet published (advance)
  std::uint64_t enters = 0;

  io_uring_sqe* sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    if (!s) {  // full: flush
      io_uring_submit(&ring);
      ++enters;
      s = io_uring_get_sqe(&ring);
    }
    return s;
  }
  void fd_flags(io_uring_sqe* s) {
    if (o->fixed_files) s->flags |= IOSQE_FIXED_FILE;
  }
  int fd_of(const Conn& c) const { return o->fixed_files ? c.index : c.fd; }

  void queue_send(Conn& c, std::int64_t now) {
    c.sent_ns = now;
    c.parser.reset();
    c.in_flight = true;
    io_uring_sqe* s = sqe();
    io_uring_prep_send(s, fd_of(c), kRequest, kRequestLen, MSG_NOSIGNAL);
    fd_flags(s);
    if (o->skip_send_cqe) s->flags |= IOSQE_CQE_SKIP_SUCCESS;
    if (o->link && o->mode == "recv") s->flags |= IOSQE_IO_LINK;
    io_uring_sqe_set_data64(s, ud(c.index, kSend));
  }
  void queue_recv(Conn& c) {
    io_uring_sqe* s = sqe();
    io_uring_prep_recv(s, fd_of(c), c.buf, o->buf_size, 0);
    if (o->poll_first) s->ioprio |= IORING_RECVSEND_POLL_FIRST;
    fd_flags(s);
    io_uring_sqe_set_data64(s, ud(c.index, kRecv));
  }
  void queue_mshot(Conn& c) {
    io_uring_sqe* s = sqe();
    io_uring_prep_recv_multishot(s, fd_of(c), nullptr, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = 0;
    fd_flags(s);
    io_uring_sqe_set_data64(s, ud(c.index, kRecv));
  }
  void setup_buf_ring() {
    std::size_t ring_bytes = o->buf_entries * sizeof(io_uring_buf);
    void* mem = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) { perror("mmap"); exit(1); }
    br = static_cast<io_uring_buf_ring*>(mem);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(mem);
    reg.ring_entries = o->buf_entries;
    reg.bgid = 0;
    int rc = io_uring_register_buf_ring(&ring, &reg, 0);
    if (rc != 0) { fprintf(stderr, "register_buf_ring: %s\n", strerror(-rc)); exit(1); }
    io_uring_buf_ring_init(br);
    br_mask = io_uring_buf_ring_mask(o->buf_entries);
    bufs = static_cast<char*>(aligned_alloc(4096, static_cast<std::size_t>(o->buf_entries) * o->buf_size));
    for (unsigned i = 0; i < o->buf_entries; ++i)
      io_uring_buf_ring_add(br, bufs + static_cast<std::size_t>(i) * o->buf_size, o->buf_size,
                            static_cast<unsigned short>(i), br_mask, static_cast<int>(i));
    io_uring_buf_ring_advance(br, static_cast<int>(o->buf_entries));
  }
  void return_buf(unsigned short bid) {
    io_uring_buf_ring_add(br, bufs + static_cast<std::size_t>(bid) * o->buf_size, o->buf_size, bid, br_mask,
                          static_cast<int>(br_added));
    ++br_added;
  }
  void publish_bufs() {
    if (br_added) {
      io_uring_buf_ring_advance(br, static_cast<int>(br_added));
      br_added = 0;
    }
  }
};

void run_uring(const Options& o, std::vector<Conn>& conns, Stats& st, std::int64_t end_ns) {
  Uring u;
  u.o = &o;
  io_uring_params p{};
  p.flags = IORING_SETUP_CQSIZE;
  p.cq_entries = 4096;
  if (o.setup == "coop") p.flags |= IORING_SETUP_COOP_TASKRUN;
  else if (o.setup == "coopflag") p.flags |= IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  else if (o.setup == "single") p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
  else if (o.setup == "defer") p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  else if (o.setup != "none") { fprintf(stderr, "bad -S\n"); exit(2); }
  if (o.sqpoll_cpu >= 0) {
    p.flags |= IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
    p.sq_thread_cpu = static_cast<unsigned>(o.sqpoll_cpu);
    p.sq_thread_idle = 1000;  // ms
  }
  int rc = io_uring_queue_init_params(1024, &u.ring, &p);
  if (rc != 0) { fprintf(stderr, "io_uring_queue_init_params(flags=%#x): %s\n", p.flags, strerror(-rc)); exit(1); }
  if (o.main_cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(o.main_cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); exit(1); }
  }
  if (o.register_ring_fd) {
    rc = io_uring_register_ring_fd(&u.ring);
    if (rc != 1) { fprintf(stderr, "register_ring_fd: %d\n", rc); exit(1); }
  }
  if (o.fixed_files) {
    std::vector<int> fds;
    for (auto& c : conns) fds.push_back(c.fd);
    rc = io_uring_register_files(&u.ring, fds.data(), static_cast<unsigned>(fds.size()));
    if (rc != 0) { fprintf(stderr, "register_files: %s\n", strerror(-rc)); exit(1); }
  }
  bool mshot = o.mode == "mshot";
  if (mshot) {
    u.setup_buf_ring();
    for (auto& c : conns) u.queue_mshot(c);
  } else {
    for (auto& c : conns) c.buf = static_cast<char*>(aligned_alloc(64, o.buf_size));
  }
  std::int64_t now = now_ns();
  for (auto& c : conns) {
    u.queue_send(c, now);
    if (!mshot) u.queue_recv(c);
  }
  std::vector<Conn*> ready;
  ready.reserve(conns.size());
  while (true) {
    io_uring_submit_and_wait(&u.ring, 1);
    ++u.enters;
    ++st.loops;
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&u.ring, head, cqe) {
      ++seen;
      std::uint64_t d = cqe->user_data;
      Conn& c = conns[d >> 1];
      int res = cqe->res;
      if ((d & 1) == kSend) {
        if (res != static_cast<int>(kRequestLen)) { fprintf(stderr, "send: %d\n", res); exit(1); }
        continue;
      }
      if (mshot) {
        if (res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
          unsigned short bid = static_cast<unsigned short>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
          std::int64_t t;
          if (on_bytes(c, u.bufs + static_cast<std::size_t>(bid) * o.buf_size, static_cast<std::size_t>(res), st, t))
            ready.push_back(&c);
          u.return_buf(bid);
        } else if (res != -ENOBUFS) {
          fprintf(stderr, "recv multishot: %d %s\n", res, strerror(-res));
          exit(1);
        }
        if (!(cqe->flags & IORING_CQE_F_MORE)) u.queue_mshot(c);  // terminated (e.g. ENOBUFS): re-arm
      } else {
        if (res <= 0) { fprintf(stderr, "recv: %d %s\n", res, strerror(-res)); exit(1); }
        std::int64_t t;
        if (on_bytes(c, c.buf, static_cast<std::size_t>(res), st, t)) ready.push_back(&c);
        else u.queue_recv(c);
      }
    }
    io_uring_cq_advance(&u.ring, seen);
    st.cqes += seen;
    if (mshot) u.publish_bufs();
    now = now_ns();
    if (now >= end_ns) break;
    for (Conn* c : ready) {
      u.queue_send(*c, now);
      if (!mshot) u.queue_recv(*c);
    }
    ready.clear();
  }
  fprintf(stderr, "io_uring_submit_and_wait calls: %llu (%.3f per request), CQEs %llu (%.3f per request)\n",
          static_cast<unsigned long long>(u.enters), static_cast<double>(u.enters) / st.requests,
          static_cast<unsigned long long>(st.cqes), static_cast<double>(st.cqes) / st.requests);
  // Exit without draining: the process exit tears the ring and sockets down.
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  int opt;
  while ((opt = getopt(argc, argv, "p:c:d:m:FS:KPRQ:A:B:b:L")) != -1) {
    switch (opt) {
      case 'p': o.port = atoi(optarg); break;
      case 'c': o.conns = atoi(optarg); break;
      case 'd': o.duration_s = atof(optarg); break;
      case 'm': o.mode = optarg; break;
      case 'F': o.fixed_files = true; break;
      case 'S': o.setup = optarg; break;
      case 'K': o.skip_send_cqe = true; break;
      case 'P': o.poll_first = true; break;
      case 'R': o.register_ring_fd = true; break;
      case 'Q': o.sqpoll_cpu = atoi(optarg); break;
      case 'A': o.main_cpu = atoi(optarg); break;
      case 'B': o.buf_entries = static_cast<unsigned>(atoi(optarg)); break;
      case 'b': o.buf_size = static_cast<unsigned>(atoi(optarg)); break;
      case 'L': o.link = true; break;
      default: fprintf(stderr, "usage: see source\n"); return 2;
    }
  }
  if (o.port == 0) { fprintf(stderr, "-p PORT required\n"); return 2; }
  std::vector<Conn> conns(static_cast<std::size_t>(o.conns));
  bool epoll_mode = o.mode == "epoll";
  for (int i = 0; i < o.conns; ++i) {
    conns[i].index = i;
    conns[i].fd = connect_one(o.port, epoll_mode);
  }
  Stats st;
  std::int64_t start = now_ns();
  std::int64_t end = start + static_cast<std::int64_t>(o.duration_s * 1e9);
  rusage ru0{}, ru1{};
  getrusage(RUSAGE_SELF, &ru0);
  if (epoll_mode) run_epoll(o, conns, st, end);
  else if (o.mode == "recv" || o.mode == "mshot") run_uring(o, conns, st, end);
  else { fprintf(stderr, "bad mode\n"); return 2; }
  std::int64_t stop = now_ns();
  getrusage(RUSAGE_SELF, &ru1);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  double user = secs(ru1.ru_utime) - secs(ru0.ru_utime), sys = secs(ru1.ru_stime) - secs(ru0.ru_stime);
  double el = static_cast<double>(stop - start) / 1e9;
  printf("requests %llu\n", static_cast<unsigned long long>(st.requests));
  printf("rps %.0f\n", static_cast<double>(st.requests) / el);
  printf("p50_us %.1f p99_us %.1f\n", st.latency.value_at_percentile(50) / 1e3, st.latency.value_at_percentile(99) / 1e3);
  printf("loop_cpu_us_per_req %.3f (user %.2fs sys %.2fs) loops %llu (%.2f req/loop) errors %llu\n",
         (user + sys) * 1e6 / static_cast<double>(st.requests), user, sys,
         static_cast<unsigned long long>(st.loops), static_cast<double>(st.requests) / st.loops,
         static_cast<unsigned long long>(st.errors));
  fflush(stdout);
  _exit(0);
}
