// The store's schema as an ordered list of numbered migrations. A database records the
// highest version applied in `schema_version`; opening it applies the newer ones, each in
// its own transaction, so an old history file keeps working with a newer perfgate.
#pragma once

#include <span>

namespace perfgate::sqlite {

class Connection;

struct Migration {
  int version;              // 1, 2, 3, … with no gaps
  const char* description;  // what it changes, for the schema_version table
  const char* sql;          // one or more statements
};

// Every migration this build knows, in order.
std::span<const Migration> all_migrations();

// Brings the database up to the last of `migrations`. Throws RunError when the database was
// written by a newer perfgate (a higher version than this build knows).
void apply_migrations(Connection& connection, std::span<const Migration> migrations);

// The highest version applied, 0 for an empty database.
int schema_version(Connection& connection);

}  // namespace perfgate::sqlite
