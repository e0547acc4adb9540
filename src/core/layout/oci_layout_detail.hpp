#pragma once
// Pieces of the OCI layout format shared by its reader (oci_layout.cpp) and its
// writer (oci_stage.cpp). Not an interface for anything else.
#include "oci/image.hpp"

#include <string>

namespace rt::layout::detail {

std::string blob_path(const std::string& dir, const Digest& d);
// A string member of a JSON object, "" when missing or not a string.
std::string string_field(const nlohmann::json& j, const char* key);
// An index entry's ref.name annotation, "" when it has none.
std::string tag_of(const nlohmann::json& entry);
// Throws RuntimeError unless `dir`/oci-layout is there with version 1.0.0.
void check_layout_file(const std::string& dir);
// Reads an index.json; throws RuntimeError if it is not an image index.
nlohmann::json read_index(const std::string& path);

} // namespace rt::layout::detail
