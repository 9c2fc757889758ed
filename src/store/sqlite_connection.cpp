// The SQLite RAII layer; see sqlite_connection.hpp.
#include "store/sqlite_connection.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <sqlite3.h>

#include "core/error.hpp"

namespace perfgate::sqlite {

namespace {

// How long a writer waits for another process's transaction before giving up. Runs write a
// few rows at a time, so ten seconds is far beyond any honest wait.
constexpr int kBusyTimeoutMs = 10'000;

}  // namespace

Connection::Connection(std::string path) : path_(std::move(path)) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw RunError(fmt::format("sqlite store {}: cannot open: {}", path_, message));
  }
  sqlite3_extended_result_codes(db_, 1);
  // The busy timeout comes first: switching to WAL itself needs a lock another process may hold.
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  try {
    // WAL lets readers (history, compare) run while a suite writes; NORMAL sync in WAL mode
    // cannot corrupt the file and survives an application crash, which is what we need.
    // Switching to WAL needs an exclusive lock and SQLite does not call the busy handler for
    // it: two processes creating the same store at once get SQLITE_BUSY at once. Retry here.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    while (true) {
      int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL;", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) break;
      if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) exec("PRAGMA journal_mode=WAL;");  // throws
      if (std::chrono::steady_clock::now() > deadline) exec("PRAGMA journal_mode=WAL;");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

Connection::~Connection() { sqlite3_close(db_); }

void Connection::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw RunError(fmt::format("sqlite store {}: {}", path_, message));
  }
}

void Connection::fail(std::string_view what) const {
  throw RunError(fmt::format("sqlite store {}: {}: {}", path_, what, sqlite3_errmsg(db_)));
}

Statement::Statement(Connection& connection, std::string_view sql) : connection_(connection) {
  if (sqlite3_prepare_v2(connection.handle(), sql.data(), static_cast<int>(sql.size()), &statement_, nullptr) !=
      SQLITE_OK) {
    connection.fail("cannot prepare a statement");
  }
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK) {
    connection_.fail("cannot bind a parameter");
  }
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (sqlite3_bind_double(statement_, index, value) != SQLITE_OK) connection_.fail("cannot bind a parameter");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) connection_.fail("cannot bind a parameter");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(statement_, index) != SQLITE_OK) connection_.fail("cannot bind a parameter");
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind(int index, const std::optional<double>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() {
  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  connection_.fail("cannot execute a statement");
}

Statement& Statement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  return *this;
}

bool Statement::is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

std::string Statement::text(int column) const {
  const unsigned char* value = sqlite3_column_text(statement_, column);
  if (value == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(value),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

double Statement::real(int column) const { return sqlite3_column_double(statement_, column); }

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_, column); }

ImmediateTransaction::ImmediateTransaction(Connection& connection) : connection_(connection) {
  connection_.exec("BEGIN IMMEDIATE");
}

ImmediateTransaction::~ImmediateTransaction() {
  if (!open_) return;
  // A failed rollback leaves nothing to do: SQLite rolls back when the connection closes.
  sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void ImmediateTransaction::commit() {
  connection_.exec("COMMIT");
  open_ = false;
}

}  // namespace perfgate::sqlite
