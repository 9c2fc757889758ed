// Test support: run the real perfgate binary (or any program) and capture what it
// printed; start a background server in its own process group and end exactly it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace perfgate::testing {

struct ProcessOutput {
  int exit_code = -1;       // the exit status, or 128 + signal
  std::string out;          // stdout
  std::string err;          // stderr
};

// Path of the perfgate binary under test.
std::string perfgate_binary();

// Runs argv (argv[0] is looked up in PATH unless it contains '/'), waits for it to end
// (killing its process group after `limit`), and returns its output.
ProcessOutput run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds limit = std::chrono::seconds(120));

// Runs `perfgate ARGS...`.
ProcessOutput run_perfgate(const std::vector<std::string>& args,
                           std::chrono::milliseconds limit = std::chrono::seconds(120));

// A background process in its own process group; the destructor ends that group
// (TERM, then KILL) and reaps it.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  pid_t pid() const { return pid_; }
  // Sends a signal to the process (not the group).
  void signal(int sig) const;
  // Waits for it to exit and returns its exit code (or 128 + signal), -1 on time-out.
  int wait(std::chrono::milliseconds limit);
  // What it printed so far (stdout and stderr go to temporary files).
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string out_path_;
  std::string err_path_;
};

// The process is gone or a zombie: dead, waiting for whoever its parent now is to reap it.
bool process_dead(pid_t pid);

// No process of the group is alive. Zombies do not count: once their parent is gone they wait
// for PID 1 to reap them, which in some containers takes a second or more.
bool process_group_dead(pid_t group);

// A free TCP port on 127.0.0.1 (bound then released; good enough for tests).
int free_port();

// Waits until something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(int port, std::chrono::milliseconds limit = std::chrono::seconds(10));

// Starts `perfgate serve --port P EXTRA...` and waits until it listens.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& extra_args = {});
  int port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  BackgroundProcess& process() { return *process_; }

 private:
  int port_;
  std::unique_ptr<BackgroundProcess> process_;
};

}  // namespace perfgate::testing
