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
  bool building = false; // on build_stage's path: meeting it again is a cycle
  oci::Platform platform;
  nlohmann::json config; // the whole image config
  std::vector<oci::LayerPtr> layers;
  std::unique_ptr<StageFs> fs;
  dockerfile::VarMap args; // ARG values in scope
  // What expansions see: args overlaid by the config's Env (ENV wins, as in Docker), kept in
  // step by set_arg/set_env instead of rebuilt per word.
  dockerfile::VarMap vars;
  std::map<std::string, size_t> env_index; // config.Env entries by name
  bool cmd_set = false;                    // CMD given in this stage (ENTRYPOINT keeps it)
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
  // Every expansion of the build shares it: the Dockerfile's total expansion work is bounded.
  mutable dockerfile::ExpansionBudget expansion;
  std::map<std::string, std::string> build_args;
  std::set<std::string> consumed_args;
  std::vector<std::unique_ptr<Stage>> stages;
  unsigned extracted = 0; // archives extracted so far (names their files in the workspace)
  std::map<std::string, size_t> stage_index; // by name: the first stage of each name

  [[noreturn]] void fail(const dockerfile::Instruction& ins, const std::string& what) const;
  // Returns `value` if it is UTF-8, as every string of the image config (JSON) must be. Throws
  // InputError "Dockerfile:LINE: KEYWORD value is not valid UTF-8: ..." otherwise (Go's JSON
  // would silently write U+FFFD instead).
  const std::string& utf8(const dockerfile::Instruction& ins, const std::string& value) const;
  // Variables for expansion in a stage: ARGs, overlaid by ENV (ENV wins, as in Docker).
  const dockerfile::VarMap& vars(const Stage& s) const { return s.vars; }
  // `text` expanded in the stage (ProcessWord), within the build's expansion budget.
  std::string word(const Stage& s, const dockerfile::Instruction& ins, std::string_view text) const;
  // expand_words / parse_key_values in the stage, within the budget.
  std::vector<std::string> words(const Stage& s, const dockerfile::Instruction& ins,
                                 std::string_view text) const;
  std::vector<dockerfile::KeyValue> key_values(const Stage& s, const dockerfile::Instruction& ins,
                                               dockerfile::KeyValueForm form) const;
  Stage& stage_named(const std::string& name_or_index, const dockerfile::Instruction& at);
  Stage* find_stage(const std::string& name_or_index);
  // Builds `s` after every stage it needs (FROM, COPY --from), without recursion. Throws
  // InputError on a cycle.
  void build_stage(Stage& s);
  // The stages `s` names in FROM and COPY --from.
  std::vector<Stage*> dependencies(Stage& s);
  // Runs the instructions of `s`, whose dependencies are built.
  void run_stage(Stage& s);
  // The value of COPY --from as written. Throws InputError if it holds a variable (BuildKit
  // resolves the stage graph before expanding anything).
  std::string copy_from(const dockerfile::Instruction& ins, const std::string& raw) const;
  // `path` (absolute, or relative to the directory `dir`) as BuildKit's NormalizePath makes a
  // WORKDIR or COPY destination: joined and cleaned like Go's path.Clean, so ".." stops at the
  // root ("/../etc" is "/etc"). Returned without its leading '/' ("" for the root). Throws
  // InputError at `ins` past PATH_MAX (4096 bytes) or NAME_MAX (255 bytes a component): no
  // Linux system could create it.
  std::string stage_path(const dockerfile::Instruction& ins, const std::string& dir,
                         const std::string& path) const;
  std::string rfc3339_epoch() const;
  void add_history(Stage& s, const dockerfile::Instruction& ins, bool empty_layer) const;
  // Writes entries as a new layer of the stage (and applies it to its fs).
  void add_layer(Stage& s, std::vector<layer::TarEntry> entries);
};

// The stage's variables: an ARG value (hidden by an ENV of the same name), an ENV value (also
// written to config.Env), and both rebuilt from args and config.Env when a stage starts.
void set_arg(Stage& s, const std::string& key, const std::string& value);
void set_env(Stage& s, const std::string& key, const std::string& value);
void reset_vars(Stage& s);

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
