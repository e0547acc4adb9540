#include "sbom/packages.hpp"

#include "util/log.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rt::sbom {

namespace {

using Fields = std::map<std::string, std::string>;

// RFC 822-style stanzas (dpkg status, Python METADATA headers): "Name: value",
// continuation lines start with a space or tab; a blank line ends a stanza.
// `first_only` stops after the first stanza (METADATA's body is free text).
std::vector<Fields> parse_stanzas(const std::string& text, bool first_only) {
  std::vector<Fields> out(1);
  std::string last;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (first_only) break;
      if (!out.back().empty()) out.emplace_back();
      last.clear();
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t')) {
      if (!last.empty()) out.back()[last] += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    last = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    out.back().emplace(last, value);
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

// purl's percent-encoding: everything but unreserved characters.
std::string pct(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~')
      out += char(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string get(const Fields& f, const char* name) {
  auto it = f.find(name);
  return it == f.end() ? "" : it->second;
}

void add_deb(std::map<std::string, Package>& out, const Fields& f, const std::string& file) {
  std::string status = get(f, "Status");
  // dpkg's status file lists removed packages too; status.d/ stanzas have no Status.
  if (!status.empty() && status.size() >= 10 && status.substr(status.size() - 10) != " installed")
    return;
  Package p;
  p.type = "deb";
  p.name = get(f, "Package");
  p.version = get(f, "Version");
  p.arch = get(f, "Architecture");
  if (p.name.empty() || p.version.empty()) return;
  p.purl = fmt::format("pkg:deb/debian/{}@{}{}", pct(p.name), pct(p.version),
                       p.arch.empty() ? "" : "?arch=" + pct(p.arch));
  std::string m = get(f, "Maintainer");
  if (!m.empty() && m.find('\n') == std::string::npos) p.supplier = "Person: " + m;
  std::string source = get(f, "Source");
  if (!source.empty()) p.source_info = "built from Debian source package " + source;
  p.found_in = file;
  out.emplace(p.key(), std::move(p));
}

void add_npm(std::map<std::string, Package>& out, const std::string& text,
             const std::string& file) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    log::warn("{}: not JSON, left out of the SBOM's packages", file);
    return;
  }
  Package p;
  p.type = "npm";
  if (j.contains("name") && j["name"].is_string()) p.name = j["name"];
  if (j.contains("version") && j["version"].is_string()) p.version = j["version"];
  if (p.name.empty() || p.version.empty()) return; // a nested package.json that is not a package
  if (j.contains("license")) {
    const auto& l = j["license"];
    if (l.is_string())
      p.license = spdx_license(l.get<std::string>());
    else if (l.is_object() && l.contains("type") && l["type"].is_string())
      p.license = spdx_license(l["type"].get<std::string>());
  }
  std::string name = p.name;
  std::string ns;
  if (name[0] == '@' && name.find('/') != std::string::npos) {
    ns = pct(name.substr(0, name.find('/'))) + "/";
    name = name.substr(name.find('/') + 1);
  }
  p.purl = fmt::format("pkg:npm/{}{}@{}", ns, pct(name), pct(p.version));
  p.found_in = file;
  out.emplace(p.key(), std::move(p));
}

void add_python(std::map<std::string, Package>& out, const std::string& text,
                const std::string& file) {
  auto stanzas = parse_stanzas(text, true);
  if (stanzas.empty()) return;
  const Fields& f = stanzas[0];
  Package p;
  p.type = "pypi";
  p.name = get(f, "Name");
  p.version = get(f, "Version");
  if (p.name.empty() || p.version.empty()) return;
  std::string lic = get(f, "License-Expression");
  p.license = spdx_license(lic.empty() ? get(f, "License") : lic);
  // PEP 503 normalised name in the purl.
  std::string norm;
  for (char c : p.name)
    norm += (c == '_' || c == '.') ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
  p.purl = fmt::format("pkg:pypi/{}@{}", pct(norm), pct(p.version));
  p.found_in = file;
  out.emplace(p.key(), std::move(p));
}

} // namespace

std::string spdx_license(std::string_view text) {
  if (text.empty() || text.size() > 200) return "";
  // Ids are [A-Za-z0-9.+-] (LicenseRef-... too), alternating with AND/OR/WITH;
  // parentheses group. "SEE LICENSE IN file" or prose is not an expression.
  std::istringstream in{std::string(text)};
  bool want_id = true;
  for (std::string tok; in >> tok;) {
    std::string t = tok;
    t.erase(std::remove(t.begin(), t.end(), '('), t.end());
    t.erase(std::remove(t.begin(), t.end(), ')'), t.end());
    if (t.empty()) continue;
    bool op = t == "AND" || t == "OR" || t == "WITH";
    if (op == want_id) return "";
    if (!op)
      for (unsigned char c : t)
        if (!std::isalnum(c) && c != '.' && c != '-' && c != '+') return "";
    want_id = op;
  }
  return want_id ? "" : std::string(text);
}

std::vector<Package> find_packages(const Inventory& inv) {
  std::map<std::string, Package> found;
  for (const auto& [path, text] : inv.metadata) {
    if (path == "var/lib/dpkg/status" || path.rfind("var/lib/dpkg/status.d/", 0) == 0) {
      for (const auto& f : parse_stanzas(text, false))
        add_deb(found, f, path);
    } else if (path.size() > 13 && path.substr(path.size() - 13) == "/package.json") {
      add_npm(found, text, path);
    } else {
      add_python(found, text, path);
    }
  }
  std::vector<Package> out;
  for (auto& [k, p] : found)
    out.push_back(std::move(p));
  return out;
}

std::vector<Package> find_artifacts(const Inventory& inv,
                                    const std::vector<KnownArtifact>& artifacts) {
  std::vector<Package> out;
  for (const auto& a : artifacts) {
    Package p;
    p.type = "github";
    p.name = a.name;
    p.version = a.version;
    for (const auto& [path, facts] : inv.files)
      if (facts.sha256 == a.digest) p.files.push_back(path);
    if (p.files.empty()) continue;
    std::string owner = a.repository.substr(0, a.repository.find('/'));
    std::string repo = a.repository.substr(a.repository.find('/') + 1);
    p.purl = fmt::format("pkg:github/{}/{}@{}", pct(owner), pct(repo), pct(a.version));
    p.download_location = fmt::format("git+https://github.com/{}@{}", a.repository, a.commit);
    p.source_info =
        fmt::format("built from https://github.com/{} at commit {}", a.repository, a.commit);
    p.found_in = p.files.front();
    out.push_back(std::move(p));
  }
  return out;
}

} // namespace rt::sbom
