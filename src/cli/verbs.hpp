// The verbs of the perfgate command line. Each takes the arguments after `perfgate`
// (args[0] is the verb itself), parses them into a validated options struct, drives the
// library, prints, and returns the process exit code (see core/error.hpp).
#pragma once

#include <string>
#include <vector>

namespace perfgate::cli {

int cmd_verb(const std::vector<std::string>& args);
int compare_verb(const std::vector<std::string>& args);
int docs_verb(const std::vector<std::string>& args);
int history_verb(const std::vector<std::string>& args);
int exec_verb(const std::vector<std::string>& args);
int http_verb(const std::vector<std::string>& args);
int ingest_verb(const std::vector<std::string>& args);
int monitor_verb(const std::vector<std::string>& args);
int profile_verb(const std::vector<std::string>& args);
int report_verb(const std::vector<std::string>& args);
// `report trends` over the store; report_verb hands it over when no --input is given.
int report_store_trends_verb(const std::vector<std::string>& args);
int run_verb(const std::vector<std::string>& args);
int serve_verb(const std::vector<std::string>& args);
int sse_verb(const std::vector<std::string>& args);

}  // namespace perfgate::cli
