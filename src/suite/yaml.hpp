// The one place that includes yaml-cpp: its headers trip -Wshadow and -Wconversion, and
// the project builds with -Werror, so the warnings are silenced for these headers only.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <yaml-cpp/yaml.h>
#pragma GCC diagnostic pop
