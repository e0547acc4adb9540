#pragma once
// Running other programs (the release's build command, git): argv only, no
// shell, so nothing in an argument is ever interpreted.
#include <string>
#include <vector>

namespace rt {

struct ProcessResult {
  int status = 0;     // exit status, or 128+signal
  std::string output; // captured stdout (capture mode only)
};

// Runs argv[0] (looked up in PATH) in `cwd` with stdin from /dev/null. Its
// stdout goes to our stderr (so our stdout stays for results), its stderr to
// ours: the user sees the output live. Throws RuntimeError if it cannot start.
int run_live(const std::vector<std::string>& argv, const std::string& cwd);

// Runs argv and captures its stdout (stderr passes through). Throws
// RuntimeError if it cannot start.
ProcessResult run_capture(const std::vector<std::string>& argv, const std::string& cwd);

// "a b 'c d'": argv as a shell would need it, for messages.
std::string quote_argv(const std::vector<std::string>& argv);

} // namespace rt
