// The tracker library (include/perfgate/tracker.hpp): JSON lines formatted on the caller's thread,
// a bounded lock-free queue of lines, and one writer thread per Tracker appending whole lines to
// the file. Depends on nothing but the standard library and POSIX: it is what users install.
//
// How it keeps its promises:
//  - The caller never waits for the disk: record() formats the line straight into a slot of a
//    bounded queue (Vyukov's ring, many producers, one consumer). Its only shared writes are a
//    compare-and-swap on the enqueue position and the slot; when the queue is half full it also
//    takes the writer's mutex for a notify, which the writer never holds across I/O.
//  - Whole lines: the writer appends batches of complete lines (at most kBatchBytes, ending at a
//    line boundary) with one write() on an O_APPEND descriptor. Linux appends such a write to a
//    regular file as one piece, so other threads' and processes' lines never land inside ours.
//  - Fork: a child inherits the Tracker object but not its writer thread. A pthread_atfork
//    handler bumps a generation, and the child's copy then drops records, returns from flush()
//    at once and, when destroyed, neither joins a thread nor touches a lock that may have been
//    held at the fork: it closes its descriptor and leaves the rest.
#include <perfgate/tracker.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <random>
#include <thread>

namespace perfgate {
namespace {

constexpr std::size_t kBatchBytes = std::size_t{1} << 20;  // far below what Linux appends whole
constexpr std::size_t kMaxQueueCapacity = std::size_t{1} << 30;
constexpr std::size_t kMinSlotBytes = 256;   // most lines fit: slots rarely need a bigger buffer
constexpr std::size_t kSlotKeepBytes = 4096;  // a slot gives back a buffer bigger than this
constexpr std::size_t kCacheLine = 64;
constexpr char kHex[] = "0123456789abcdef";

// ---- Fork detection -------------------------------------------------------------------------

std::atomic<std::uint64_t> g_fork_generation{0};
std::atomic<void*> g_orphans{nullptr};  // trackers abandoned in forked children: reachable, not leaked

extern "C" void on_fork_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

std::uint64_t current_fork_generation() {
  static const bool registered = pthread_atfork(nullptr, nullptr, &on_fork_child) == 0;
  (void)registered;
  return g_fork_generation.load(std::memory_order_relaxed);
}

// ---- JSON formatting ------------------------------------------------------------------------
// Writers take a pointer into a buffer the caller sized with line_bound() and return the end.

char* put(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

char* put_integer(char* out, std::int64_t value) { return std::to_chars(out, out + 24, value).ptr; }
char* put_integer(char* out, std::uint64_t value) { return std::to_chars(out, out + 24, value).ptr; }

char* put_padded(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// "2026-01-06T13:28:00" for a second since the epoch, UTC. gmtime_r would take glibc's timezone
// lock; this is H. Hinnant's days-to-civil arithmetic instead.
char* put_date_time(char* out, std::int64_t epoch_second) {
  constexpr std::int64_t kSecondsPerDay = 86'400;
  const std::int64_t days = epoch_second / kSecondsPerDay - (epoch_second % kSecondsPerDay < 0 ? 1 : 0);
  const auto second_of_day = static_cast<unsigned>(epoch_second - days * kSecondsPerDay);
  const std::int64_t z = days + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const auto doe = static_cast<unsigned>(z - era * 146'097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  out = year >= 0 && year <= 9999 ? put_padded(out, static_cast<unsigned>(year), 4) : put_integer(out, year);
  *out++ = '-';
  out = put_padded(out, month, 2);
  *out++ = '-';
  out = put_padded(out, day, 2);
  *out++ = 'T';
  out = put_padded(out, second_of_day / 3600, 2);
  *out++ = ':';
  out = put_padded(out, second_of_day / 60 % 60, 2);
  *out++ = ':';
  return put_padded(out, second_of_day % 60, 2);
}

// "2026-01-06T13:28:00.191Z": UTC, milliseconds. Each thread keeps the text of the last second it
// formatted, since records come many to a second.
char* put_timestamp(char* out, std::chrono::system_clock::time_point time) {
  struct Cache {
    std::int64_t second = std::numeric_limits<std::int64_t>::min();
    std::size_t length = 0;
    char text[32];
  };
  thread_local Cache cache;
  const std::int64_t ms = std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::int64_t second = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  if (second != cache.second) {
    cache.length = static_cast<std::size_t>(put_date_time(cache.text, second) - cache.text);
    cache.second = second;
  }
  // A fixed-size copy (the line's bound leaves room for it) is cheaper than a memcpy call.
  std::memcpy(out, cache.text, sizeof cache.text);
  out += cache.length;
  *out++ = '.';
  out = put_padded(out, static_cast<unsigned>(ms - second * 1000), 3);
  *out++ = 'Z';
  return out;
}

// duration_ms: 45, 45.5, 0.123 (at most three decimals, no trailing zeros); null when not finite.
char* put_duration_ms(char* out, double value) {
  if (!std::isfinite(value)) return put(out, "null");
  const double thousandths = value * 1000.0;
  if (std::fabs(thousandths) >= 0x1p52) return std::to_chars(out, out + 32, value).ptr;  // past 142 years
  // std::round (half away from zero) without the library call: below 2^52 the fraction is exact.
  auto n = static_cast<std::int64_t>(thousandths);
  const double fraction_left = thousandths - static_cast<double>(n);
  if (fraction_left >= 0.5) ++n;
  if (fraction_left <= -0.5) --n;
  if (n < 0) {
    *out++ = '-';
    n = -n;
  }
  out = put_integer(out, n / 1000);
  auto fraction = static_cast<unsigned>(n % 1000);
  if (fraction != 0) {
    int digits = 3;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --digits;
    }
    *out++ = '.';
    out = put_padded(out, fraction, digits);
  }
  return out;
}

// The length of the UTF-8 sequence starting at p if it is well formed (Unicode table 3-7: no
// overlong forms, no surrogates, nothing past U+10FFFF); otherwise minus the length of its
// maximal ill-formed prefix, which becomes one U+FFFD as Unicode recommends.
int utf8_sequence(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = *p;
  int length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return -1;
  }
  for (int i = 1; i < length; ++i) {
    if (p + i >= end || p[i] < low || p[i] > high) return -i;
    low = 0x80;
    high = 0xBF;
  }
  return length;
}

// A JSON string body: quotes, backslash and control characters escaped (short forms where JSON
// has them), valid UTF-8 passed through, invalid UTF-8 replaced by U+FFFD. At most 6 bytes out
// per byte in.
char* put_escaped(char* out, std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* const end = p + text.size();
  while (p < end) {
    // Byte by byte: the strings are mostly short names, where a memcpy call costs more.
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') *out++ = static_cast<char>(*p++);
    if (p == end) break;
    const unsigned char c = *p;
    if (c < 0x80) {
      *out++ = '\\';
      switch (c) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\b': *out++ = 'b'; break;
        case '\f': *out++ = 'f'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        default:
          out = put(out, "u00");
          *out++ = kHex[c >> 4];
          *out++ = kHex[c & 0xF];
      }
      ++p;
      continue;
    }
    const int length = utf8_sequence(p, end);
    if (length > 0) {
      std::memcpy(out, p, static_cast<std::size_t>(length));
      out += length;
      p += length;
    } else {
      out = put(out, "\xEF\xBF\xBD");
      p += -length;
    }
  }
  return out;
}

// At most the escaped length of `text`: 6 bytes for a byte JSON escapes as \u00XX, 3 for one
// that may become U+FFFD. Tight rather than 6 × size, so that queue slots stay small.
std::size_t escaped_bound(std::string_view text) {
  std::size_t extra = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    extra += c < 0x20 || c == '"' || c == '\\' ? 5 : (c >= 0x80 ? 2 : 0);
  }
  return text.size() + extra;
}

char* put_string(char* out, std::string_view text) {
  *out++ = '"';
  out = put_escaped(out, text);
  *out++ = '"';
  return out;
}

char* put_context_value(char* out, const ContextValue& value) {
  switch (value.kind()) {
    case ContextValue::Kind::kString:
    case ContextValue::Kind::kChar:
      return put_string(out, value.text());
    case ContextValue::Kind::kSigned:
      return put_integer(out, value.signed_value());
    case ContextValue::Kind::kUnsigned:
      return put_integer(out, value.unsigned_value());
    case ContextValue::Kind::kDouble:
      // Shortest form that reads back as the same double; JSON has no NaN or infinity.
      return std::isfinite(value.double_value()) ? std::to_chars(out, out + 32, value.double_value()).ptr
                                                 : put(out, "null");
    case ContextValue::Kind::kBool:
      return put(out, value.bool_value() ? "true" : "false");
  }
  return out;
}

// Room enough for `,"key":value` (quick rather than tight: it sizes a stack buffer).
std::size_t entry_bound(std::string_view key, const ContextValue& value) {
  return 36 + 6 * key.size() + 6 * value.text().size();
}

// Past the JSON string starting at `pos` (its opening quote), in text this file escaped.
std::size_t skip_string(std::string_view text, std::size_t pos) {
  ++pos;
  while (text[pos] != '"') pos += text[pos] == '\\' ? 2 : 1;
  return pos + 1;
}

// Keys are short: a loop beats a call to memcmp.
bool same_bytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Past the context value starting at `pos`: a string, or a number or literal running to the
// next comma.
std::size_t skip_value(std::string_view members, std::size_t pos) {
  if (members[pos] == '"') return skip_string(members, pos);
  while (pos < members.size() && members[pos] != ',') ++pos;
  return pos;
}

struct LineFields {
  std::chrono::system_clock::time_point timestamp;
  std::string_view operation;
  double duration_ms;
  bool success;
  std::string_view session_json;  // already quoted and escaped
  std::optional<std::string_view> error;
  std::string_view context_members;  // already JSON, without the braces
};

// An upper bound of the line's length: 104 bytes of keys and punctuation, at most 40 of
// timestamp and 32 of duration, and the strings.
std::size_t line_bound(const LineFields& f) {
  std::size_t bound = 176 + f.session_json.size() + escaped_bound(f.operation) + f.context_members.size();
  bound += f.error ? escaped_bound(*f.error) + 2 : 4;
  return bound;
}

// {"timestamp":"…","operation_type":"…","duration_ms":45,"success":true,"session_id":"…",
//  "error":null,"context":{…}} and a newline: this key order is the documented format.
char* put_line(char* out, const LineFields& f) {
  out = put(out, R"({"timestamp":")");
  out = put_timestamp(out, f.timestamp);
  out = put(out, R"(","operation_type":")");
  out = put_escaped(out, f.operation);
  out = put(out, R"(","duration_ms":)");
  out = put_duration_ms(out, f.duration_ms);
  out = put(out, f.success ? R"(,"success":true,"session_id":)" : R"(,"success":false,"session_id":)");
  out = put(out, f.session_json);
  out = put(out, R"(,"error":)");
  out = f.error ? put_string(out, *f.error) : put(out, "null");
  out = put(out, R"(,"context":{)");
  out = put(out, f.context_members);
  return put(out, "}}\n");
}

std::string format_line(const LineFields& fields) {
  std::string line(line_bound(fields), '\0');
  line.resize(static_cast<std::size_t>(put_line(line.data(), fields) - line.data()));
  return line;
}

std::string generate_session_id() {
  std::uint64_t bits = 0;
  try {
    std::random_device device;
    bits = (std::uint64_t{device()} << 32) ^ device();
  } catch (...) {
    // No entropy source: the clock, pid and an address below still make ids differ.
  }
  bits ^= static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  bits ^= static_cast<std::uint64_t>(getpid()) << 40;
  bits ^= reinterpret_cast<std::uintptr_t>(&bits);
  bits = (bits ^ (bits >> 30)) * 0xbf58476d1ce4e5b9ULL;  // splitmix64's finaliser spreads them
  bits = (bits ^ (bits >> 27)) * 0x94d049bb133111ebULL;
  bits ^= bits >> 31;
  std::string id = "ses_";
  for (int i = 0; i < 12; ++i) id += kHex[(bits >> (4 * i)) & 0xF];
  return id;
}

// ---- The queue ------------------------------------------------------------------------------

// Dmitry Vyukov's bounded queue: each slot's sequence says whose turn it is, so producers
// contend only on the enqueue position and the consumer needs no atomic read-modify-write.
// Producers format their line straight into the slot's buffer, which the slot keeps: a steady
// stream of records neither allocates nor copies the line twice.
class LineQueue {
 public:
  enum class Push { kQueued, kFull, kFailed };

  explicit LineQueue(std::size_t capacity) : capacity_(capacity), slots_(new Slot[capacity]) {
    for (std::size_t i = 0; i < capacity; ++i) slots_[i].sequence.store(i, std::memory_order_relaxed);
  }

  std::size_t capacity() const noexcept { return capacity_; }

  // Any thread: claims a slot, and calls write(buffer) -> end of the line, with room for `bound`
  // bytes; write must not throw. `position` is the record's place in the queue's history.
  template <class Write>
  Push push(std::size_t bound, const Write& write, std::uint64_t& position) noexcept {
    std::uint64_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    Slot* slot;
    for (;;) {
      slot = &slots_[pos & (capacity_ - 1)];
      const std::uint64_t sequence = slot->sequence.load(std::memory_order_acquire);
      const auto lag = static_cast<std::int64_t>(sequence - pos);
      if (lag == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (lag < 0) {
        return Push::kFull;
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
    Push result = Push::kQueued;
    slot->size = 0;  // the slot must be published whatever happens; the writer skips empty ones
    if (slot->capacity < bound) {
      const std::size_t size = std::max(kMinSlotBytes, (bound + 63) / 64 * 64);
      slot->data.reset(new (std::nothrow) char[size]);
      slot->capacity = slot->data ? size : 0;
    }
    if (slot->capacity >= bound) {
      slot->size = static_cast<std::size_t>(write(slot->data.get()) - slot->data.get());
    } else {
      result = Push::kFailed;
    }
    slot->sequence.store(pos + 1, std::memory_order_release);
    position = pos;
    return result;
  }

  // Positions handed out so far: every record pushed before this call is below it.
  std::uint64_t claimed() const noexcept { return enqueue_pos_.load(std::memory_order_acquire); }

  // The consumer thread only: the next published line (false when empty or still being
  // written), and pop() to give its slot back.
  bool front(std::string_view& line) const noexcept {
    const Slot& slot = slots_[dequeue_pos_ & (capacity_ - 1)];
    if (slot.sequence.load(std::memory_order_acquire) != dequeue_pos_ + 1) return false;
    line = std::string_view(slot.data.get(), slot.size);
    return true;
  }
  void pop() noexcept {
    Slot& slot = slots_[dequeue_pos_ & (capacity_ - 1)];
    if (slot.capacity > kSlotKeepBytes) {
      slot.data.reset();
      slot.capacity = 0;
    }
    slot.sequence.store(dequeue_pos_ + capacity_, std::memory_order_release);
    ++dequeue_pos_;
  }
  std::uint64_t consumed() const noexcept { return dequeue_pos_; }

 private:
  struct alignas(kCacheLine) Slot {
    std::atomic<std::uint64_t> sequence{0};
    std::size_t size = 0;
    std::size_t capacity = 0;
    std::unique_ptr<char[]> data;
  };

  const std::size_t capacity_;  // a power of two
  const std::unique_ptr<Slot[]> slots_;
  alignas(kCacheLine) std::atomic<std::uint64_t> enqueue_pos_{0};
  alignas(kCacheLine) std::uint64_t dequeue_pos_ = 0;
};

std::size_t queue_capacity(std::size_t requested) {
  std::size_t capacity = 2;
  while (capacity < requested && capacity < kMaxQueueCapacity) capacity *= 2;
  return capacity;
}

std::chrono::milliseconds clamp_interval(std::chrono::milliseconds interval) {
  return std::clamp<std::chrono::milliseconds>(interval, std::chrono::milliseconds(1), std::chrono::hours(24));
}

}  // namespace

// ---- The tracker ----------------------------------------------------------------------------

struct Tracker::Impl {
  Impl(std::string file_path, TrackerOptions tracker_options)
      : path(std::move(file_path)),
        options(std::move(tracker_options)),
        session_id(options.session_id.empty() ? generate_session_id() : options.session_id),
        queue(queue_capacity(options.queue_capacity)),
        wake_threshold(queue.capacity() / 2),
        interval(clamp_interval(options.flush_interval)),
        generation(current_fork_generation()) {
    std::string quoted(6 * session_id.size() + 2, '\0');
    quoted.resize(static_cast<std::size_t>(put_string(quoted.data(), session_id) - quoted.data()));
    session_json = std::move(quoted);
    batch.reserve(kBatchBytes + 4096);
  }

  bool in_forked_child() const noexcept {
    return generation != g_fork_generation.load(std::memory_order_relaxed);
  }

  std::chrono::system_clock::time_point now() const {
    return options.clock ? options.clock() : std::chrono::system_clock::now();
  }

  void start_writer() {
    // The writer blocks every signal: the application's handlers run on its own threads, and a
    // reader that went away (a FIFO) gives EPIPE instead of killing the process with SIGPIPE.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    writer_running = pthread_create(&writer, nullptr, &Impl::writer_main, this) == 0;
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }

  static void* writer_main(void* self) {
    static_cast<Impl*>(self)->run();
    return nullptr;
  }

  void wake_writer() noexcept {
    if (wake_requested.load(std::memory_order_relaxed) || wake_requested.exchange(true)) return;
    std::lock_guard<std::mutex> lock(mutex);
    wake.notify_one();
  }

  void run() {
    open_file();  // early, so a bad path shows in write_errors() before the first record
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      wake.wait_for(lock, interval, [&] {
        return stopping || flush_requests > flush_served || wake_requested.load(std::memory_order_relaxed);
      });
      const bool last = stopping;
      const std::uint64_t serving = flush_requests;
      lock.unlock();
      wake_requested.store(false, std::memory_order_relaxed);
      drain();
      lock.lock();
      flush_served = serving;
      written.notify_all();
      if (last) break;
    }
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // Writes every line queued before the call, in batches of whole lines.
  void drain() {
    const std::uint64_t target = queue.claimed();
    int waits = 0;
    bool more = true;
    while (more) {
      batch.clear();
      if (torn) batch += '\n';  // a failed write left half a line: ours must not continue it
      const std::uint64_t full = dropped_full.load(std::memory_order_relaxed);
      const bool report = full > reported_full;
      if (report) append_dropped_line(full - reported_full);
      const std::size_t records_start = batch.size();
      std::size_t lines = 0;
      more = false;
      for (;;) {
        std::string_view line;
        if (!queue.front(line)) {
          if (queue.consumed() >= target) break;
          // A producer claimed the slot and is copying its line; if it was preempted there, sleep
          // rather than spin against it.
          if (++waits < 64) {
            std::this_thread::yield();
          } else {
            std::this_thread::sleep_for(std::chrono::microseconds(50));
          }
          continue;
        }
        if (lines > 0 && batch.size() + line.size() > kBatchBytes) {
          more = true;
          break;
        }
        if (!line.empty()) {
          batch += line;
          ++lines;
        }
        queue.pop();
      }
      consumed_hint.store(queue.consumed(), std::memory_order_relaxed);
      if (lines > 0 || report) write_batch(records_start, report ? full : reported_full);
    }
  }

  void append_dropped_line(std::uint64_t count) {
    const Context context{{"dropped", count}};
    const std::string error = std::to_string(count) + " records dropped: queue full";
    batch += format_line({now(), "perfgate.tracker.dropped", 0, false, session_json, error, context.members()});
  }

  bool open_file() {
    do {
      fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) write_errors.fetch_add(1, std::memory_order_relaxed);
    return fd >= 0;
  }

  // One write() for the whole batch (looping only on a short write). On failure the lines not
  // completely written are counted as dropped, and the descriptor is reopened next time.
  void write_batch(std::size_t records_start, std::uint64_t full_after_report) {
    std::size_t done = 0;
    if (fd >= 0 || open_file()) {
      while (done < batch.size()) {
        const ssize_t n = ::write(fd, batch.data() + done, batch.size() - done);
        if (n > 0) {
          done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
          continue;
        } else {
          if (n < 0 && errno == EPIPE) discard_sigpipe();
          write_errors.fetch_add(1, std::memory_order_relaxed);
          ::close(fd);
          fd = -1;
          break;
        }
      }
    }
    if (done > 0) torn = batch[done - 1] != '\n';
    if (done >= records_start) reported_full = full_after_report;
    const auto lost = std::count(batch.begin() + static_cast<std::ptrdiff_t>(std::max(done, records_start)),
                                 batch.end(), '\n');
    if (lost > 0) dropped_other.fetch_add(static_cast<std::uint64_t>(lost), std::memory_order_relaxed);
  }

  static void discard_sigpipe() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    const timespec zero{};
    sigtimedwait(&pipe, nullptr, &zero);
  }

  const std::string path;
  const TrackerOptions options;
  const std::string session_id;
  std::string session_json;  // session_id quoted and escaped, as every line carries it
  LineQueue queue;
  const std::uint64_t wake_threshold;
  const std::chrono::milliseconds interval;
  const std::uint64_t generation;
  bool writer_running = false;
  pthread_t writer{};

  // Written by the writer once per batch, read by producers to see how full the queue is.
  alignas(kCacheLine) std::atomic<std::uint64_t> consumed_hint{0};
  alignas(kCacheLine) std::atomic<bool> wake_requested{false};
  std::atomic<std::uint64_t> dropped_full{0};   // queue full: reported in the file
  std::atomic<std::uint64_t> dropped_other{0};  // I/O failed, forked child, out of memory
  std::atomic<std::uint64_t> write_errors{0};

  std::mutex mutex;
  std::condition_variable wake;     // the writer sleeps here
  std::condition_variable written;  // flush() waits here
  bool stopping = false;
  std::uint64_t flush_requests = 0;
  std::uint64_t flush_served = 0;

  // The writer thread's own.
  alignas(kCacheLine) int fd = -1;
  bool torn = false;
  std::uint64_t reported_full = 0;
  std::string batch;
  void* next_orphan = nullptr;
};

Tracker::Tracker(std::string path, TrackerOptions options)
    : impl_(std::make_unique<Impl>(std::move(path), std::move(options))) {
  impl_->start_writer();
}

Tracker::~Tracker() {
  Impl* impl = impl_.get();
  if (impl->in_forked_child()) {
    // The writer thread is not in this process and the mutex may be held forever: keep the
    // object (reachable from g_orphans), close our copy of the descriptor, and go.
    if (impl->writer_running && impl->fd >= 0) ::close(impl->fd);
    impl->next_orphan = g_orphans.load();
    while (!g_orphans.compare_exchange_weak(impl->next_orphan, impl)) {
    }
    static_cast<void>(impl_.release());
    return;
  }
  if (!impl->writer_running) return;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    impl->stopping = true;
  }
  impl->wake.notify_one();
  pthread_join(impl->writer, nullptr);
}

void Tracker::record(std::string_view operation, double duration_ms, bool success, const Context& context,
                     std::optional<std::string_view> error) noexcept {
  Impl& impl = *impl_;
  if (!impl.writer_running || impl.in_forked_child()) {
    impl.dropped_other.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  try {
    const LineFields fields{impl.now(), operation, duration_ms, success, impl.session_json, error, context.members()};
    std::uint64_t position = 0;
    const auto write = [&fields](char* out) noexcept { return put_line(out, fields); };
    switch (impl.queue.push(line_bound(fields), write, position)) {
      case LineQueue::Push::kQueued:
        if (position + 1 - impl.consumed_hint.load(std::memory_order_relaxed) >= impl.wake_threshold) {
          impl.wake_writer();
        }
        break;
      case LineQueue::Push::kFull:
        impl.dropped_full.fetch_add(1, std::memory_order_relaxed);
        impl.wake_writer();
        break;
      case LineQueue::Push::kFailed:
        impl.dropped_other.fetch_add(1, std::memory_order_relaxed);
        break;
    }
  } catch (...) {
    // Out of memory, or the injected clock threw: the record is lost, the caller carries on.
    impl.dropped_other.fetch_add(1, std::memory_order_relaxed);
  }
}

void Tracker::record_current_exception(std::string_view operation, std::chrono::steady_clock::time_point start,
                                       const Context& context) noexcept {
  const double ms = elapsed_ms(start);
  try {
    throw;
  } catch (const std::exception& e) {
    record(operation, ms, false, context, std::string_view(e.what()));
  } catch (...) {
    record(operation, ms, false, context, std::string_view("unknown exception"));
  }
}

ScopeTimer Tracker::scope(std::string_view operation, Context context) {
  return ScopeTimer(*this, operation, std::move(context));
}

void Tracker::flush() noexcept {
  Impl& impl = *impl_;
  if (!impl.writer_running || impl.in_forked_child()) return;
  std::unique_lock<std::mutex> lock(impl.mutex);
  const std::uint64_t request = ++impl.flush_requests;
  impl.wake.notify_one();
  impl.written.wait(lock, [&] { return impl.flush_served >= request; });
}

std::uint64_t Tracker::dropped() const noexcept {
  return impl_->dropped_full.load(std::memory_order_relaxed) + impl_->dropped_other.load(std::memory_order_relaxed);
}

std::uint64_t Tracker::write_errors() const noexcept { return impl_->write_errors.load(std::memory_order_relaxed); }

const std::string& Tracker::session_id() const noexcept { return impl_->session_id; }

const std::string& Tracker::path() const noexcept { return impl_->path; }

// ---- The context ---------------------------------------------------------------------------

Context::Context(std::initializer_list<Entry> entries) {
  for (const Entry& entry : entries) set(entry.key, entry.value);
}

Context::Context(const Context& other) : size_(other.size_) { append(other.members()); }

Context::Context(Context&& other) noexcept
    : size_(other.size_), length_(other.length_), capacity_(other.capacity_), heap_(std::move(other.heap_)) {
  if (!heap_) std::memcpy(inline_, other.inline_, length_);
  other.size_ = 0;
  other.length_ = 0;
  other.capacity_ = kInlineBytes;
}

Context& Context::operator=(const Context& other) {
  if (this != &other) {
    size_ = 0;
    length_ = 0;
    append(other.members());
    size_ = other.size_;
  }
  return *this;
}

Context& Context::operator=(Context&& other) noexcept {
  if (this != &other) {
    size_ = other.size_;
    length_ = other.length_;
    capacity_ = other.capacity_;
    heap_ = std::move(other.heap_);
    if (!heap_) std::memcpy(inline_, other.inline_, length_);
    other.size_ = 0;
    other.length_ = 0;
    other.capacity_ = kInlineBytes;
  }
  return *this;
}

// Grows the buffer (changing nothing if that throws).
void Context::reserve(std::size_t capacity) {
  if (capacity <= capacity_) return;
  capacity = std::max(2 * capacity_, capacity);
  auto grown = std::make_unique<char[]>(capacity);
  std::memcpy(grown.get(), members().data(), length_);
  heap_ = std::move(grown);
  capacity_ = capacity;
}

void Context::append(std::string_view text) {
  reserve(length_ + text.size());
  std::memcpy((heap_ ? heap_.get() : inline_) + length_, text.data(), text.size());
  length_ += text.size();
}

void Context::replace(std::size_t pos, std::size_t count, std::string_view text) {
  const std::string_view old = members();
  std::string rebuilt;
  rebuilt.reserve(old.size() - count + text.size());
  rebuilt.append(old.substr(0, pos)).append(text).append(old.substr(pos + count));
  reserve(rebuilt.size());
  std::memcpy(heap_ ? heap_.get() : inline_, rebuilt.data(), rebuilt.size());
  length_ = rebuilt.size();
}

Context& Context::set(std::string_view key, ContextValue value) {
  // The entry is formatted on the stack when small (no zero-filled resize), then appended.
  char small[256];
  std::unique_ptr<char[]> large;
  const std::size_t bound = entry_bound(key, value);
  if (bound > sizeof small) large.reset(new char[bound]);
  char* const begin = (large ? large.get() : small) + 1;
  begin[-1] = ',';
  char* out = put_string(begin, key);
  const std::string_view quoted_key(begin, static_cast<std::size_t>(out - begin));
  *out++ = ':';
  out = put_context_value(out, value);
  const std::string_view entry(begin, static_cast<std::size_t>(out - begin));
  // A key set before keeps its place and takes the new value.
  const std::string_view text = members();
  for (std::size_t i = 0, pos = 0; i < size_; ++i) {
    const std::size_t key_end = skip_string(text, pos);
    const std::size_t end = skip_value(text, key_end + 1);
    if (same_bytes(text.substr(pos, key_end - pos), quoted_key)) {
      replace(pos, end - pos, entry);
      return *this;
    }
    pos = end + 1;
  }
  // The comma goes in front of the entry in the stack buffer, so that one append does.
  append(size_ > 0 ? std::string_view(entry.data() - 1, entry.size() + 1) : entry);
  ++size_;
  return *this;
}

// ---- The scope timer ------------------------------------------------------------------------

ScopeTimer::ScopeTimer(Tracker& tracker, std::string_view operation, Context context)
    : tracker_(&tracker),
      operation_(operation),
      context_(std::move(context)),
      start_(std::chrono::steady_clock::now()),
      uncaught_exceptions_(std::uncaught_exceptions()) {}

ScopeTimer::ScopeTimer(ScopeTimer&& other) noexcept
    : tracker_(std::exchange(other.tracker_, nullptr)),
      operation_(std::move(other.operation_)),
      context_(std::move(other.context_)),
      start_(other.start_),
      error_(std::move(other.error_)),
      uncaught_exceptions_(other.uncaught_exceptions_) {}

ScopeTimer::~ScopeTimer() {
  if (tracker_ == nullptr) return;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  if (error_) {
    tracker_->record(operation_, ms, false, context_, *error_);
  } else if (std::uncaught_exceptions() > uncaught_exceptions_) {
    tracker_->record(operation_, ms, false, context_, std::string_view("scope exited by an exception"));
  } else {
    tracker_->record(operation_, ms, true, context_);
  }
}

void ScopeTimer::fail(std::string_view message) { error_ = std::string(message); }

ScopeTimer& ScopeTimer::context(std::string_view key, ContextValue value) {
  context_.set(key, value);
  return *this;
}

}  // namespace perfgate
