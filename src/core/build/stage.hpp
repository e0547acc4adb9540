#pragma once
// Internal to the builder: the state of one stage while its instructions run,
// and the helpers the instruction handlers share.
#include "build/builder.hpp"
#include "build/context.hpp"
#include "build/stage_fs.hpp"
#include "dockerfile/expand.hpp"
#include "dockerfile/parser.hpp"
#include "layer/blob_store.hpp"

#include <memory>
#include <nlohmann/json.hpp>
#include <set>

namespace rt::build {

struct Stage {
  size_t index = 0;
  std::string name; // lower-cased AS name, "" if none
  const dockerfile::Instruction* from = nullptr;
  std::vector<const dockerfile::Instruction*> body;
  // Filled when built:
  bool built = false;
  bool building = false;
  oci::Platform platform;
  nlohmann::json config; // the whole image config
  std::vector<oci::LayerPtr> layers;
  std::unique_ptr<StageFs> fs;
  dockerfile::VarMap args; // ARG values in scope
  bool cmd_set = false;    // CMD given in this stage (ENTRYPOINT keeps it)
  std::string base_name, base_digest;
};

// Everything an instruction handler needs besides its stage.
struct BuildRun {
  const BuildOptions& options;
  dockerfile::Dockerfile file;
  BuildContext context;
  layer::BlobStore store;
  std::string workspace;          // temporary, removed after the build
  dockerfile::VarMap global_args; // after build-arg overrides, for FROM lines
  std::map<std::string, std::string> build_args;
  std::set<std::string> consumed_args;
  std::vector<std::unique_ptr<Stage>> stages;
  unsigned extracted = 0; // archives extracted so far (names their files in the workspace)

  [[noreturn]] void fail(const dockerfile::Instruction& ins, const std::string& what) const;
  // Variables for expansion in a stage: ARGs, overlaid by ENV (ENV wins, as in Docker).
  dockerfile::VarMap vars(const Stage& s) const;
  std::string word(const Stage& s, const dockerfile::Instruction& ins, std::string_view text) const;
  Stage& stage_named(const std::string& name_or_index, const dockerfile::Instruction& at);
  Stage* find_stage(const std::string& name_or_index);
  void build_stage(Stage& s);
  std::string rfc3339_epoch() const;
  void add_history(Stage& s, const dockerfile::Instruction& ins, bool empty_layer) const;
  // Writes entries as a new layer of the stage (and applies it to its fs).
  void add_layer(Stage& s, std::vector<layer::TarEntry> entries);
};

// Per-instruction handlers (instructions.cpp, copy.cpp).
void dispatch_config_instruction(BuildRun& run, Stage& s, const dockerfile::Instruction& ins);
void dispatch_copy(BuildRun& run, Stage& s, const dockerfile::Instruction& ins);
void dispatch_workdir(BuildRun& run, Stage& s, const dockerfile::Instruction& ins);
// ADD of an archive (add_archive.cpp): the tree unpacking `file` leaves, with
// Docker's rules (layer::ExtractedTree), paths relative to the destination.
// An entry that escapes, or a hardlink to what is not in the archive, is bad
// input: "Dockerfile:LINE: ADD WHAT: entry '../x' escapes the destination".
std::vector<layer::TarEntry> extract_archive(BuildRun& run, const dockerfile::Instruction& ins,
                                             const std::string& file, const std::string& what);
// Refuses (exit 2, at `ins`) entries a Linux system could not unpack: a name
// over NAME_MAX (255 bytes), a path or symlink target over PATH_MAX, and names
// starting with ".wh." (an unpacker would take them for whiteouts).
void check_layer_names(const BuildRun& run, const dockerfile::Instruction& ins,
                       const std::vector<layer::TarEntry>& entries);
// The image a FROM line or COPY --from names when it is not a stage: a named
// build context, else the options' resolver (a registry).
oci::Image resolve_base(BuildRun& run, const std::string& ref, const oci::Platform& platform,
                        const dockerfile::Instruction& at);
// Resolves "user[:group]" (names via the stage's /etc/passwd and /etc/group).
std::pair<uint32_t, uint32_t>
resolve_owner(BuildRun& run, Stage& s, const dockerfile::Instruction& ins, const std::string& spec);

} // namespace rt::build
