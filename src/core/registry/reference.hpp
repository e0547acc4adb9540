#pragma once
// Image references ("gcr.io/distroless/static-debian12:nonroot", "ubuntu",
// "localhost:5000/app@sha256:…") parsed with docker's grammar
// (github.com/distribution/reference) and normalised as docker does.
#include "util/sha256.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rt::registry {

// Where an image lives: a registry, a repository in it, and a tag and/or digest.
struct Reference {
  std::string registry;   // "docker.io", "gcr.io", "localhost:5000", "[::1]:5000"
  std::string repository; // "library/ubuntu", "distroless/static-debian12"
  std::string tag; // "latest" when neither tag nor digest was given; empty with a digest only
  std::optional<Digest> digest;

  // Parses `text`. Adds docker.io (and library/ for a single component) when the
  // first component is not a host, and the tag "latest" when there is neither tag
  // nor digest. Throws InputError saying what is wrong (empty, uppercase repository,
  // bad tag, bad digest, name too long, …).
  static Reference parse(std::string_view text);

  // The host to connect to: docker.io → registry-1.docker.io; others unchanged.
  std::string registry_host() const;
  // "registry/repository".
  std::string name() const;
  // Canonical form: "registry/repository[:tag][@digest]".
  std::string str() const;
  // What goes after /manifests/: the digest when there is one, else the tag.
  std::string identifier() const;

  // Copies with the tag (digest dropped) or the digest (tag kept) replaced.
  // with_tag throws InputError on a malformed tag.
  Reference with_tag(std::string_view new_tag) const;
  Reference with_digest(const Digest& new_digest) const;

  friend bool operator==(const Reference&, const Reference&) = default;
};

// True for a valid tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool valid_tag(std::string_view tag);
// True for a valid repository path: lowercase components joined by '/', each
// [a-z0-9]+ with separators '.', '_', '__' or runs of '-' between them.
bool valid_repository(std::string_view repository);

} // namespace rt::registry
