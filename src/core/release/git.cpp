#include "release/git.hpp"

#include "util/error.hpp"
#include "util/process.hpp"

#include <fmt/format.h>

namespace rt::release {

namespace {
std::string git(const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir});
  ProcessResult r = run_capture(args, "");
  while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == '\r'))
    r.output.pop_back();
  if (r.status != 0 || r.output.empty())
    throw RuntimeError(
        fmt::format("{} failed (exit status {}): is {} a git checkout with a commit?",
                    quote_argv(args), r.status, dir));
  return r.output;
}
} // namespace

std::string git_status(const std::string& dir) {
  ProcessResult r = run_capture({"git", "-C", dir, "status", "--porcelain"}, "");
  if (r.status != 0)
    throw RuntimeError(fmt::format("git status failed in {} (exit status {})", dir, r.status));
  return r.output;
}

std::string git_tag_commit(const std::string& dir, const std::string& tag) {
  ProcessResult r = run_capture(
      {"git", "-C", dir, "rev-parse", "-q", "--verify", "refs/tags/" + tag + "^{commit}"}, "");
  std::string out = r.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return r.status == 0 ? out : std::string();
}

std::string git_head(const std::string& dir) {
  return git(dir, {"rev-parse", "HEAD"});
}

int64_t git_commit_time(const std::string& dir, const std::string& rev) {
  std::string t = git(dir, {"show", "-s", "--format=%ct", rev});
  try {
    return std::stoll(t);
  } catch (...) {
    throw RuntimeError(fmt::format("git gave '{}' as the commit time of {}", t, rev));
  }
}

std::string git_describe(const std::string& dir) {
  return git(dir, {"describe", "--tags", "--always", "--dirty"});
}

} // namespace rt::release
