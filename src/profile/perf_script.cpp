// perf script text folded into stacks; see perf_script.hpp.
#include "profile/perf_script.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace perfgate::profile {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool is_hex(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "sym+0x1e" -> "sym".
std::string_view strip_offset(std::string_view symbol) {
  std::size_t plus = symbol.rfind("+0x");
  if (plus != std::string_view::npos && plus > 0 && is_hex(symbol.substr(plus + 3))) return symbol.substr(0, plus);
  return symbol;
}

// "ns::f(int, char const*) const" -> "ns::f": the trailing parameter list (and its qualifiers)
// dropped, so one function is one frame whatever the demangler printed. Parentheses inside the
// name stay: "(anonymous namespace)::g", "std::function<void (int)>::operator()".
std::string strip_parameters(std::string name) {
  for (std::string_view qualifier : {" const", " volatile", " &&", " &", " noexcept"}) {
    while (name.size() > qualifier.size() && std::string_view(name).ends_with(qualifier) &&
           name[name.size() - qualifier.size() - 1] == ')') {
      name.resize(name.size() - qualifier.size());
    }
  }
  if (name.empty() || name.back() != ')') return name;
  int depth = 0;
  for (std::size_t i = name.size(); i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) {
      std::string_view before(name.data(), i);
      // "Foo::operator()" as perf prints it: the parentheses are the name, not parameters.
      if (before.ends_with("operator") || i == 0) return name;
      name.resize(i);
      return name;
    }
  }
  return name;
}

}  // namespace

std::string demangle(std::string_view symbol) {
  if (!symbol.starts_with("_Z")) return std::string(symbol);
  std::string mangled(symbol);
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> text(abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status),
                                              std::free);
  if (status != 0 || !text) return mangled;
  return std::string(text.get());
}

std::string frame_name(std::string_view symbol, std::string_view dso) {
  std::string name;
  symbol = strip_offset(trim(symbol));
  if (symbol == "[unknown]" || symbol.empty()) {
    if (dso.empty() || dso == "[unknown]") {
      name = "[unknown]";
    } else {
      std::size_t slash = dso.rfind('/');
      name = "[" + std::string(slash == std::string_view::npos ? dso : dso.substr(slash + 1)) + "]";
      if (name.starts_with("[[")) name = std::string(dso);  // "[kernel.kallsyms]" as it is
    }
  } else {
    name = strip_parameters(demangle(symbol));
  }
  std::string clean;
  clean.reserve(name.size());
  for (char c : name) {
    if (c == ';') {
      clean += ':';
    } else if (c != '"' && c != '\'' && c != '\n' && c != '\r') {
      clean += c;
    }
  }
  return clean;
}

void PerfScriptFolder::add_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.starts_with('#')) return;
  if (trim(line).empty()) {
    end_sample();
    return;
  }
  if (!is_space(line.front())) {
    // A header: "COMM PID[/TID] [CPU] TIME: PERIOD EVENT:". The command name may hold spaces
    // ("V8 WorkerThread"), so it ends before the first field that is a pid: digits, or
    // digits/digits.
    end_sample();
    std::size_t pos = 0;
    std::size_t comm_end = std::string_view::npos;
    while (pos < line.size()) {
      std::size_t start = line.find_first_not_of(' ', pos);
      if (start == std::string_view::npos) break;
      std::size_t stop = line.find(' ', start);
      std::string_view field = line.substr(start, stop == std::string_view::npos ? std::string_view::npos : stop - start);
      std::size_t slash = field.find('/');
      bool pid = slash == std::string_view::npos ? is_digits(field)
                                                 : is_digits(field.substr(0, slash)) && is_digits(field.substr(slash + 1));
      if (pid && start > 0) {
        comm_end = start;
        break;
      }
      if (stop == std::string_view::npos) break;
      pos = stop;
    }
    if (comm_end == std::string_view::npos) {
      ++unrecognised_;
      return;
    }
    // The event is the field before the last ':' ("cpu-clock:pppH:" keeps its modifiers).
    std::string_view rest = trim(line.substr(comm_end));
    std::string event;
    if (rest.ends_with(':')) {
      std::string_view body = rest.substr(0, rest.size() - 1);
      std::size_t space = body.rfind(' ');
      event = std::string(space == std::string_view::npos ? body : body.substr(space + 1));
    }
    if (event_.empty()) event_ = event;
    if (!event.empty() && event != event_) return;  // another event's sample: skipped with its frames
    process_ = std::string(trim(line.substr(0, comm_end)));
    for (char& c : process_) {
      if (c == ' ') c = '_';
      if (c == ';') c = ':';
    }
    in_sample_ = true;
    return;
  }
  if (!in_sample_) return;  // a frame of a skipped sample
  // A frame: "ADDRESS SYMBOL[+0xOFF] (DSO)". The symbol may hold spaces and parentheses, the
  // DSO is the last parenthesised part.
  std::string_view frame = trim(line);
  std::size_t space = frame.find(' ');
  if (space == std::string_view::npos || !is_hex(frame.substr(0, space))) {
    ++unrecognised_;
    return;
  }
  std::string_view rest = trim(frame.substr(space + 1));
  std::string_view dso;
  if (rest.ends_with(')')) {
    std::size_t open = rest.rfind(" (");
    if (open != std::string_view::npos) {
      dso = rest.substr(open + 2, rest.size() - open - 3);
      rest = trim(rest.substr(0, open));
    } else if (rest.starts_with('(')) {
      dso = rest.substr(1, rest.size() - 2);
      rest = {};
    }
  }
  frames_.push_back(frame_name(rest, dso));
}

void PerfScriptFolder::end_sample() {
  if (in_sample_) {
    std::string stack = process_.empty() ? std::string("[unknown]") : process_;
    for (auto frame = frames_.rbegin(); frame != frames_.rend(); ++frame) {
      stack += ';';
      stack += *frame;
    }
    stacks_.add(stack, 1);
  }
  in_sample_ = false;
  process_.clear();
  frames_.clear();
}

FoldedStacks PerfScriptFolder::finish() {
  end_sample();
  return std::move(stacks_);
}

FoldedStacks fold_perf_script(std::string_view text) {
  PerfScriptFolder folder;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    folder.add_line(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return folder.finish();
}

}  // namespace perfgate::profile
