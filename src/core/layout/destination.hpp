#pragma once
// Where an image is read from or written to, in skopeo's transport syntax
// (containers-transports(5)): oci:DIR[:TAG], docker-archive:FILE[:NAME[:TAG]],
// docker://REF. Used by --output and by copy's SRC and DEST.
#include <string>
#include <string_view>
#include <utility>

namespace rt::layout {

struct Destination {
  enum class Kind { oci, docker_archive, docker };
  Kind kind = Kind::oci;
  std::string path; // oci: the layout directory; docker-archive: the tar file
  // oci: the ref.name annotation ("" = untagged); docker-archive: "name:tag" as
  // it goes into RepoTags ("" = untagged), ":latest" added when NAME had no tag.
  std::string tag;
  std::string ref; // docker: the reference text after "docker://", unparsed

  // The text form, which parse_destination() reads back to an equal value.
  std::string str() const;
  friend bool operator==(const Destination&, const Destination&) = default;
};

// Parses TRANSPORT:DETAILS. Throws InputError on an unknown or missing
// transport, an empty path or reference, an OCI tag outside the ref.name
// grammar, or a docker-archive name that is not a tagged image reference
// (digests are refused, as skopeo does).
Destination parse_destination(std::string_view text);

// Splits a docker-archive image name "NAME[:TAG]" into NAME and TAG ("latest"
// when missing; a ':' before the last '/' is a registry port). Throws
// InputError if it is not a docker reference, or has a digest.
std::pair<std::string, std::string> split_archive_name(std::string_view name);

// True for a valid org.opencontainers.image.ref.name value (image-spec
// annotations.md): components of [A-Za-z0-9]+ joined by [-._:@+] or "--",
// separated by '/'.
bool valid_oci_ref_name(std::string_view name);

} // namespace rt::layout
