#include "layout/destination.hpp"

#include "registry/reference.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

namespace rt::layout {

namespace {

constexpr std::string_view kOci = "oci:";
constexpr std::string_view kDockerArchive = "docker-archive:";
constexpr std::string_view kDocker = "docker://";

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// component ::= alphanum (separator alphanum)*; separator ::= [-._:@+] | "--"
bool valid_component(std::string_view s) {
  size_t i = 0;
  auto alnum_run = [&] {
    size_t start = i;
    while (i < s.size() && is_alnum(s[i]))
      ++i;
    return i > start;
  };
  if (!alnum_run()) return false;
  while (i < s.size()) {
    if (s.substr(i, 2) == "--")
      i += 2;
    else if (std::string_view("-._:@+").find(s[i]) != std::string_view::npos)
      ++i;
    else
      return false;
    if (!alnum_run()) return false;
  }
  return true;
}

// skopeo splits docker-archive:FILE:REF at the first ':' and parses REF as a
// docker reference, so "f.tar:localhost:5000/app:1" is the file f.tar and the
// image localhost:5000/app:1. RepoTags keeps the name as written (docker save
// writes the short form); only a missing tag is filled in.
std::string docker_archive_name(std::string_view text, std::string_view whole) {
  if (text.starts_with('@'))
    throw InputError(fmt::format("'{}': selecting an image by index (@N) is not supported; "
                                 "name it as NAME:TAG",
                                 whole));
  auto [name, tag] = split_archive_name(text);
  return name + ":" + tag;
}

} // namespace

bool valid_oci_ref_name(std::string_view name) {
  if (name.empty()) return false;
  size_t start = 0;
  for (;;) {
    size_t slash = name.find('/', start);
    if (!valid_component(name.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::pair<std::string, std::string> split_archive_name(std::string_view name) {
  auto ref = registry::Reference::parse(name);
  if (ref.digest)
    throw InputError(fmt::format("'{}': a docker-archive name cannot have a digest", name));
  size_t colon = name.rfind(':');
  size_t slash = name.rfind('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash))
    return {std::string(name), "latest"};
  return {std::string(name.substr(0, colon)), std::string(name.substr(colon + 1))};
}

std::string Destination::str() const {
  switch (kind) {
  case Kind::oci:
    return std::string(kOci) + path + (tag.empty() ? "" : ":" + tag);
  case Kind::docker_archive:
    return std::string(kDockerArchive) + path + (tag.empty() ? "" : ":" + tag);
  case Kind::docker:
    return std::string(kDocker) + ref;
  }
  return {};
}

Destination parse_destination(std::string_view text) {
  Destination d;
  if (text.starts_with(kDocker)) {
    d.kind = Destination::Kind::docker;
    d.ref = text.substr(kDocker.size());
    if (d.ref.empty()) throw InputError(fmt::format("'{}': the image reference is empty", text));
    return d;
  }
  std::string_view rest;
  if (text.starts_with(kOci)) {
    d.kind = Destination::Kind::oci;
    rest = text.substr(kOci.size());
  } else if (text.starts_with(kDockerArchive)) {
    d.kind = Destination::Kind::docker_archive;
    rest = text.substr(kDockerArchive.size());
  } else {
    size_t colon = text.find(':');
    std::string transport(text.substr(0, colon));
    throw InputError(
        colon == std::string_view::npos
            ? fmt::format("'{}' names no transport: use oci:DIR[:TAG], "
                          "docker-archive:FILE[:NAME:TAG] or docker://REF",
                          text)
            : fmt::format("'{}': unknown transport '{}' (known: oci, docker-archive, docker://)",
                          text, transport));
  }
  // Like skopeo: the path ends at the first ':', so a path cannot contain one.
  size_t colon = rest.find(':');
  d.path = rest.substr(0, colon);
  if (d.path.empty()) throw InputError(fmt::format("'{}': the path is empty", text));
  if (colon == std::string_view::npos) return d;
  std::string_view tail = rest.substr(colon + 1);
  if (d.kind == Destination::Kind::oci) {
    if (!valid_oci_ref_name(tail))
      throw InputError(
          fmt::format("'{}': '{}' is not a valid OCI image name (letters and digits joined by "
                      "'-', '.', '_', ':', '@', '+' or '--', components separated by '/')",
                      text, tail));
    d.tag = tail;
  } else {
    if (tail.empty()) throw InputError(fmt::format("'{}': the image name is empty", text));
    d.tag = docker_archive_name(tail, text);
  }
  return d;
}

} // namespace rt::layout
