#pragma once
// What a release needs from the local git checkout.
#include <cstdint>
#include <string>
#include <vector>

namespace rt::release {

// `git rev-parse HEAD` in `dir`. Throws RuntimeError naming the directory.
std::string git_head(const std::string& dir);
// Committer time (epoch seconds) of `rev`.
int64_t git_commit_time(const std::string& dir, const std::string& rev);
// `git describe --tags --always --dirty`: e.g. "0.41.0-12-gabc1234"; the
// version of an rc when --version is not given.
std::string git_describe(const std::string& dir);
// `git status --porcelain` lines (changed, staged or untracked files not
// ignored); empty when the tree is clean.
std::string git_status(const std::string& dir);
// The commit the tag `tag` names in `dir`'s repository, or "" when there is no such tag.
std::string git_tag_commit(const std::string& dir, const std::string& tag);

} // namespace rt::release
