#include "release/next_version.hpp"

#include "util/error.hpp"
#include "util/process.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <tuple>

namespace rt::release {

namespace {

// A number without a leading zero, at most 9 digits.
std::optional<long> number(std::string_view s) {
  if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  long n = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string git_output(const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir});
  ProcessResult r = run_capture(args, "");
  if (r.status != 0)
    throw RuntimeError(fmt::format("{} failed (exit status {})", quote_argv(args), r.status));
  return r.output;
}

bool less(const SemVer& a, const SemVer& b) {
  return std::tie(a.major, a.minor, a.patch) < std::tie(b.major, b.minor, b.patch);
}

} // namespace

std::optional<SemVer> SemVer::parse(std::string_view text) {
  if (!text.empty() && text[0] == 'v') text.remove_prefix(1);
  SemVer v;
  size_t dash = text.find('-');
  if (dash != std::string_view::npos) {
    v.pre = std::string(text.substr(dash + 1));
    if (v.pre.empty()) return std::nullopt;
    text = text.substr(0, dash);
  }
  size_t a = text.find('.'), b = a == std::string_view::npos ? a : text.find('.', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  auto x = number(text.substr(0, a)), y = number(text.substr(a + 1, b - a - 1)),
       z = number(text.substr(b + 1));
  if (!x || !y || !z) return std::nullopt;
  v.major = *x;
  v.minor = *y;
  v.patch = *z;
  return v;
}

std::string SemVer::core() const {
  return fmt::format("{}.{}.{}", major, minor, patch);
}

Bump commit_bump(std::string_view message) {
  std::string_view subject = message.substr(0, message.find('\n'));
  // type(scope)!: description
  size_t colon = subject.find(':');
  Bump bump = Bump::none;
  if (colon != std::string_view::npos && colon > 0) {
    std::string_view head = subject.substr(0, colon);
    bool breaking = head.back() == '!';
    if (breaking) head.remove_suffix(1);
    size_t paren = head.find('(');
    if (paren != std::string_view::npos) {
      if (head.back() != ')') return Bump::none;
      head = head.substr(0, paren);
    }
    std::string type;
    for (char c : head) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return Bump::none;
      type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (type.empty()) return Bump::none;
    if (breaking) return Bump::major;
    if (type == "feat") bump = Bump::minor;
    if (type == "fix" || type == "perf") bump = Bump::patch;
    // A footer of the body can still make it breaking.
    for (size_t pos = message.find('\n'); pos != std::string_view::npos;
         pos = message.find('\n', pos + 1)) {
      std::string_view line = message.substr(pos + 1);
      if (line.starts_with("BREAKING CHANGE:") || line.starts_with("BREAKING-CHANGE:"))
        return Bump::major;
    }
  }
  return bump;
}

SemVer bumped(const SemVer& last, Bump bump) {
  SemVer v{last.major, last.minor, last.patch, ""};
  if (bump == Bump::major && v.major == 0) bump = Bump::minor; // major version zero
  switch (bump) {
  case Bump::major:
    return {v.major + 1, 0, 0, ""};
  case Bump::minor:
    return {v.major, v.minor + 1, 0, ""};
  case Bump::patch:
    return {v.major, v.minor, v.patch + 1, ""};
  case Bump::none:
    break;
  }
  return v;
}

long next_rc_number(const std::vector<std::string>& tags, const SemVer& version) {
  long highest = 0;
  std::string prefix = version.core() + "-rc.";
  for (const auto& t : tags)
    if (t.rfind(prefix, 0) == 0)
      if (auto n = number(std::string_view(t).substr(prefix.size())))
        highest = std::max(highest, *n);
  return highest + 1;
}

NextRelease next_release(const std::string& dir) {
  NextRelease out;
  // The last final release: the highest X.Y.Z tag (no pre-release) reachable from HEAD.
  std::optional<SemVer> last;
  std::string tags = git_output(dir, {"tag", "--merged", "HEAD"});
  for (size_t pos = 0; pos < tags.size();) {
    size_t end = tags.find('\n', pos);
    if (end == std::string::npos) end = tags.size();
    std::string tag = tags.substr(pos, end - pos);
    pos = end + 1;
    auto v = SemVer::parse(tag);
    if (v && v->pre.empty() && (!last || less(*last, *v))) {
      last = v;
      out.last_tag = tag;
    }
  }
  // The commits since, each message ended by a NUL.
  std::vector<std::string> range = {"log", "--format=%B%x00"};
  if (!out.last_tag.empty()) range.push_back("refs/tags/" + out.last_tag + "..HEAD");
  std::string log = git_output(dir, range);
  for (size_t pos = 0; pos < log.size();) {
    size_t end = log.find('\0', pos);
    if (end == std::string::npos) break;
    std::string_view message = std::string_view(log).substr(pos, end - pos);
    while (!message.empty() && (message.front() == '\n' || message.front() == ' '))
      message.remove_prefix(1);
    out.bump = std::max(out.bump, commit_bump(message));
    ++out.commits;
    pos = end + 1;
  }
  if (out.bump == Bump::none)
    throw RuntimeError(fmt::format(
        "no feat, fix, perf or breaking commit since {} ({} commits): nothing to release; "
        "give --version to cut one anyway, or --describe for git describe",
        out.last_tag.empty() ? "the first commit" : out.last_tag, out.commits));
  out.version = bumped(last.value_or(SemVer{}), out.bump);
  return out;
}

} // namespace rt::release
