#include "commands/assemble.hpp"

#include "build/env_file.hpp"
#include "layer/blob_store.hpp"
#include "layout/docker_archive.hpp"
#include "layout/oci_layout.hpp"
#include "layout/output_set.hpp"
#include "registry/reference.hpp"
#include "remote/pusher.hpp"
#include "sign/cosign.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <regex>

namespace rt::commands {

layout::Destination parse_output(const std::string& text) {
  auto d = layout::parse_destination(text);
  if (d.kind == layout::Destination::Kind::docker) registry::Reference::parse(d.ref);
  return d;
}

void require_archive_can_carry(const layer::Compression& c, const layout::Destination& dest) {
  if (c.codec == layer::Codec::zstd && dest.kind == layout::Destination::Kind::docker_archive)
    throw InputError(fmt::format("--compression {}: {} cannot carry zstd layers (docker load "
                                 "before 23.0 rejects them); use gzip for docker-archive outputs",
                                 layer::compression_name(c), dest.str()));
}

int64_t source_date_epoch_from_env() {
  const char* v = std::getenv("SOURCE_DATE_EPOCH");
  if (!v || !*v) return 0;
  std::string s = v;
  if (s.find_first_not_of("0123456789") != std::string::npos || s.size() > 12)
    throw InputError(fmt::format("SOURCE_DATE_EPOCH='{}' is not a number of seconds", s));
  return std::stoll(s);
}

std::optional<std::pair<std::string, std::string>> parse_build_arg(const std::string& flag) {
  static const std::regex name("[A-Za-z_][A-Za-z0-9_]*");
  size_t eq = flag.find('=');
  std::string key = flag.substr(0, eq);
  if (!std::regex_match(key, name))
    throw InputError(fmt::format("--build-arg '{}': expected NAME=VALUE with a valid name", flag));
  if (eq != std::string::npos) return std::make_pair(key, flag.substr(eq + 1));
  if (const char* v = std::getenv(key.c_str())) return std::make_pair(key, std::string(v));
  return std::nullopt;
}

namespace {

// A file or directory named on the command line that is not there is bad input
// (exit 2), like a missing COPY source, not a failure while running.
void require_path(const std::string& path, std::string_view what, bool directory) {
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st))
    throw InputError(fmt::format("{} {}: no such file or directory", what, path));
  if (directory && !std::filesystem::is_directory(st))
    throw InputError(fmt::format("{} {} is not a directory", what, path));
  if (!directory && std::filesystem::is_directory(st))
    throw InputError(fmt::format("{} {} is a directory, not a file", what, path));
}

// All outputs or none: the local ones are staged (blobs in, index.json and
// archives beside their targets), registry ones get blobs and manifest by
// digest; then the local ones are renamed into place and, last, the registry
// tags move. Until then a failure leaves every local destination as it was
// (an OutputSet undoes its renames when destroyed unfinished); a pushed
// manifest that no tag names is harmless. Only a failure among the tag moves
// can leave some tags moved: registries offer no transaction.
void write_outputs(RegistrySession& session, const oci::Image& image,
                   const std::vector<layout::Destination>& outputs, const sign::SigningKey* key) {
  std::vector<registry::Reference> remotes;
  for (const auto& dest : outputs) {
    if (dest.kind != layout::Destination::Kind::docker) continue;
    auto ref = registry::Reference::parse(dest.ref);
    if (ref.digest && *ref.digest != image.digest())
      throw InputError(fmt::format("{} names digest {}, but the image is {}", dest.ref,
                                   ref.digest->str(), image.digest().str()));
    remotes.push_back(ref);
  }
  layout::OutputSet local;
  for (const auto& dest : outputs)
    if (dest.kind != layout::Destination::Kind::docker) local.stage(image, dest);
  for (const auto& ref : remotes)
    remote::push_image(session.registries, image, ref, session.push, session.progress,
                       &session.stats);
  // Signatures before anything is renamed or tagged: a signing failure leaves all as it was.
  if (key)
    for (const auto& ref : remotes)
      sign::sign_image(session.registries, ref, image.digest(), *key);
  local.commit();
  for (const auto& ref : remotes)
    if (!ref.digest) remote::tag_image(session.registries, image, ref);
  local.finish();
  for (const auto& dest : outputs)
    log::info("wrote {} to {}", image.digest().str(), dest.str());
}

} // namespace

Digest assemble(AssembleOptions o) {
  // Everything from the command line is checked before anything is built or written.
  require_path(o.build.context_dir, "build context", true);
  require_path(o.build.dockerfile, "Dockerfile", false);
  if (!o.build_arg_file.empty()) require_path(o.build_arg_file, "--build-arg-file", false);
  std::vector<layout::Destination> outputs;
  for (const auto& text : o.outputs)
    outputs.push_back(parse_output(text));
  if (outputs.empty()) throw InputError("no --output given (e.g. --output oci:out:latest)");
  if (!o.compression.empty()) {
    unsigned threads = o.build.compression.threads;
    o.build.compression = layer::parse_compression(o.compression);
    o.build.compression.threads = threads;
  }
  for (const auto& dest : outputs)
    require_archive_can_carry(o.build.compression, dest);
  o.build.platform = oci::Platform::parse(o.platform);
  if (!o.build_arg_file.empty())
    for (auto& kv : build::load_env_file(o.build_arg_file))
      o.build.build_args.push_back(kv);
  for (const auto& flag : o.build_arg_flags)
    if (auto kv = parse_build_arg(flag)) o.build.build_args.push_back(*kv);
  for (const auto& flag : o.build_context_flags) {
    size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError(
          fmt::format("--build-context '{}': expected NAME=oci-layout://DIR[:TAG]", flag));
    std::string value = flag.substr(eq + 1);
    if (value.rfind("oci-layout://", 0) != 0 && value.rfind("docker-image://", 0) != 0)
      throw InputError(fmt::format("--build-context '{}': expected NAME=oci-layout://DIR[:TAG] or "
                                   "NAME=docker-image://REF",
                                   flag));
    o.build.named_contexts[flag.substr(0, eq)] = value;
  }
  std::optional<sign::SigningKey> key;
  if (!o.sign_key.empty()) {
    bool any = false;
    for (const auto& d : outputs)
      any = any || d.kind == layout::Destination::Kind::docker;
    if (!any)
      throw InputError("--sign-key signs images in a registry: give an --output docker://REF");
    key = sign::SigningKey::load_with_env_password(o.sign_key);
  }
  if (o.build.store_root.empty()) o.build.store_root = layer::BlobStore::default_root();
  RegistrySession session(o.registry);
  layer::BlobStore cache(o.build.store_root);
  o.build.resolve_image = registry_resolver(session, cache);

  build::BuildResult result = build::build_image(o.build);
  for (const auto& arg : result.unused_build_args)
    log::warn("build argument {} was not consumed by any ARG", arg);
  write_outputs(session, result.image, outputs, key ? &*key : nullptr);
  return result.image.digest();
}

} // namespace rt::commands
