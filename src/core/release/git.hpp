#pragma once
// What a release needs from the local git checkout.
#include <cstdint>
#include <string>

namespace rt::release {

// `git rev-parse HEAD` in `dir`. Throws RuntimeError naming the directory.
std::string git_head(const std::string& dir);
// Committer time (epoch seconds) of `rev`.
int64_t git_commit_time(const std::string& dir, const std::string& rev);
// `git describe --tags --always --dirty`: e.g. "0.41.0-12-gabc1234"; the
// version of an rc when --version is not given.
std::string git_describe(const std::string& dir);

} // namespace rt::release
