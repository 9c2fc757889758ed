// A thin RAII layer over the SQLite C API: a connection, prepared statements and an
// immediate transaction. Every failure becomes a RunError naming the database file and
// carrying SQLite's own message, so the user sees which store failed and why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace perfgate::sqlite {

class Connection;

// A prepared statement; parameters are numbered from 1, columns from 0 (as in SQLite).
class Statement {
 public:
  Statement(Connection& connection, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::string>& text);
  Statement& bind(int index, const std::optional<double>& value);

  // Advances to the next row; false when there are no more (or the statement was not a query).
  bool step();
  // Makes the statement ready to run again, with no parameters bound.
  Statement& reset();

  bool is_null(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  double real(int column) const;
  std::int64_t integer(int column) const;

 private:
  Connection& connection_;
  sqlite3_stmt* statement_ = nullptr;
};

class Connection {
 public:
  // Opens or creates the file. Throws RunError naming `path` when it cannot.
  explicit Connection(std::string path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows.
  void exec(const std::string& sql);
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

  // Throws RunError: "sqlite store PATH: WHAT: SQLite's message".
  [[noreturn]] void fail(std::string_view what) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE takes the write lock up front, so two writers wait for each other (within
// the busy timeout) instead of failing half-way when one of them upgrades a read to a write.
// Rolls back unless commit() was called.
class ImmediateTransaction {
 public:
  explicit ImmediateTransaction(Connection& connection);
  ~ImmediateTransaction();
  ImmediateTransaction(const ImmediateTransaction&) = delete;
  ImmediateTransaction& operator=(const ImmediateTransaction&) = delete;

  void commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

}  // namespace perfgate::sqlite
