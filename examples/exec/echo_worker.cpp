// A perfgate exec worker in C++: answers every operation at once ("ID<TAB>ok"), so what
// perfgate measures with it is the protocol's own cost (bench/exec-echo.sh). It reads whatever
// arrived and answers all of it with one write, as a fast worker should.
//
//   perfgate exec --workers 2 --in-flight 64 --rate 50000 -d 10s -- build/exec-echo-worker
//
// With an argument, each operation whose payload is "fail" is answered
// "ID<TAB>error<TAB>asked to fail", to show the error form.
#include <unistd.h>

#include <cstring>
#include <string>

namespace {

bool write_all(const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(STDOUT_FILENO, data, size);
    if (n < 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main() {
  if (!write_all("ready\n", 6)) return 1;
  std::string pending;  // a line cut across reads waits here for its end
  std::string answers;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n <= 0) return 0;  // perfgate closed our stdin: the run is over
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
      std::string_view line(pending.data() + start, end - start);
      std::string_view id = line.substr(0, line.find('\t'));
      std::string_view payload = id.size() < line.size() ? line.substr(id.size() + 1) : std::string_view();
      answers.append(id);
      answers.append(payload == "fail" ? "\terror\tasked to fail\n" : "\tok\n");
    }
    pending.erase(0, start);
    if (!write_all(answers.data(), answers.size())) return 1;
    answers.clear();
  }
}
