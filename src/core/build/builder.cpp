#include "build/stage.hpp"
#include "util/time.hpp"

#include "build/go_values.hpp"
#include "layer/layer_writer.hpp"
#include "layout/oci_layout.hpp"
#include "oci/media_types.hpp"
#include "registry/reference.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/printable.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>
#include <set>

namespace rt::build {

using dockerfile::Instruction;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Flags each instruction accepts; anything else is refused before building.
const std::map<std::string, std::set<std::string>>& allowed_flags() {
  static const std::map<std::string, std::set<std::string>> m = {
      {"FROM", {"platform"}},
      {"COPY", {"from", "chown", "chmod", "link"}},
      {"ADD", {"chown", "chmod", "checksum", "link", "unpack"}},
      {"HEALTHCHECK", {"interval", "timeout", "start-period", "start-interval", "retries"}},
  };
  return m;
}

[[noreturn]] void fail_at(const dockerfile::Dockerfile& file, const Instruction& ins,
                          const std::string& what) {
  throw InputError::located(file.path, ins.line, what);
}

void validate(const dockerfile::Dockerfile& file, const Instruction& ins) {
  if (ins.keyword == "RUN")
    fail_at(file, ins,
            "RUN is not supported: release-tool assembles images without a container "
            "runtime, so it cannot run commands; build the files beforehand and COPY them");
  if (ins.keyword == "ONBUILD")
    fail_at(file, ins, "ONBUILD is not supported: its triggers would need a container runtime");
  auto it = allowed_flags().find(ins.keyword);
  for (const auto& [name, value] : ins.flags) {
    if (it == allowed_flags().end() || !it->second.count(name))
      fail_at(file, ins,
              fmt::format("{} does not support the flag --{}", ins.keyword, printable(name, 100)));
  }
}

// The name a FROM line gives its stage ("" for none), lower-cased and checked.
std::string stage_name(const dockerfile::Dockerfile& file, const Instruction& from) {
  auto words = dockerfile::split_raw_words(from.rest, file.escape);
  if (words.size() != 3) return "";
  // BuildKit's rule, [a-z][a-z0-9-_\.]*; it also keeps names apart from COPY --from=N indexes.
  std::string name = lower(words[2]);
  bool valid =
      name[0] >= 'a' && name[0] <= 'z' && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      });
  if (!valid)
    fail_at(file, from,
            fmt::format("invalid name for build stage: '{}', name can't start with "
                        "a number or contain symbols",
                        printable(words[2], 100)));
  return name;
}

// Checks every instruction and the stage layout; returns the stages' names in order.
std::vector<std::string> check_instructions(const dockerfile::Dockerfile& file) {
  std::vector<std::string> stages;
  for (const auto& ins : file.instructions) {
    validate(file, ins);
    if (ins.keyword == "FROM")
      stages.push_back(stage_name(file, ins));
    else if (stages.empty() && ins.keyword != "ARG")
      fail_at(file, ins, ins.keyword + " before the first FROM");
  }
  if (stages.empty()) throw InputError(file.path + ": no FROM instruction");
  return stages;
}

// Docker's predefined platform ARGs, in the global scope.
void add_platform_args(dockerfile::VarMap& v, const oci::Platform& p) {
  v["TARGETPLATFORM"] = p.str();
  v["TARGETOS"] = p.os;
  v["TARGETARCH"] = p.architecture;
  v["TARGETVARIANT"] = p.variant;
  v["BUILDPLATFORM"] = "linux/amd64";
  v["BUILDOS"] = "linux";
  v["BUILDARCH"] = "amd64";
  v["BUILDVARIANT"] = "";
}

const char* kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

} // namespace

void BuildRun::fail(const Instruction& ins, const std::string& what) const {
  throw InputError::located(file.path, ins.line, what);
}

Stage* BuildRun::find_stage(const std::string& key) {
  std::string k = lower(key);
  if (auto it = stage_index.find(k); it != stage_index.end()) return stages[it->second].get();
  if (auto i = parse_decimal(k, SIZE_MAX); i && *i < stages.size()) return stages[*i].get();
  return nullptr;
}

Stage& BuildRun::stage_named(const std::string& key, const Instruction& at) {
  Stage* s = find_stage(key);
  if (!s) fail(at, fmt::format("stage '{}' not found", printable(key, 100)));
  return *s;
}

std::string BuildRun::stage_path(const Instruction& ins, const std::string& dir,
                                 const std::string& path) const {
  constexpr size_t kPathMax = 4096, kNameMax = 255; // Linux's limits/ PATH_MAX and NAME_MAX
  std::string joined = !path.empty() && path[0] == '/' ? path : dir + "/" + path;
  std::string clean = clean_path(joined[0] == '/' ? joined : "/" + joined);
  if (clean.size() >= kPathMax)
    fail(ins, fmt::format("{} is {} bytes long once cleaned; Linux paths are shorter than {}",
                          printable(path, 100), clean.size(), kPathMax));
  for (size_t i = 1; i < clean.size();) {
    size_t j = std::min(clean.find('/', i), clean.size());
    if (j - i > kNameMax)
      fail(ins, fmt::format("{}: a name in it is {} bytes long; Linux allows {}",
                            printable(path, 100), j - i, kNameMax));
    i = j + 1;
  }
  return clean.substr(1);
}

std::string BuildRun::rfc3339_epoch() const {
  return util::rfc3339_utc(options.source_date_epoch);
}

void BuildRun::add_history(Stage& s, const Instruction& ins, bool empty_layer) const {
  // The line as written may name files by bytes that are not UTF-8 (names are bytes): history
  // is for people, so such bytes become U+FFFD, as Go's encoding/json writes them for BuildKit.
  std::string created_by = ins.original;
  if (!is_valid_utf8(created_by))
    created_by =
        nlohmann::json::parse(nlohmann::json(created_by)
                                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
            .get<std::string>();
  nlohmann::json h = {
      {"created", rfc3339_epoch()}, {"created_by", created_by}, {"comment", "release-tool"}};
  if (empty_layer) h["empty_layer"] = true;
  s.config["history"].push_back(h);
}

void BuildRun::add_layer(Stage& s, std::vector<layer::TarEntry> entries) {
  layer::sort_entries(entries);
  auto r = layer::write_layer_cached(entries, store, options.compression);
  oci::Descriptor d{std::string(layer::layer_media_type(options.compression.codec)), r.digest,
                    r.size};
  s.layers.push_back(std::make_shared<oci::FileLayer>(d, r.diff_id, store.path(r.digest)));
  s.config["rootfs"]["diff_ids"].push_back(r.diff_id.str());
  s.fs->apply(entries);
}

namespace {

// A reference the resolver rejects (e.g. upper case) is an error of the line naming it.
oci::Image resolve_located(BuildRun& run, const std::string& ref, const oci::Platform& platform,
                           const Instruction& at) {
  try {
    return run.options.resolve_image(ref, platform);
  } catch (const InputError& e) {
    run.fail(at, e.what());
  }
}

} // namespace

oci::Image resolve_base(BuildRun& run, const std::string& ref, const oci::Platform& platform,
                        const Instruction& at) {
  auto named = run.options.named_contexts.find(ref);
  if (named != run.options.named_contexts.end()) {
    const std::string& v = named->second;
    if (v.rfind("oci-layout://", 0) == 0) {
      std::string rest = v.substr(13);
      std::string tag;
      // DIR[:TAG] — the tag is after the last ':' that follows the last '/'.
      size_t colon = rest.rfind(':');
      if (colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
        tag = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
      }
      return layout::read_oci_layout(rest, tag, platform);
    }
    if (v.rfind("docker-image://", 0) == 0) {
      if (!run.options.resolve_image)
        run.fail(at, fmt::format("build context {}: registry images are not available", ref));
      return resolve_located(run, v.substr(15), platform, at);
    }
    throw InputError(fmt::format("--build-context {}={}: expected oci-layout://DIR[:TAG] or "
                                 "docker-image://REF",
                                 ref, v));
  }
  if (!run.options.resolve_image)
    run.fail(at, fmt::format("cannot resolve base image '{}': only scratch, earlier stages and "
                             "--build-context NAME=oci-layout://DIR are available here",
                             printable(ref, 200)));
  return resolve_located(run, ref, platform, at);
}

namespace {

// The name a base is annotated with (org.opencontainers.image.base.name), as
// BuildKit writes it: the registry reference fully qualified
// ("alpine" → "docker.io/library/alpine:latest"), also when a named context
// (docker-image://REF) stands for it; a local oci-layout:// context keeps its name.
std::string base_image_name(const BuildRun& run, const std::string& ref) {
  std::string image = ref;
  if (auto named = run.options.named_contexts.find(ref);
      named != run.options.named_contexts.end()) {
    if (named->second.rfind("docker-image://", 0) != 0) return ref;
    image = named->second.substr(15);
  }
  try {
    return registry::Reference::parse(image).str();
  } catch (const InputError&) {
    return image; // a resolver that takes other names (tests) keeps them as written
  }
}

void start_from_image(BuildRun& run, Stage& s, const oci::Image& img, const std::string& ref) {
  auto cfg = img.config_json();
  s.config = {{"architecture", cfg.value("architecture", s.platform.architecture)},
              {"os", cfg.value("os", s.platform.os)},
              {"config", cfg.value("config", nlohmann::json::object())},
              {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}},
              {"history", cfg.value("history", nlohmann::json::array())}};
  if (cfg.contains("variant")) s.config["variant"] = cfg["variant"];
  auto pairs = oci::manifest_layers(img.manifest, img.config, "base image " + ref);
  for (size_t i = 0; i < pairs.size(); ++i)
    s.config["rootfs"]["diff_ids"].push_back(pairs[i].second.str());
  s.layers = img.layers;
  s.fs->set_base(img.layers);
  s.base_name = base_image_name(run, ref);
  s.base_digest = img.digest().str();
}

void start_stage(BuildRun& run, Stage& s) {
  const Instruction& ins = *s.from;
  std::vector<std::string> words = dockerfile::expand_words(
      ins.rest, run.global_args, run.file.escape, run.file.path, ins.line, &run.expansion);
  if (words.size() != 1 && !(words.size() == 3 && lower(words[1]) == "as"))
    run.fail(ins, "FROM takes an image and an optional 'AS name'");
  std::string ref = run.utf8(ins, words[0]); // it may end up in the base.name annotation
  if (ref.empty()) run.fail(ins, "FROM needs an image name");
  s.platform = run.options.platform;
  for (const auto& [name, value] : ins.flags) {
    if (name != "platform") continue;
    std::string platform =
        run.utf8(ins, dockerfile::expand_word(value, run.global_args, run.file.escape,
                                              run.file.path, ins.line, &run.expansion));
    try {
      s.platform = oci::Platform::parse(platform);
    } catch (const InputError& e) {
      run.fail(ins, e.what());
    }
  }
  s.fs = std::make_unique<StageFs>(run.workspace);
  // FROM names an earlier stage by name only: a number is an image name there
  // (BuildKit reads numbers as stage indexes in COPY --from only).
  if (Stage* parent = run.find_stage(ref);
      parent && parent->index < s.index && parent->name == lower(ref)) {
    run.build_stage(*parent);
    s.config = parent->config;
    s.layers = parent->layers;
    s.fs = std::make_unique<StageFs>(run.workspace);
    s.fs->set_base(parent->layers);
    s.base_name = parent->base_name;
    s.base_digest = parent->base_digest;
    s.platform = parent->platform;
  } else if (lower(ref) == "scratch") {
    s.config = {{"architecture", s.platform.architecture},
                {"os", s.platform.os},
                {"config", nlohmann::json::object()},
                {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}},
                {"history", nlohmann::json::array()}};
    if (!s.platform.variant.empty()) s.config["variant"] = s.platform.variant;
  } else {
    start_from_image(run, s, resolve_base(run, ref, s.platform, ins), ref);
  }
  // Docker gives every image a PATH, scratch included.
  auto& c = s.config["config"];
  bool has_path = false;
  if (c.contains("Env"))
    for (const auto& e : c["Env"])
      has_path |= e.is_string() && e.get_ref<const std::string&>().rfind("PATH=", 0) == 0;
  if (!has_path) c["Env"].push_back(kDefaultPath);
  reset_vars(s);
}

} // namespace

std::string BuildRun::copy_from(const Instruction& ins, const std::string& raw) const {
  // BuildKit's toCommand: the stage graph is known before anything runs, so --from takes no
  // variables (it is expanded with no variables at all and must come out unchanged).
  if (dockerfile::expand_word(raw, {}, file.escape, file.path, ins.line, &expansion) != raw)
    fail(ins, "variable expansion is not supported for --from, define a new stage with FROM "
              "using ARG from global scope as a workaround");
  return raw;
}

std::vector<Stage*> BuildRun::dependencies(Stage& s) {
  std::vector<Stage*> deps;
  auto words = dockerfile::expand_words(s.from->rest, global_args, file.escape, file.path,
                                        s.from->line, &expansion);
  // FROM names an earlier stage by name only (see start_stage).
  if (!words.empty())
    if (Stage* parent = find_stage(words[0]);
        parent && parent->index < s.index && parent->name == lower(words[0]))
      deps.push_back(parent);
  for (const Instruction* ins : s.body)
    for (const auto& [name, value] : ins->flags)
      if (name == "from" && ins->keyword == "COPY")
        if (Stage* other = find_stage(copy_from(*ins, value)); other && other != &s)
          deps.push_back(other);
  return deps;
}

void BuildRun::build_stage(Stage& target) {
  if (target.built) return;
  // The stages `target` needs, in an order where each comes after what it needs: a depth-first
  // walk with its own stack, so that a chain of thousands of stages cannot exhaust the real one.
  struct Frame {
    Stage* stage;
    std::vector<Stage*> deps;
    size_t next = 0;
  };
  std::vector<Stage*> order;
  std::vector<Frame> stack;
  std::set<Stage*> done;
  auto enter = [&](Stage* st) {
    st->building = true;
    stack.push_back({st, dependencies(*st)});
  };
  enter(&target);
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next == f.deps.size()) {
      f.stage->building = false;
      done.insert(f.stage);
      order.push_back(f.stage);
      stack.pop_back();
      continue;
    }
    Stage* dep = f.deps[f.next++];
    if (dep->built || done.count(dep)) continue;
    if (dep->building) fail(*dep->from, "stages depend on each other in a cycle");
    enter(dep);
  }
  for (Stage* st : order)
    run_stage(*st);
}

void BuildRun::run_stage(Stage& s) {
  if (s.built) return;
  start_stage(*this, s); // what it needs is built: build_stage ordered it so
  for (const Instruction* ins : s.body) {
    log::debug("[stage {}] {}", s.index, ins->original);
    if (ins->keyword == "COPY" || ins->keyword == "ADD")
      dispatch_copy(*this, s, *ins);
    else if (ins->keyword == "WORKDIR")
      dispatch_workdir(*this, s, *ins);
    else
      dispatch_config_instruction(*this, s, *ins);
  }
  s.built = true;
}

void check_dockerfile(const std::string& dockerfile, const std::vector<std::string>& targets) {
  dockerfile::Dockerfile parsed = dockerfile::parse(read_file(dockerfile), dockerfile);
  std::vector<std::string> names = check_instructions(parsed);
  for (const auto& target : targets) {
    // As BuildRun::find_stage: a name, or an index.
    std::string t = lower(target);
    auto i = parse_decimal(t, SIZE_MAX);
    bool index = i && *i < names.size();
    if (!index && std::find(names.begin(), names.end(), t) == names.end())
      throw InputError(
          fmt::format("{}: target stage '{}' not found", dockerfile, printable(target, 100)));
  }
}

BuildResult build_image(const BuildOptions& options) {
  // These go into JSON (config, manifest annotations), whose strings are UTF-8.
  for (const auto* part :
       {&options.platform.os, &options.platform.architecture, &options.platform.variant})
    if (!is_valid_utf8(*part))
      throw InputError(
          fmt::format("--platform {}: not valid UTF-8", printable(options.platform.str(), 100)));
  for (const auto* flag : {&options.labels, &options.annotations})
    for (const auto& [k, v] : *flag)
      if (!is_valid_utf8(k) || !is_valid_utf8(v))
        throw InputError(fmt::format("--{} {}: not valid UTF-8",
                                     flag == &options.labels ? "label" : "annotation",
                                     printable(k + "=" + v, 100)));
  dockerfile::Dockerfile parsed =
      dockerfile::parse(read_file(options.dockerfile), options.dockerfile);
  TempDir workspace("release-tool-build");
  BuildRun run{options, std::move(parsed), BuildContext(options.context_dir),
               layer::BlobStore(options.store_root), workspace.path()};
  for (const auto& [k, v] : options.build_args)
    run.build_args[k] = v;

  // Global ARGs (before the first FROM) are visible to FROM lines only.
  add_platform_args(run.global_args, options.platform);
  std::vector<std::string> names = check_instructions(run.file);
  Stage* current = nullptr;
  for (const auto& ins : run.file.instructions) {
    if (ins.keyword == "FROM") {
      auto s = std::make_unique<Stage>();
      s->index = run.stages.size();
      s->from = &ins;
      s->name = names[s->index];
      if (!s->name.empty()) run.stage_index.emplace(s->name, s->index);
      current = run.stages.emplace_back(std::move(s)).get();
    } else if (!current) {
      for (const auto& kv :
           dockerfile::parse_key_values(ins, run.global_args, run.file.escape, run.file.path,
                                        dockerfile::KeyValueForm::arg, &run.expansion)) {
        auto over = run.build_args.find(kv.key);
        if (over != run.build_args.end()) {
          run.global_args[kv.key] = over->second;
          run.consumed_args.insert(kv.key);
        } else if (kv.has_value) {
          run.global_args[kv.key] = kv.value;
        }
      }
    } else {
      current->body.push_back(&ins);
    }
  }

  Stage* target = run.stages.back().get();
  if (!options.target.empty()) {
    target = run.find_stage(options.target);
    if (!target)
      throw InputError(fmt::format("{}: target stage '{}' not found", options.dockerfile,
                                   printable(options.target, 100)));
  }
  run.build_stage(*target);

  BuildResult result;
  target->config["created"] = run.rfc3339_epoch();
  for (const auto& [k, v] : options.labels)
    target->config["config"]["Labels"][k] = v;
  std::map<std::string, std::string> annotations = options.annotations;
  if (!target->base_name.empty()) {
    // As BuildKit does: name the base so scanners and `reproduce` can find it.
    annotations["org.opencontainers.image.base.name"] = target->base_name;
    annotations["org.opencontainers.image.base.digest"] = target->base_digest;
  }
  result.image = oci::make_image(oci::canonical(target->config), target->layers, annotations);
  result.base_name = target->base_name;
  result.base_digest = target->base_digest;
  for (const auto& [k, v] : run.build_args)
    if (!run.consumed_args.count(k)) result.unused_build_args.push_back(k);
  return result;
}

} // namespace rt::build
