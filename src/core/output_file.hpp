// Writing what a user asked for (--json FILE, --markdown FILE, exports, report --output, a run
// folder's result.json): one writer for every verb, which never damages what the path names.
#pragma once

#include <optional>
#include <string>

namespace perfgate {

// Writes `content` to `path`:
// - "-": to stdout; /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N: to that
//   descriptor of this process (a pipe or the shell's `> file`, at its offset);
// - a regular file or a path that does not exist yet: a temporary file in the same directory
//   renamed over it, so a reader never sees half a file. A new file gets 0666 & ~umask; a
//   replaced file keeps its mode (and owner and group where the process may set them);
// - a symbolic link: resolved to its target first, and the target written as above (the link
//   stays a link);
// - a character or block device, a FIFO or a socket: opened and written, never replaced
//   (`--json /dev/null`, `--json >(jq .)`).
// Throws RunError naming the path when it cannot.
void write_output_file(const std::string& path, const std::string& content);

// "-" or a name of this process's stdout (/dev/stdout, /dev/fd/1): the output then has stdout
// to itself and what a person reads goes to stderr.
bool names_stdout(const std::string& path);

// Why write_output_file(path, ...) would fail, or nullopt when it should succeed: a directory,
// a missing directory, one the process may not create files in, a device it may not write.
// Nothing is created, opened or changed: it is checked before any work so that a typo or a
// read-only directory never costs a run or stores one twice.
std::optional<std::string> output_file_problem(const std::string& path);

}  // namespace perfgate
