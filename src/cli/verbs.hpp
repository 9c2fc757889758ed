// The verbs of the perfgate command line. Each takes the arguments after `perfgate`
// (args[0] is the verb itself), parses them into a validated options struct, drives the
// library, prints, and returns the process exit code (see core/error.hpp).
#pragma once

#include <string>
#include <vector>

namespace perfgate::cli {

int cmd_verb(const std::vector<std::string>& args);
int compare_verb(const std::vector<std::string>& args);
int history_verb(const std::vector<std::string>& args);
int http_verb(const std::vector<std::string>& args);
int ingest_verb(const std::vector<std::string>& args);
int monitor_verb(const std::vector<std::string>& args);
int report_verb(const std::vector<std::string>& args);
int run_verb(const std::vector<std::string>& args);
int serve_verb(const std::vector<std::string>& args);

}  // namespace perfgate::cli
