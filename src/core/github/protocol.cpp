#include "github/protocol.hpp"

#include "registry/retry.hpp"
#include "util/error.hpp"

#include "util/strings.hpp"
#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rt::github {

namespace {

using nlohmann::json;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Go's url.PathUnescape, leniently: a malformed escape is kept as written.
std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct SplitUrl {
  std::string scheme; // lowercased
  std::string host;   // lowercased, without port
  std::string path;   // still encoded, "" when absent
};

SplitUrl split_url(std::string_view url) {
  SplitUrl out;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return out;
  out.scheme = ascii_lower(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  size_t end = rest.find_first_of("?#");
  if (end != std::string_view::npos) rest = rest.substr(0, end);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos)
    authority = authority.substr(0, colon);
  out.host = ascii_lower(authority);
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  return out;
}

const json* member(const json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

[[noreturn]] void bad_field(std::string_view what, std::string_view field) {
  throw RuntimeError(fmt::format(
      "{}: the response has no valid \"{}\" (is GITHUB_API_URL a GitHub API?)", what, field));
}

std::string string_field(const json& j, const char* name, std::string_view what, bool required) {
  const json* v = member(j, name);
  if (v && v->is_string()) return v->get<std::string>();
  if (required || v) bad_field(what, name);
  return {};
}

int64_t int_field(const json& j, const char* name, std::string_view what) {
  const json* v = member(j, name);
  if (!v || !v->is_number_integer()) bad_field(what, name);
  return v->get<int64_t>();
}

json parse_object(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw RuntimeError(fmt::format("{}: the response is not a JSON object", what));
  return j;
}

Asset parse_asset(const json& j, std::string_view what) {
  if (!j.is_object()) bad_field(what, "assets");
  Asset a;
  a.id = int_field(j, "id", what);
  a.name = string_field(j, "name", what, true);
  a.size = int_field(j, "size", what);
  a.url = string_field(j, "url", what, true);
  a.browser_download_url = string_field(j, "browser_download_url", what, false);
  if (std::string state = string_field(j, "state", what, false); !state.empty()) a.state = state;
  // Assets uploaded before mid-2025 have no digest (absent or null). Another
  // algorithm would be new to us: treat it as absent, the checksum-file path applies.
  std::string digest = string_field(j, "digest", what, false);
  if (digest.rfind("sha256:", 0) == 0) {
    if (!Digest::valid(digest))
      throw RuntimeError(
          fmt::format("{}: asset {} has a malformed digest \"{}\"", what, a.name, digest));
    a.digest = Digest::parse(digest);
  }
  return a;
}

} // namespace

const Asset* Release::find_asset(std::string_view name) const {
  for (const auto& a : assets)
    if (a.name == name) return &a;
  return nullptr;
}

OwnerRepo split_owner_repo(std::string_view owner_repo) {
  auto valid = [](std::string_view part) {
    return !part.empty() && part != "." && part != ".." &&
           std::all_of(part.begin(), part.end(), [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
           });
  };
  size_t slash = owner_repo.find('/');
  if (slash == std::string_view::npos || !valid(owner_repo.substr(0, slash)) ||
      !valid(owner_repo.substr(slash + 1)))
    throw InputError(
        fmt::format("\"{}\" is not a GitHub repository (expected owner/name)", owner_repo));
  return {std::string(owner_repo.substr(0, slash)), std::string(owner_repo.substr(slash + 1))};
}

std::string encode_ref(std::string_view ref) {
  std::string out;
  for (unsigned char c : ref) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
      out.push_back(static_cast<char>(c));
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string release_by_tag_url(std::string_view api, std::string_view owner_repo,
                               std::string_view tag) {
  OwnerRepo r = split_owner_repo(owner_repo);
  return fmt::format("{}/repos/{}/{}/releases/tags/{}", api, r.owner, r.repo, encode_ref(tag));
}

std::string commit_url(std::string_view api, std::string_view owner_repo, std::string_view ref) {
  OwnerRepo r = split_owner_repo(owner_repo);
  return fmt::format("{}/repos/{}/{}/commits/{}", api, r.owner, r.repo, encode_ref(ref));
}

std::string asset_url(std::string_view api, std::string_view owner_repo, int64_t asset_id) {
  OwnerRepo r = split_owner_repo(owner_repo);
  return fmt::format("{}/repos/{}/{}/releases/assets/{}", api, r.owner, r.repo, asset_id);
}

std::optional<ReleaseDownload> parse_release_download_url(std::string_view url,
                                                          std::string_view api) {
  SplitUrl u = split_url(url);
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  bool on_github = u.host == "github.com" && u.scheme == "https";
  std::string origin = registry::url_origin(url);
  if (!on_github && (origin.empty() || origin != registry::url_origin(api))) return std::nullopt;
  // /{owner}/{repo}/releases/download/{tag…}/{name}
  std::vector<std::string> parts;
  for (size_t pos = 1; pos <= u.path.size();) {
    size_t next = u.path.find('/', pos);
    if (next == std::string::npos) next = u.path.size();
    parts.push_back(percent_decode(std::string_view(u.path).substr(pos, next - pos)));
    pos = next + 1;
  }
  if (parts.size() < 6 || parts[2] != "releases" || parts[3] != "download" || parts.back().empty())
    return std::nullopt;
  std::string tag = parts[4];
  for (size_t i = 5; i + 1 < parts.size(); ++i)
    tag += "/" + parts[i];
  std::string owner_repo = parts[0] + "/" + parts[1];
  try {
    split_owner_repo(owner_repo);
  } catch (const InputError&) {
    return std::nullopt;
  }
  return ReleaseDownload{owner_repo, tag, parts.back()};
}

std::string file_name_from_url(std::string_view url) {
  std::string path = percent_decode(split_url(url).path);
  // Go's path.Base.
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  std::string base = path.substr(path.rfind('/') + 1);
  if (base.empty() || base == ".") return "__unnamed__";
  return base;
}

Release parse_release(std::string_view text, std::string_view what) {
  json j = parse_object(text, what);
  Release r;
  r.id = int_field(j, "id", what);
  r.tag_name = string_field(j, "tag_name", what, true);
  r.target_commitish = string_field(j, "target_commitish", what, false);
  if (const json* d = member(j, "draft"); d && d->is_boolean()) r.draft = d->get<bool>();
  if (const json* p = member(j, "prerelease"); p && p->is_boolean()) r.prerelease = p->get<bool>();
  if (const json* i = member(j, "immutable"); i && i->is_boolean()) r.immutable = i->get<bool>();
  r.upload_url = string_field(j, "upload_url", what, false);
  r.html_url = string_field(j, "html_url", what, false);
  const json* assets = member(j, "assets");
  if (assets && !assets->is_array()) bad_field(what, "assets");
  if (assets)
    for (const auto& a : *assets)
      r.assets.push_back(parse_asset(a, what));
  return r;
}

std::vector<Release> parse_releases(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    throw RuntimeError(fmt::format("{}: the response is not a JSON array", what));
  std::vector<Release> out;
  for (const auto& r : j)
    out.push_back(parse_release(r.dump(), what));
  return out;
}

std::string upload_base(std::string_view upload_url) {
  return std::string(upload_url.substr(0, upload_url.find('{')));
}

Commit parse_commit(std::string_view text, std::string_view what) {
  json j = parse_object(text, what);
  Commit c;
  c.sha = string_field(j, "sha", what, true);
  const json* commit = member(j, "commit");
  const json* committer = commit && commit->is_object() ? member(*commit, "committer") : nullptr;
  if (!committer || !committer->is_object()) bad_field(what, "commit.committer.date");
  std::string date = string_field(*committer, "date", what, false);
  auto when = parse_timestamp(date);
  if (!when) bad_field(what, "commit.committer.date");
  c.committer_time = *when;
  return c;
}

std::optional<int64_t> parse_timestamp(std::string_view text) {
  text = trim(text);
  std::tm tm{};
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19)
    return std::nullopt;
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::string_view rest = std::string_view(s).substr(19);
  if (!rest.empty() && rest.front() == '.') { // fractional seconds: dropped
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())))
      rest.remove_prefix(1);
  }
  int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(rest[1])) &&
             std::isdigit(static_cast<unsigned char>(rest[2])) &&
             std::isdigit(static_cast<unsigned char>(rest[4])) &&
             std::isdigit(static_cast<unsigned char>(rest[5]))) {
    offset = ((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600 +
             ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60;
    if (rest[0] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  return static_cast<int64_t>(::timegm(&tm)) - offset;
}

std::string error_message(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object())
    if (const json* m = member(j, "message"); m && m->is_string()) return m->get<std::string>();
  // Not JSON: GitHub's edge answers some refusals (no User-Agent) in plain text.
  std::string_view text = trim(body);
  if (!text.empty() && text.size() < 300 && text.find('<') == std::string_view::npos)
    return std::string(text);
  return {};
}

std::optional<RateLimitWait> rate_limit_wait(long status, const registry::Headers& headers,
                                             std::string_view body, int64_t now) {
  if (status != 403 && status != 429) return std::nullopt;
  auto wait_for = [&](int64_t seconds) {
    seconds = std::max<int64_t>(seconds, 1);
    return RateLimitWait{std::chrono::seconds(seconds), now + seconds};
  };
  if (auto value = headers.get("retry-after")) {
    auto now_tp = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(now));
    if (auto ms = registry::parse_retry_after(*value, now_tp)) {
      int64_t s = ms->count() == std::chrono::milliseconds::max().count()
                      ? int64_t{1} << 40
                      : (ms->count() + 999) / 1000;
      return wait_for(s);
    }
  }
  auto remaining = headers.get("x-ratelimit-remaining");
  if (remaining && trim(*remaining) == "0") {
    if (auto reset = headers.get("x-ratelimit-reset")) {
      std::string r(trim(*reset));
      if (!r.empty() && r.size() < 15 &&
          std::all_of(r.begin(), r.end(), [](char c) { return std::isdigit(c); }))
        return wait_for(std::stoll(r) - now);
    }
    return wait_for(60);
  }
  // Secondary rate limits may come without either header; GitHub's advice is then
  // to wait at least a minute.
  if (status == 429 || ascii_lower(error_message(body)).find("rate limit") != std::string::npos)
    return wait_for(60);
  return std::nullopt;
}

std::string utc_clock(int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

} // namespace rt::github
