#include "release/config_reader.hpp"

#include "registry/reference.hpp"

#include <cctype>

namespace rt::release::config {

namespace {

constexpr std::string_view placeholders[] = {"version", "commit", "short_commit"};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Lowercase without '_' and '-': "workingDirectory" and "working-directory" are the key
// "working_directory" in another spelling, however far apart they are in edit distance.
std::string fold(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

// The candidate the user most likely meant, if any is close enough to be worth suggesting.
std::optional<std::string_view> closest(std::string_view word, Keys candidates) {
  // Short words are all close to each other: "xy" is no typo of "rc".
  size_t allowed = word.size() <= 3 ? 1 : std::max<size_t>(2, word.size() / 3);
  std::optional<std::string_view> best;
  size_t best_distance = allowed + 1;
  for (std::string_view c : candidates) {
    size_t d = fold(c) == fold(word) ? 0 : edit_distance(word, c);
    if (d < best_distance && d < c.size()) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names)
    out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

// Why a tag template is unusable, or nothing. Literal parts must be tag characters, and the tag
// must not start with '.' or '-' (docker's [A-Za-z0-9_][A-Za-z0-9_.-]*).
std::optional<std::string> template_problem(std::string_view tmpl) {
  if (tmpl.empty()) return "a tag template must not be empty";
  for (size_t i = 0; i < tmpl.size();) {
    char c = tmpl[i];
    if (c == '{') {
      size_t close = tmpl.find('}', i);
      if (close == std::string_view::npos)
        return fmt::format("unclosed '{{' in tag template '{}'", tmpl);
      std::string_view name = tmpl.substr(i + 1, close - i - 1);
      if (std::find(std::begin(placeholders), std::end(placeholders), name) ==
          std::end(placeholders))
        return fmt::format("unknown placeholder '{{{}}}' in tag template '{}' (allowed: "
                           "{{version}}, {{commit}}, {{short_commit}})",
                           name, tmpl);
      i = close + 1;
      continue;
    }
    bool word = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    if (!word && !(i > 0 && (c == '.' || c == '-')))
      return fmt::format("tag template '{}' has '{}' where a tag allows only letters, digits, "
                         "'_', and '.' or '-' after the first character",
                         tmpl, c);
    ++i;
  }
  return std::nullopt;
}

std::string Reader::github_repository(const JsonMember& m) const {
  std::string s = text(m);
  // GitHub: owners are alphanumerics and single inner hyphens (≤ 39), names [A-Za-z0-9._-].
  static const std::regex owner_name(
      "([A-Za-z0-9](?:-?[A-Za-z0-9]){0,38})/([A-Za-z0-9._-]{1,100})");
  std::smatch match;
  if (!std::regex_match(s, match, owner_name) || match[2] == "." || match[2] == "..")
    fail(m.value.location(),
         fmt::format("'github_repository' must be 'owner/name' as on GitHub, not '{}'", s));
  return s;
}

std::string Reader::repository(const JsonMember& m) const {
  std::string s = text(m);
  auto bad = [&](std::string_view why) {
    fail(m.value.location(), fmt::format("'repository' {}, not '{}'", why, s));
  };
  if (s.find('@') != std::string::npos) bad("must not contain a digest");
  size_t first_slash = s.find('/'), last_slash = s.rfind('/');
  if (last_slash != std::string::npos && s.find(':', last_slash) != std::string::npos)
    bad("must not contain a tag (tags go in 'tags')");
  if (std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    bad("must be lowercase");
  std::string head = s.substr(0, first_slash);
  if (first_slash == std::string::npos ||
      (head.find_first_of(".:") == std::string::npos && head != "localhost"))
    bad("must start with a registry host, as in 'gcr.io/galoyorg/lana-bank'");
  try {
    registry::Reference::parse(s);
  } catch (const InputError& e) {
    // Reference says "invalid image reference '…': why"; keep only the why.
    std::string why = e.what();
    if (size_t colon = why.find("': "); colon != std::string::npos) why = why.substr(colon + 3);
    bad(fmt::format("is not a valid image repository ({})", why));
  }
  return s;
}

} // namespace rt::release::config
