// The instructions that change only the image config (and WORKDIR, which may
// also create its directory), with Docker's semantics.
#include "build/stage.hpp"

#include "build/go_values.hpp"
#include "util/error.hpp"
#include "util/printable.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace rt::build {

using dockerfile::Instruction;
using nlohmann::json;

namespace {

json& cfg(Stage& s) {
  return s.config["config"];
}

// CMD/ENTRYPOINT/HEALTHCHECK: exec form as given; shell form through SHELL. (A JSON array
// always holds UTF-8: one that does not parse as JSON is shell form, checked here.)
json command_of(const BuildRun& run, Stage& s, const Instruction& ins) {
  if (ins.json_form) return ins.json_args;
  json shell = cfg(s).contains("Shell") ? cfg(s)["Shell"] : json::array({"/bin/sh", "-c"});
  shell.push_back(run.utf8(ins, ins.rest));
  return shell;
}

// A HEALTHCHECK duration flag as BuildKit's parseOptInterval reads it: Go's time.ParseDuration,
// "" or 0 for "not set", otherwise at least 1ms. Go's limit (an int64 of nanoseconds) is ours.
int64_t parse_duration(const BuildRun& run, const Instruction& ins, const std::string& flag,
                       const std::string& text) {
  if (text.empty()) return 0;
  auto d = parse_go_duration(text);
  if (!d)
    run.fail(ins, fmt::format("--{}: '{}' is not a duration (e.g. 30s, 1m30s; at most 2562047h)",
                              flag, printable(text, 100)));
  if (*d != 0 && *d < 1000000)
    run.fail(ins, fmt::format("--{}: '{}' is less than 1ms", flag, printable(text, 100)));
  return *d;
}

void do_healthcheck(BuildRun& run, Stage& s, const Instruction& ins) {
  std::string rest = ins.rest;
  std::string head = rest.substr(0, rest.find_first_of(" \t"));
  for (auto& c : head)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  json hc = json::object();
  if (head == "NONE") {
    if (!ins.flags.empty()) run.fail(ins, "HEALTHCHECK NONE takes no flags");
    hc["Test"] = json::array({"NONE"});
  } else if (head == "CMD") {
    if (ins.json_form) {
      hc["Test"] = json::array({"CMD"});
      for (const auto& a : ins.json_args)
        hc["Test"].push_back(a);
    } else {
      std::string cmd = rest.substr(3);
      cmd.erase(0, cmd.find_first_not_of(" \t"));
      if (cmd.empty()) run.fail(ins, "HEALTHCHECK CMD needs a command");
      hc["Test"] = json::array({"CMD-SHELL", run.utf8(ins, cmd)});
    }
    for (const auto& [name, value] : ins.flags) {
      if (name == "retries") {
        // BuildKit: strconv.ParseInt(v, 10, 32), and not negative.
        auto r = parse_decimal(value, INT32_MAX);
        if (!r)
          run.fail(ins, fmt::format("--retries: '{}' is not a number from 0 to {}",
                                    printable(value, 100), INT32_MAX));
        hc["Retries"] = *r;
      } else {
        static const std::map<std::string, std::string> key = {{"interval", "Interval"},
                                                               {"timeout", "Timeout"},
                                                               {"start-period", "StartPeriod"},
                                                               {"start-interval", "StartInterval"}};
        hc[key.at(name)] = parse_duration(run, ins, name, value);
      }
    }
  } else {
    run.fail(ins, "HEALTHCHECK takes CMD <command> or NONE");
  }
  cfg(s)["Healthcheck"] = hc;
}

// EXPOSE PORT[-PORT][/PROTO]: BuildKit expands with ProcessWords, so one variable may hold
// several ports. The protocol is lower-cased, as BuildKit does.
void do_expose(BuildRun& run, Stage& s, const Instruction& ins) {
  for (const auto& w : dockerfile::expand_fields(ins.rest, run.vars(s), run.file.escape,
                                                 run.file.path, ins.line, &run.expansion)) {
    std::string lw = w;
    for (auto& c : lw)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t slash = lw.find('/');
    std::string_view ports = std::string_view(lw).substr(0, slash);
    std::string proto = slash == std::string::npos ? "tcp" : lw.substr(slash + 1);
    if (ports.empty() || (proto != "tcp" && proto != "udp" && proto != "sctp"))
      run.fail(ins, fmt::format("EXPOSE: '{}' is not a port (e.g. 80, 8080/tcp, 53/udp)",
                                printable(w, 100)));
    size_t dash = ports.find('-');
    auto lo = parse_decimal(ports.substr(0, dash), 65535);
    auto hi = dash == std::string_view::npos ? lo : parse_decimal(ports.substr(dash + 1), 65535);
    if (!lo || !hi || *lo < 1 || *hi < *lo)
      run.fail(ins, fmt::format("EXPOSE: '{}' is not a valid port or range (1 to 65535)",
                                printable(w, 100)));
    for (uint64_t p = *lo; p <= *hi; ++p)
      cfg(s)["ExposedPorts"][fmt::format("{}/{}", p, proto)] = json::object();
  }
}

// A signal name (SIGTERM, TERM, RTMIN+3) or number; the runtime checks it is one it knows.
void do_stopsignal(BuildRun& run, Stage& s, const Instruction& ins) {
  std::string sig = run.word(s, ins, ins.rest);
  bool ok = !sig.empty() && std::all_of(sig.begin(), sig.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-';
  });
  if (!ok)
    run.fail(ins,
             fmt::format("STOPSIGNAL: '{}' is not a signal name or number", printable(sig, 100)));
  cfg(s)["StopSignal"] = sig;
}

} // namespace

void dispatch_config_instruction(BuildRun& run, Stage& s, const Instruction& ins) {
  const std::string& k = ins.keyword;
  bool empty_layer = true;
  if (k == "ARG") {
    for (const auto& kv : run.key_values(s, ins, dockerfile::KeyValueForm::arg)) {
      auto over = run.build_args.find(kv.key);
      auto global = run.global_args.find(kv.key);
      if (over != run.build_args.end()) {
        set_arg(s, kv.key, over->second);
        run.consumed_args.insert(kv.key);
      } else if (kv.has_value) {
        set_arg(s, kv.key, kv.value);
      } else if (global != run.global_args.end()) {
        set_arg(s, kv.key, global->second); // "ARG NAME" re-declares a global ARG in the stage
      }
    }
  } else if (k == "ENV") {
    for (const auto& kv : run.key_values(s, ins, dockerfile::KeyValueForm::env_or_label))
      set_env(s, run.utf8(ins, kv.key), run.utf8(ins, kv.value));
  } else if (k == "LABEL") {
    for (const auto& kv : run.key_values(s, ins, dockerfile::KeyValueForm::env_or_label))
      cfg(s)["Labels"][run.utf8(ins, kv.key)] = run.utf8(ins, kv.value);
  } else if (k == "USER") {
    std::string user = run.word(s, ins, ins.rest);
    if (user.empty()) run.fail(ins, "USER needs a user name or id");
    cfg(s)["User"] = run.utf8(ins, user);
  } else if (k == "CMD") {
    cfg(s)["Cmd"] = command_of(run, s, ins);
    s.cmd_set = true;
  } else if (k == "ENTRYPOINT") {
    cfg(s)["Entrypoint"] = command_of(run, s, ins);
    // Docker: an ENTRYPOINT resets a CMD inherited from the base image.
    if (!s.cmd_set) cfg(s).erase("Cmd");
  } else if (k == "EXPOSE") {
    do_expose(run, s, ins);
  } else if (k == "VOLUME") {
    // BuildKit expands each path, in JSON form too (VolumeCommand.Expand).
    std::vector<std::string> vols;
    if (!ins.json_form) vols = run.words(s, ins, ins.rest);
    for (const auto& a : ins.json_args)
      vols.push_back(run.word(s, ins, a));
    for (const auto& v : vols) {
      if (v.empty()) run.fail(ins, "VOLUME: empty path");
      cfg(s)["Volumes"][run.utf8(ins, v)] = json::object();
    }
  } else if (k == "STOPSIGNAL") {
    do_stopsignal(run, s, ins);
  } else if (k == "SHELL") {
    if (!ins.json_form || ins.json_args.empty())
      run.fail(ins, "SHELL must be a JSON array, e.g. SHELL [\"/bin/sh\", \"-c\"]");
    cfg(s)["Shell"] = ins.json_args;
  } else if (k == "HEALTHCHECK") {
    do_healthcheck(run, s, ins);
  } else if (k == "MAINTAINER") {
    s.config["author"] = run.utf8(ins, ins.rest); // BuildKit does not expand MAINTAINER
  } else {
    run.fail(ins, "unsupported instruction " + k);
  }
  run.add_history(s, ins, empty_layer);
}

std::pair<uint32_t, uint32_t> resolve_owner(BuildRun& run, Stage& s, const Instruction& ins,
                                            const std::string& spec) {
  auto numeric = [](const std::string& t) -> std::optional<uint32_t> {
    auto v = parse_decimal(t, UINT32_MAX);
    if (!v) return std::nullopt;
    return static_cast<uint32_t>(*v);
  };
  size_t colon = spec.find(':');
  std::string user = spec.substr(0, colon);
  std::string group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (user.empty()) run.fail(ins, fmt::format("'{}' names no user", printable(spec, 100)));
  auto uid = numeric(user);
  if (!uid) uid = s.fs->lookup_user(user);
  if (!uid)
    run.fail(ins, fmt::format("user '{}' is not in the stage's /etc/passwd", printable(user, 100)));
  std::optional<uint32_t> gid;
  if (!group.empty()) {
    gid = numeric(group);
    if (!gid) gid = s.fs->lookup_group(group);
    if (!gid)
      run.fail(ins,
               fmt::format("group '{}' is not in the stage's /etc/group", printable(group, 100)));
  } else if (!numeric(user)) {
    gid = s.fs->primary_group(*uid); // a name without group: its primary group
  }
  return {*uid, gid ? *gid : *uid}; // a bare uid: the same number as gid (Docker's rule)
}

void dispatch_workdir(BuildRun& run, Stage& s, const Instruction& ins) {
  std::string dir = run.word(s, ins, ins.rest);
  if (dir.empty()) run.fail(ins, "WORKDIR needs a path");
  std::string clean = run.stage_path(ins, cfg(s).value("WorkingDir", std::string("/")), dir);
  cfg(s)["WorkingDir"] = run.utf8(ins, "/" + clean);
  // Like BuildKit, create the directory (and missing parents) owned by USER.
  std::string resolved = s.fs->resolve(clean, true);
  bool exists = s.fs->is_dir(resolved);
  if (!exists && !resolved.empty()) {
    std::pair<uint32_t, uint32_t> owner{0, 0};
    std::string user = cfg(s).value("User", std::string());
    if (!user.empty()) owner = resolve_owner(run, s, ins, user);
    std::vector<layer::TarEntry> entries;
    std::string prefix;
    size_t i = 0;
    while (i <= resolved.size()) {
      size_t j = resolved.find('/', i);
      if (j == std::string::npos) j = resolved.size();
      prefix = resolved.substr(0, j);
      auto existing = s.fs->find(prefix);
      if (existing && existing->type != EntryType::directory)
        run.fail(ins, fmt::format("WORKDIR: /{} exists and is not a directory", printable(prefix)));
      layer::TarEntry e =
          existing ? *existing
                   : layer::TarEntry{prefix, EntryType::directory, 0755, owner.first, owner.second};
      e.mtime = run.options.source_date_epoch;
      entries.push_back(e);
      i = j + 1;
    }
    run.add_layer(s, std::move(entries));
  }
  run.add_history(s, ins, exists || resolved.empty());
}

} // namespace rt::build
