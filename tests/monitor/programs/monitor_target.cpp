// A program with a known resource pattern, for the tests of `perfgate monitor`:
//   monitor_target MODE SECONDS
// steady     20 MB touched at the start, then a little CPU and nothing more
// leak       grows by 4 MB/s of touched pages (the pages are never freed)
// sawtooth   grows by 24 MB over 2 s, frees it all, again and again
// plateau    grows by 40 MB in its first 0.4 s, then stays
// threads    starts a sleeping thread every 200 ms
// fds        opens /dev/null every 100 ms and never closes it
// tree       one child after another, each burning 150 ms of CPU and exiting 50 ms apart;
//            prints the CPU of the reaped children ("children_cpu_s X") at the end
// Everything exits by itself after SECONDS; memory is mmap'ed and touched so that it is resident
// at once and returns to the system when unmapped.
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr std::size_t kMB = 1024 * 1024;

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

void* touched(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("mmap");
    std::exit(3);
  }
  std::memset(p, 0x5a, bytes);
  return p;
}

void burn_cpu_ms(long ms) {
  timespec start{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
  volatile unsigned spin = 0;
  for (;;) {
    for (int i = 0; i < 10000; ++i) spin = spin + 1;
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1'000'000 >= ms) return;
  }
}

void* sleeper(void*) {
  for (;;) pause();
  return nullptr;
}

int run(const char* mode, double seconds) {
  const double start = now_s();
  auto running = [&] { return now_s() - start < seconds; };
  if (std::strcmp(mode, "steady") == 0) {
    touched(20 * kMB);
    while (running()) {
      burn_cpu_ms(5);
      sleep_ms(50);
    }
  } else if (std::strcmp(mode, "leak") == 0) {
    while (running()) {
      touched(kMB / 5);  // 0.2 MB every 50 ms: 4 MB/s
      sleep_ms(50);
    }
  } else if (std::strcmp(mode, "sawtooth") == 0) {
    while (running()) {
      std::vector<void*> blocks;
      for (int i = 0; i < 24 && running(); ++i) {
        blocks.push_back(touched(kMB));
        sleep_ms(2000 / 24);
      }
      for (void* b : blocks) munmap(b, kMB);
    }
  } else if (std::strcmp(mode, "plateau") == 0) {
    for (int i = 0; i < 10; ++i) {
      touched(4 * kMB);
      sleep_ms(40);
    }
    while (running()) {
      burn_cpu_ms(2);
      sleep_ms(50);
    }
  } else if (std::strcmp(mode, "threads") == 0) {
    while (running()) {
      pthread_t thread;
      pthread_attr_t attributes;
      pthread_attr_init(&attributes);
      pthread_attr_setstacksize(&attributes, 64 * 1024);
      if (pthread_create(&thread, &attributes, sleeper, nullptr) == 0) pthread_detach(thread);
      pthread_attr_destroy(&attributes);
      sleep_ms(200);
    }
  } else if (std::strcmp(mode, "fds") == 0) {
    while (running()) {
      if (open("/dev/null", O_RDONLY) < 0) return 3;
      sleep_ms(100);
    }
  } else if (std::strcmp(mode, "tree") == 0) {
    while (running()) {
      const pid_t child = fork();
      if (child == 0) {
        burn_cpu_ms(150);
        _exit(0);
      }
      int status = 0;
      if (child > 0) waitpid(child, &status, 0);
      sleep_ms(50);
    }
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    std::printf("children_cpu_s %.3f\n",
                static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
  } else {
    std::fprintf(stderr, "monitor_target: unknown mode '%s'\n", mode);
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: monitor_target steady|leak|sawtooth|plateau|threads|fds|tree SECONDS\n");
    return 2;
  }
  return run(argv[1], std::atof(argv[2]));
}
