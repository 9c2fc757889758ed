// perfgate tracker: the small library an application links to record its own operations as
// one JSON line each, in the format `perfgate report` reads (see docs/tracker.md).
//
//   #include <perfgate/tracker.hpp>
//
//   perfgate::Tracker tracker("perf-metrics.jsonl");
//   tracker.record("agent_register", 45.0, true, {{"agents", 5}, {"region", "eu"}});
//   auto id = tracker.time("db_query", [&] { return db.query(sql); });
//   {
//     auto t = tracker.scope("webhook_delivery", {{"attempt", 1}});
//     if (!deliver()) t.fail("callback returned 503");
//   }
//
// record() copies the record's fields into a slot of a bounded queue; a background thread
// formats the lines and appends them whole to the file. The caller never waits for the disk and
// never sees an exception from I/O: a full queue or a failing disk drops records and counts them.
// Safe to use from many threads; several processes may append to the same file.
// Needs C++17; link with -lperfgate_tracker -pthread (or CMake's perfgate::tracker).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace perfgate {

// One context value: a string, an integer, a floating-point number or a bool. Converts
// implicitly from all of them, so contexts read as `{{"agents", 5}, {"region", "eu"}}`.
// A char is a one-character string; an enum is its underlying integer.
// A string value refers to the caller's characters until the Context copies them: use
// ContextValue only as an argument, as Context and ScopeTimer::context() take it, never store it.
class ContextValue {
 public:
  enum class Kind : unsigned char { kString, kChar, kSigned, kUnsigned, kDouble, kBool };

  ContextValue(std::string_view value) noexcept : kind_(Kind::kString), text_(value) {}
  ContextValue(const std::string& value) noexcept : kind_(Kind::kString), text_(value) {}
  ContextValue(const char* value) noexcept : kind_(Kind::kString), text_(value != nullptr ? value : "") {}
  ContextValue(char* value) noexcept : ContextValue(static_cast<const char*>(value)) {}
  ContextValue(char value) noexcept : kind_(Kind::kChar) { scalar_.c = value; }
  ContextValue(bool value) noexcept : kind_(Kind::kBool) { scalar_.b = value; }
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                          !std::is_same_v<T, char>,
                                      int> = 0>
  ContextValue(T value) noexcept {
    if constexpr (std::is_signed_v<T>) {
      kind_ = Kind::kSigned;
      scalar_.i = static_cast<std::int64_t>(value);
    } else {
      kind_ = Kind::kUnsigned;
      scalar_.u = static_cast<std::uint64_t>(value);
    }
  }
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  ContextValue(T value) noexcept : kind_(Kind::kDouble) {
    scalar_.d = static_cast<double>(value);
  }
  template <class T, std::enable_if_t<std::is_enum_v<T>, int> = 0>
  ContextValue(T value) noexcept : ContextValue(static_cast<std::underlying_type_t<T>>(value)) {}
  // Any other pointer would silently become a bool.
  template <class T>
  ContextValue(T* value) = delete;

  Kind kind() const noexcept { return kind_; }
  std::string_view text() const noexcept { return kind_ == Kind::kChar ? std::string_view(&scalar_.c, 1) : text_; }
  std::int64_t signed_value() const noexcept { return scalar_.i; }
  std::uint64_t unsigned_value() const noexcept { return scalar_.u; }
  double double_value() const noexcept { return scalar_.d; }
  bool bool_value() const noexcept { return scalar_.b; }

 private:
  Kind kind_ = Kind::kSigned;
  union {
    std::int64_t i;
    std::uint64_t u;
    double d;
    bool b;
    char c;
  } scalar_{};
  std::string_view text_;
};

// The context of one operation: keys in the order they were first set, each with one value.
// It is kept as the JSON text the lines will carry: a context built once and passed to many
// record() calls is formatted once.
//
//   perfgate::Context ctx{{"agents", 5}, {"region", "eu"}};
//   ctx.set("retry", true);        // {"agents":5,"region":"eu","retry":true}
//   ctx.set("agents", 6);          // replaces the value, keeps the position
class Context {
 public:
  struct Entry {
    std::string_view key;
    ContextValue value;
  };

  Context() noexcept = default;
  Context(std::initializer_list<Entry> entries);
  Context(const Context& other);
  Context(Context&& other) noexcept;
  Context& operator=(const Context& other);
  Context& operator=(Context&& other) noexcept;
  ~Context() = default;

  // Sets `key` to `value`: appended when new, replaced in place otherwise.
  Context& set(std::string_view key, ContextValue value);

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  // The JSON object, e.g. {"agents":5,"region":"eu"}.
  std::string to_json() const {
    std::string json;  // appended rather than "{" + … + "}", which g++ 12 -O3 wrongly flags (-Wrestrict)
    json.reserve(length_ + 2);
    return json.append(1, '{').append(members()).append(1, '}');
  }

 private:
  friend class Tracker;
  // "agents":5,"region":"eu": escaped, without the braces. Kept inline up to kInlineBytes, so
  // that the usual context built at a call site costs no allocation.
  std::string_view members() const noexcept { return {heap_ ? heap_.get() : inline_, length_}; }
  void reserve(std::size_t capacity);
  void append(std::string_view text);
  void replace(std::size_t pos, std::size_t count, std::string_view text);

  static constexpr std::size_t kInlineBytes = 96;
  std::size_t size_ = 0;    // entries
  std::size_t length_ = 0;  // bytes of members()
  std::size_t capacity_ = kInlineBytes;
  std::unique_ptr<char[]> heap_;
  char inline_[kInlineBytes];
};

struct TrackerOptions {
  // Written into every line; empty means a generated "ses_" + 12 hex characters.
  std::string session_id;
  // How often the writer thread appends what was recorded (it also wakes when the queue is
  // half full, and on flush()). At least 1 ms.
  std::chrono::milliseconds flush_interval{200};
  // Records the queue holds (rounded up to a power of two); past that, records are dropped
  // and counted in dropped(). A slot is 256 bytes, allocated with the Tracker.
  std::size_t queue_capacity = 65536;
  // The wall clock for timestamps, called by record() itself; empty means the wall clock as
  // docs/tracker.md "Timestamps" says (the cycle counter where it is constant). For tests.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class Tracker;

// Times a scope and records it when destroyed: successful unless fail() was called, or the
// scope is left by an exception (then the error is "scope exited by an exception").
//
//   {
//     auto t = tracker.scope("agent_register", {{"agents", 5}});
//     t.context("region", region);
//     if (!ok) t.fail("registry refused the agent");
//   }  // recorded here
class ScopeTimer {
 public:
  ScopeTimer(ScopeTimer&& other) noexcept;
  ScopeTimer(const ScopeTimer&) = delete;
  ScopeTimer& operator=(const ScopeTimer&) = delete;
  ScopeTimer& operator=(ScopeTimer&&) = delete;
  ~ScopeTimer();

  // Marks the operation failed with this error message (the last call wins).
  void fail(std::string_view message);
  // Adds (or replaces) one context entry.
  ScopeTimer& context(std::string_view key, ContextValue value);

 private:
  friend class Tracker;
  ScopeTimer(Tracker& tracker, std::string_view operation, Context context);

  Tracker* tracker_;  // null once moved from
  std::string operation_;
  Context context_;
  std::chrono::steady_clock::time_point start_;
  std::optional<std::string> error_;
  int uncaught_exceptions_;
};

class Tracker {
 public:
  // Appends to `path` (created 0644 if missing). The file is opened by the writer thread, so
  // a path that cannot be opened shows up in write_errors(), never as an exception.
  explicit Tracker(std::string path, TrackerOptions options = {});
  // Writes everything recorded (like flush()) and stops the writer thread.
  ~Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  // Records one operation. Never blocks on I/O and never throws; when the queue is full the
  // record is dropped and counted.
  //
  //   tracker.record("agent_register", 45.2, true, {{"agents", 5}});
  //   tracker.record("callback", 812, false, {}, "timeout after 800 ms");
  void record(std::string_view operation, double duration_ms, bool success, const Context& context = {},
              std::optional<std::string_view> error = {}) noexcept;
  // The same with the context written in the call: its entries are copied as they are, without
  // building a Context, and formatted by the writer thread (a repeated key keeps its first place
  // and takes its last value, as Context::set() does).
  void record(std::string_view operation, double duration_ms, bool success,
              std::initializer_list<Context::Entry> context, std::optional<std::string_view> error = {}) noexcept;

  // Calls fn(), records how long it took, and returns what it returned. An exception is recorded
  // (success false, its what() as the error, or "unknown exception") and rethrown.
  //
  //   int rows = tracker.time("db_query", [&] { return db.execute(sql); }, {{"table", "jobs"}});
  template <class F>
  decltype(auto) time(std::string_view operation, F&& fn, const Context& context = {}) {
    const auto start = std::chrono::steady_clock::now();
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      try {
        std::invoke(std::forward<F>(fn));
      } catch (...) {
        record_current_exception(operation, start, context);
        throw;
      }
      record(operation, elapsed_ms(start), true, context);
    } else {
      // Only fn's own exceptions are caught: the result is in place before the record is made.
      decltype(auto) result = [&]() -> decltype(auto) {
        try {
          return std::invoke(std::forward<F>(fn));
        } catch (...) {
          record_current_exception(operation, start, context);
          throw;
        }
      }();
      record(operation, elapsed_ms(start), true, context);
      if constexpr (std::is_rvalue_reference_v<decltype(result)>) {
        return std::move(result);
      } else {
        return result;
      }
    }
  }

  // A timer recorded when it goes out of scope; see ScopeTimer.
  ScopeTimer scope(std::string_view operation, Context context = {});

  // Blocks until every record made before the call is written (or has failed to be).
  void flush() noexcept;

  // Records lost: queue full, write failed, or recorded from a forked child (which should make
  // its own Tracker).
  std::uint64_t dropped() const noexcept;
  // Failed opens and writes of the file.
  std::uint64_t write_errors() const noexcept;
  const std::string& session_id() const noexcept;
  const std::string& path() const noexcept;

 private:
  static double elapsed_ms(std::chrono::steady_clock::time_point start) noexcept {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }

  // Called inside a catch handler: records the exception being handled as a failure.
  void record_current_exception(std::string_view operation, std::chrono::steady_clock::time_point start,
                                const Context& context) noexcept;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace perfgate
