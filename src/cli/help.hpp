// The overview help, help for one verb, and "did you mean" for mistyped verbs.
#pragma once

#include <string>

namespace perfgate::cli {

std::string overview_help();
// Prints a verb's help (as `perfgate VERB --help` does); exit 2 for an unknown verb.
int verb_help(const std::string& verb);
// " (did you mean 'http'?)" or "".
std::string suggest_verb(const std::string& typed);

}  // namespace perfgate::cli
