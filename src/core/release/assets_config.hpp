#pragma once
// Reads `release_assets` of images.json (assets_config.cpp). Internal to the
// release module.
#include "release/config_reader.hpp"
#include "release/images_config.hpp"

namespace rt::release::config {

// The list, validated: names unique and usable as GitHub asset names (not
// "SHA256SUMS"), exactly one of "binary": true and "contents" per asset, a
// contents asset named *.tar.gz, 'from'/'to' relative and not escaping,
// 'to' unique within an asset, destinations unique and not nested. Throws
// InputError "FILE:LINE:COL: what".
std::vector<ReleaseAsset> read_release_assets(const Reader& r, const JsonMember& list);

} // namespace rt::release::config
