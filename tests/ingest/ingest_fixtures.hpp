// Test support for the ingest formats: their fixture files, a metric of a benchmark object, and
// the message a parse fails with.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "ingest/ingest.hpp"

namespace perfgate::ingest::test_support {

// tests/fixtures/ingest/FORMAT/NAME, whole.
inline std::string read_fixture(const std::string& format, const std::string& name) {
  std::ifstream in(std::string(PERFGATE_SOURCE_DIR) + "/tests/fixtures/ingest/" + format + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The metric NAME of a benchmark object ({} and a test failure when it has none).
inline nlohmann::json metric_of(const nlohmann::json& benchmark, const std::string& name) {
  for (const auto& m : benchmark["metrics"]) {
    if (m["name"] == name) return m;
  }
  ADD_FAILURE() << benchmark["name"] << " has no metric " << name;
  return nlohmann::json::object();
}

// The metric NAME of a benchmark object has this value, unit and direction.
inline void expect_metric(const nlohmann::json& benchmark, const std::string& name, double value,
                          const std::string& unit, const std::string& better) {
  nlohmann::json m = metric_of(benchmark, name);
  EXPECT_DOUBLE_EQ(m.value("value", -1.0), value) << name;
  EXPECT_EQ(m.value("unit", ""), unit) << name;
  EXPECT_EQ(m.value("better", ""), better) << name;
}

// The UsageError message parse(FORMAT, TEXT, SOURCE) throws, or "no error".
inline std::string parse_error(const std::string& format, const std::string& text, const std::string& source) {
  try {
    parse(format, text, source);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace perfgate::ingest::test_support
