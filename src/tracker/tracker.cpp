// The tracker library (include/perfgate/tracker.hpp): a bounded lock-free queue of records
// (record_queue.hpp), and one writer thread per Tracker that formats them as JSON lines
// (json_line.hpp) and appends whole lines to the file (here). Depends on nothing but the standard
// library and POSIX: it is what users install.
//
// How it keeps its promises:
//  - The caller never waits for the disk, nor for formatting: record() reads the clock (the cycle
//    counter where it is constant, converted by the writer: cycle_clock.hpp) and copies
//    the raw fields (the operation, the error, the context's JSON or its braced entries) into a
//    slot of a bounded queue (Vyukov's ring, many producers, one consumer); the writer formats
//    them. Strings that do not fit the slot go to a block the caller allocates and the writer
//    frees. The caller's only shared writes are a compare-and-swap on the enqueue position and
//    the slot; when the queue is half full it also takes the writer's mutex for a notify, which
//    the writer never holds across I/O.
//  - Whole lines: the writer appends batches of complete lines (at most kBatchBytes, ending at a
//    line boundary) with one write() on an O_APPEND descriptor. Linux appends such a write to a
//    regular file as one piece, so other threads' and processes' lines never land inside ours.
//  - Fork: a child inherits the Tracker object but not its writer thread. A pthread_atfork
//    handler bumps a generation, and the child's copy then drops records, returns from flush()
//    at once and, when destroyed, neither joins a thread nor touches a lock that may have been
//    held at the fork: it closes its descriptor and leaves the rest.
#include <perfgate/tracker.hpp>

#include "cycle_clock.hpp"
#include "json_line.hpp"
#include "record_queue.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <thread>

namespace perfgate {

using namespace tracker_detail;  // this file's own internals

namespace {

constexpr std::size_t kBatchBytes = std::size_t{1} << 20;  // far below what Linux appends whole
constexpr std::size_t kBatchCapacity = kBatchBytes + 65536;  // room for the line that passes the limit

// The writer's lines waiting for one write(): formatted in place, at the end, without the
// zero-filling a std::string's resize would do.
class Batch {
 public:
  explicit Batch(std::size_t capacity) : data_(new char[capacity]), capacity_(capacity) {}

  const char* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  char back() const noexcept { return data_[size_ - 1]; }
  void truncate(std::size_t size) noexcept { size_ = size; }
  void push_back(char c) {
    *room(1) = c;
    ++size_;
  }
  // Room for `bytes` more at the end; commit(end) keeps what was written there.
  char* room(std::size_t bytes) {
    if (bytes > capacity_ - size_) {
      const std::size_t capacity = std::max(2 * capacity_, size_ + bytes);
      auto grown = std::make_unique<char[]>(capacity);
      std::memcpy(grown.get(), data_.get(), size_);
      data_ = std::move(grown);
      capacity_ = capacity;
    }
    return data_.get() + size_;
  }
  void commit(const char* end) noexcept { size_ = static_cast<std::size_t>(end - data_.get()); }
  // Empties it, giving back what one huge line made it grow to.
  void clear_to(std::size_t capacity) {
    size_ = 0;
    if (capacity_ > 2 * capacity) {
      data_ = std::make_unique<char[]>(capacity);
      capacity_ = capacity;
    }
  }
  void append_line(const LineFields& fields) { commit(put_line(room(line_bound(fields)), fields)); }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_;
  std::size_t size_ = 0;
};

// ---- Fork detection -------------------------------------------------------------------------

std::atomic<std::uint64_t> g_fork_generation{0};
std::atomic<void*> g_orphans{nullptr};  // trackers abandoned in forked children: reachable, not leaked

extern "C" void on_fork_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

std::uint64_t current_fork_generation() {
  static const bool registered = pthread_atfork(nullptr, nullptr, &on_fork_child) == 0;
  (void)registered;
  return g_fork_generation.load(std::memory_order_relaxed);
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
        generation(current_fork_generation()),
        use_cycles(!options.clock && cycle_clock_settings().allow && cycle_counter_usable()),
        calibration(cycle_clock_settings().read_clocks ? cycle_clock_settings().read_clocks
                                                       : std::function<ClockReading()>(read_clocks)) {
    std::string quoted(6 * session_id.size() + 2, '\0');
    quoted.resize(static_cast<std::size_t>(put_string(quoted.data(), session_id) - quoted.data()));
    session_json = std::move(quoted);
  }

  bool in_forked_child() const noexcept {
    return generation != g_fork_generation.load(std::memory_order_relaxed);
  }

  // The caller's reading of the time, kept raw in the slot: the cycle counter, which the writer
  // converts (cycle_clock.hpp), or else system_clock's count, from the injected clock or from
  // CLOCK_REALTIME (system_clock::now() itself, less the call into libstdc++ on the way to the vDSO).
  std::int64_t stamp() const {
    if (use_cycles) return static_cast<std::int64_t>(read_cycles());
    if (options.clock) return options.clock().time_since_epoch().count();
    timespec wall{};
    clock_gettime(CLOCK_REALTIME, &wall);
    return std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(wall.tv_sec) +
                                                                          std::chrono::nanoseconds(wall.tv_nsec))
        .count();
  }

  // The writer's: the wall time of a stamp.
  std::chrono::system_clock::time_point timestamp(std::int64_t raw) const noexcept {
    using std::chrono::system_clock;
    if (!use_cycles) return system_clock::time_point(system_clock::duration(raw));
    const std::chrono::nanoseconds wall(calibration.wall_ns(static_cast<std::uint64_t>(raw)));
    return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(wall));
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

  // Copies one record into a queue slot: its strings inline, or in a spill block when they do not
  // fit; put_context(out) writes the context's context_size bytes. Never throws, never blocks.
  template <class PutContext>
  void push(std::string_view operation, double duration_ms, bool success, std::optional<std::string_view> error,
            std::size_t context_size, bool raw_context, const PutContext& put_context) noexcept {
    if (!writer_running || in_forked_child()) {
      dropped_other.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    try {
      const std::int64_t time = stamp();
      const std::size_t error_size = error ? error->size() : 0;
      const std::size_t total = operation.size() + error_size + context_size;
      const auto fill = [&](RecordSlot& slot) noexcept {
        char* out = slot.inline_bytes;
        if (total > sizeof slot.inline_bytes) {
          // The sizes are 32 bits: a record of 4 GiB or more is lost (and counted).
          if (total > std::numeric_limits<std::uint32_t>::max()) return false;
          out = new (std::nothrow) char[total];
          if (out == nullptr) return false;
          slot.spill = out;
        }
        slot.stamp = time;
        slot.duration_ms = duration_ms;
        slot.operation_size = static_cast<std::uint32_t>(operation.size());
        slot.error_size = static_cast<std::uint32_t>(error_size);
        slot.context_size = static_cast<std::uint32_t>(context_size);
        slot.flags = static_cast<std::uint8_t>((success ? RecordSlot::kSuccess : 0) | (error ? RecordSlot::kHasError : 0) |
                                               (raw_context ? RecordSlot::kRawContext : 0));
        out = copy_bytes(out, operation);
        if (error) out = copy_bytes(out, *error);
        put_context(out);
        return true;
      };
      std::uint64_t position = 0;
      switch (queue.push(fill, position)) {
        case RecordQueue::Push::kQueued:
          if (position + 1 - consumed_hint.load(std::memory_order_relaxed) >= wake_threshold) wake_writer();
          break;
        case RecordQueue::Push::kFull:
          dropped_full.fetch_add(1, std::memory_order_relaxed);
          wake_writer();
          break;
        case RecordQueue::Push::kLost:
          dropped_other.fetch_add(1, std::memory_order_relaxed);
          break;
      }
    } catch (...) {
      // The injected clock threw: the record is lost, the caller carries on.
      dropped_other.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void wake_writer() noexcept {
    if (wake_requested.load(std::memory_order_relaxed) || wake_requested.exchange(true)) return;
    std::lock_guard<std::mutex> lock(mutex);
    wake.notify_one();
  }

  void run() {
    if (use_cycles) calibration.start();
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

  LineFields line_fields(const RecordSlot& record) const noexcept {
    std::optional<std::string_view> error;
    if ((record.flags & RecordSlot::kHasError) != 0) error = record.error();
    return {timestamp(record.stamp),
            record.operation(),
            record.duration_ms,
            (record.flags & RecordSlot::kSuccess) != 0,
            session_json,
            error,
            record.context(),
            (record.flags & RecordSlot::kRawContext) != 0};
  }

  // Formats and writes every record queued before the call, in batches of whole lines.
  void drain() {
    // A reading per wake: records taken after it convert from it, so a step of the wall clock
    // shows from the next wake on.
    if (use_cycles) calibration.refresh();
    const std::uint64_t target = queue.claimed();
    int waits = 0;
    bool more = true;
    while (more) {
      batch.clear_to(kBatchCapacity);
      if (torn) batch.push_back('\n');  // a failed write left half a line: ours must not continue it
      const std::uint64_t full = dropped_full.load(std::memory_order_relaxed);
      const bool report = full > reported_full;
      if (report) append_dropped_line(full - reported_full);
      const std::size_t records_start = batch.size();
      std::size_t lines = 0;
      more = false;
      for (;;) {
        const RecordSlot* record = queue.front();
        if (record == nullptr) {
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
        if ((record->flags & RecordSlot::kLost) == 0) {
          const std::size_t before = batch.size();
          batch.append_line(line_fields(*record));
          if (lines > 0 && batch.size() > kBatchBytes) {
            batch.truncate(before);  // the next batch starts with it
            more = true;
            break;
          }
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
    batch.append_line({timestamp(stamp()), "perfgate.tracker.dropped", 0, false, session_json, error, context.members()});
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
    if (done > 0) torn = batch.data()[done - 1] != '\n';
    if (done >= records_start) reported_full = full_after_report;
    const auto lost = std::count(batch.data() + std::max(done, records_start), batch.data() + batch.size(), '\n');
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
  RecordQueue queue;
  const std::uint64_t wake_threshold;
  const std::chrono::milliseconds interval;
  const std::uint64_t generation;
  const bool use_cycles;  // the caller reads the cycle counter (else system_clock's count)
  CycleCalibration calibration;  // the writer's, when use_cycles
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
  Batch batch{kBatchCapacity};
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
  const std::string_view members = context.members();
  impl_->push(operation, duration_ms, success, error, members.size(), false,
              [members](char* out) noexcept { copy_bytes(out, members); });
}

void Tracker::record(std::string_view operation, double duration_ms, bool success,
                     std::initializer_list<Context::Entry> context, std::optional<std::string_view> error) noexcept {
  std::size_t size = 0;
  for (const Context::Entry& entry : context) size += raw_entry_size(entry);
  impl_->push(operation, duration_ms, success, error, size, true, [context](char* out) noexcept {
    for (const Context::Entry& entry : context) out = put_raw_entry(out, entry);
  });
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
