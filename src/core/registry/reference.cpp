#include "registry/reference.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

namespace rt::registry {

namespace {

constexpr std::string_view docker_hub = "docker.io";
// distribution/reference: NameTotalLengthMax.
constexpr size_t max_name_length = 255;

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}
bool is_word(char c) {
  return is_alnum(c) || c == '_';
}
bool has_upper(std::string_view s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return true;
  return false;
}

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | -+
bool valid_path_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < c.size() && !is_lower_alnum(c[i]))
      ++i;
    std::string_view sep = c.substr(start, i - start);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view c) {
  if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) return false;
  for (char ch : c)
    if (!is_alnum(ch) && ch != '-') return false;
  return true;
}

// host [':' port], host := domain-name | IPv4 | '[' IPv6 ']'. An IPv4 address is a
// valid domain-name, so it needs no rule of its own.
bool valid_domain(std::string_view d) {
  std::string_view host = d;
  std::string_view port;
  if (!d.empty() && d.front() == '[') {
    size_t close = d.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    for (char c : d.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    std::string_view rest = d.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
  } else {
    size_t colon = d.find(':');
    if (colon != std::string_view::npos) {
      host = d.substr(0, colon);
      port = d.substr(colon + 1);
      if (port.empty()) return false;
    }
    size_t start = 0;
    for (;;) {
      size_t dot = host.find('.', start);
      if (!valid_domain_component(host.substr(start, dot - start))) return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw InputError(fmt::format("invalid image reference '{}': {}", text, why));
}

} // namespace

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || !is_word(tag.front())) return false;
  for (char c : tag)
    if (!is_word(c) && c != '.' && c != '-') return false;
  return true;
}

bool valid_repository(std::string_view repository) {
  if (repository.empty()) return false;
  size_t start = 0;
  for (;;) {
    size_t slash = repository.find('/', start);
    if (!valid_path_component(repository.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Reference Reference::parse(std::string_view text) {
  if (text.empty()) throw InputError("invalid image reference: it is empty");
  Reference ref;
  std::string_view rest = text;

  // name[:tag][@digest]: the digest is everything after '@'.
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    std::string_view digest = rest.substr(at + 1);
    if (digest.find(':') != std::string_view::npos && digest.substr(0, 7) != "sha256:")
      fail(text, "only sha256 digests are supported");
    if (!Digest::valid(digest)) fail(text, "the digest is not sha256:<64 lowercase hex digits>");
    ref.digest = Digest::parse(digest);
    rest = rest.substr(0, at);
  }
  // A ':' after the last '/' starts the tag (one before it is a registry port).
  size_t colon = rest.rfind(':');
  size_t slash = rest.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!valid_tag(tag))
      fail(text, fmt::format("tag '{}' is not [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}", tag));
    ref.tag = tag;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) fail(text, "the repository name is empty");

  // docker's splitDockerDomain: the first component is a registry only if it looks
  // like a host (has '.' or ':', is "localhost", or has uppercase letters, which a
  // repository cannot have). Otherwise the image is on Docker Hub.
  std::string_view domain;
  std::string_view path = rest;
  size_t first = rest.find('/');
  if (first != std::string_view::npos) {
    std::string_view head = rest.substr(0, first);
    if (head.find_first_of(".:") != std::string_view::npos || head == "localhost" ||
        has_upper(head)) {
      domain = head;
      path = rest.substr(first + 1);
    }
  }
  if (domain.empty()) domain = docker_hub;
  if (!valid_domain(domain)) fail(text, fmt::format("'{}' is not a valid registry host", domain));
  if (has_upper(path)) fail(text, "the repository name must be lowercase");
  if (!valid_repository(path))
    fail(text, fmt::format("'{}' is not a valid repository name (lowercase letters, digits and "
                           "separators '.', '_', '__', '-' between them, joined by '/')",
                           path));
  ref.registry = domain == "index.docker.io" ? std::string(docker_hub) : std::string(domain);
  ref.repository = path;
  if (ref.registry == docker_hub && ref.repository.find('/') == std::string::npos)
    ref.repository = "library/" + ref.repository;
  // The name as normalised ("docker.io/library/x"), as distribution/reference counts it: then
  // whatever parse accepts, the parse of its str() accepts too.
  if (ref.name().size() > max_name_length)
    fail(text, fmt::format("the name is longer than {} characters", max_name_length));
  if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

std::string Reference::registry_host() const {
  // Docker Hub's API is not served at docker.io itself.
  return registry == docker_hub ? "registry-1.docker.io" : registry;
}

std::string Reference::name() const {
  return registry + "/" + repository;
}

std::string Reference::str() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (digest) out += "@" + digest->str();
  return out;
}

std::string Reference::identifier() const {
  return digest ? digest->str() : tag;
}

Reference Reference::with_tag(std::string_view new_tag) const {
  if (!valid_tag(new_tag))
    throw InputError(
        fmt::format("invalid tag '{}': not [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}", new_tag));
  Reference r = *this;
  r.tag = new_tag;
  r.digest.reset();
  return r;
}

Reference Reference::with_digest(const Digest& new_digest) const {
  Reference r = *this;
  r.digest = new_digest;
  return r;
}

} // namespace rt::registry
