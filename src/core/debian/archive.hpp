#pragma once
// A Debian archive over HTTP: where a suite is served (apt's own sources), its
// InRelease checked with gpgv against a keyring, and its Packages indexes
// fetched by the hashes the signed Release gives, cached by digest.
#include "layer/blob_store.hpp"
#include "util/sha256.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rt::debian {

// Where to fetch a suite, and what signs it.
struct Mirror {
  std::string url;     // "http://deb.debian.org/debian", no trailing '/'
  std::string keyring; // an OpenPGP keyring file for gpgv
};

struct MirrorOptions {
  // --mirror URL (every suite from there: a local or snapshot archive) or
  // --mirror SUITE=URL (that suite only, which wins), repeatable.
  std::vector<std::string> mirrors;
  std::string keyring;              // --keyring FILE: instead of the source's Signed-By
  std::string apt_dir = "/etc/apt"; // sources.list and sources.list.d/*.sources
};

// The archive serving `suite`: a --mirror SUITE=URL, else a --mirror URL, else the first apt source
// (deb822 .sources or one-line sources.list, type "deb") whose suites name it.
// The keyring: --keyring, else the source's Signed-By, else Debian's archive
// keyring. Throws InputError when no apt source serves the suite.
Mirror find_mirror(const std::string& suite, const MirrorOptions& options);

// One file the signed Release lists.
struct IndexedFile {
  Digest sha256;
  int64_t size = 0;
};

// What a suite's InRelease says, after its signature was checked.
struct Release {
  std::string suite;
  Mirror mirror;
  std::string date;                       // "Date:" as written
  Digest inrelease;                       // digest of the InRelease file fetched
  std::vector<std::string> architectures; // "Architectures:"
  std::vector<std::string> components;
  bool by_hash = false;                     // "Acquire-By-Hash: yes"
  std::map<std::string, IndexedFile> files; // "SHA256:" entries by path
};

// Fetches dists/SUITE/InRelease and verifies it with `gpgv --keyring` (no
// shell). Throws RuntimeError when unreachable, unsigned, signed by a key
// not in the keyring, or without SHA256 entries.
Release fetch_release(const std::string& suite, const Mirror& mirror);

// Fetches COMPONENT/binary-ARCH/Packages (.xz, else .gz, else plain, as the
// Release lists them) by the digest Release gives — by-hash when offered — into
// `cache`, and returns its decompressed text. Throws RuntimeError when absent
// or when its bytes do not match the signed Release.
std::string fetch_packages(const Release& release, const std::string& component,
                           const std::string& arch, const layer::BlobStore& cache);

// Downloads URL to the cache as the blob `sha256` of `size` bytes unless it is
// already there and intact; a cut or mismatched download leaves no blob.
// `what` names it in messages. Returns the blob's path.
// `digest_source` says where sha256 came from ("the lock").
std::string fetch_blob(const std::string& url, const Digest& sha256, int64_t size,
                       const std::string& what, const std::string& digest_source,
                       const layer::BlobStore& cache);

} // namespace rt::debian
