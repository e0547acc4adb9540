// The instructions that change only the image config (and WORKDIR, which may
// also create its directory), with Docker's semantics.
#include "build/stage.hpp"

#include "util/error.hpp"

#include <csignal>
#include <fmt/format.h>
#include <regex>

namespace rt::build {

using dockerfile::Instruction;
using nlohmann::json;

namespace {

json& cfg(Stage& s) {
  return s.config["config"];
}

void set_env(Stage& s, const std::string& key, const std::string& value) {
  json& env = cfg(s)["Env"];
  if (!env.is_array()) env = json::array();
  for (auto& e : env) {
    std::string v = e.get<std::string>();
    if (v.compare(0, key.size() + 1, key + "=") == 0) {
      e = key + "=" + value;
      return;
    }
  }
  env.push_back(key + "=" + value);
}

// CMD/ENTRYPOINT/HEALTHCHECK: exec form as given; shell form through SHELL.
json command_of(Stage& s, const Instruction& ins) {
  if (ins.json_form) return ins.json_args;
  json shell = cfg(s).contains("Shell") ? cfg(s)["Shell"] : json::array({"/bin/sh", "-c"});
  shell.push_back(ins.rest);
  return shell;
}

// Go's time.ParseDuration subset Docker accepts for HEALTHCHECK: "30s", "1m30s", "500ms".
int64_t parse_duration(const BuildRun& run, const Instruction& ins, const std::string& flag,
                       const std::string& text) {
  static const std::regex part("([0-9]+(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");
  static const std::map<std::string, double> unit = {
      {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  if (text == "0") return 0;
  double total = 0;
  auto it = std::sregex_iterator(text.begin(), text.end(), part);
  size_t consumed = 0;
  for (; it != std::sregex_iterator(); ++it) {
    if (static_cast<size_t>(it->position()) != consumed) break;
    total += std::stod((*it)[1]) * unit.at((*it)[2]);
    consumed += it->length();
  }
  if (consumed != text.size() || text.empty())
    run.fail(ins, fmt::format("--{}: '{}' is not a duration (e.g. 30s, 1m30s)", flag, text));
  return static_cast<int64_t>(total);
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
      hc["Test"] = json::array({"CMD-SHELL", cmd});
    }
    for (const auto& [name, value] : ins.flags) {
      if (name == "retries") {
        try {
          size_t used = 0;
          int r = std::stoi(value, &used);
          if (used != value.size() || r < 0) throw std::invalid_argument("");
          hc["Retries"] = r;
        } catch (...) {
          run.fail(ins, fmt::format("--retries: '{}' is not a non-negative number", value));
        }
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

void do_expose(BuildRun& run, Stage& s, const Instruction& ins) {
  static const std::regex port_re("([0-9]+)(?:-([0-9]+))?(?:/(tcp|udp|sctp))?");
  for (const auto& w :
       dockerfile::expand_words(ins.rest, run.vars(s), run.file.escape, run.file.path, ins.line)) {
    std::smatch m;
    std::string lw = w;
    for (auto& c : lw)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::regex_match(lw, m, port_re))
      run.fail(ins, fmt::format("EXPOSE: '{}' is not a port (e.g. 80, 8080/tcp, 53/udp)", w));
    unsigned long lo = std::stoul(m[1]), hi = m[2].matched ? std::stoul(m[2]) : lo;
    if (lo < 1 || hi > 65535 || hi < lo)
      run.fail(ins, fmt::format("EXPOSE: '{}' is not a valid port or range", w));
    std::string proto = m[3].matched ? m[3].str() : "tcp";
    for (unsigned long p = lo; p <= hi; ++p)
      cfg(s)["ExposedPorts"][fmt::format("{}/{}", p, proto)] = json::object();
  }
}

void do_stopsignal(BuildRun& run, Stage& s, const Instruction& ins) {
  std::string sig = run.word(s, ins, ins.rest);
  static const std::regex ok("(SIG)?[A-Z0-9+-]+|[0-9]+");
  if (sig.empty() || !std::regex_match(sig, ok))
    run.fail(ins, fmt::format("STOPSIGNAL: '{}' is not a signal name or number", sig));
  cfg(s)["StopSignal"] = sig;
}

} // namespace

void dispatch_config_instruction(BuildRun& run, Stage& s, const Instruction& ins) {
  const std::string& k = ins.keyword;
  bool empty_layer = true;
  if (k == "ARG") {
    for (const auto& kv : dockerfile::parse_key_values(
             ins, run.vars(s), run.file.escape, run.file.path, dockerfile::KeyValueForm::arg)) {
      auto over = run.build_args.find(kv.key);
      auto global = run.global_args.find(kv.key);
      if (over != run.build_args.end()) {
        s.args[kv.key] = over->second;
        run.consumed_args.insert(kv.key);
      } else if (kv.has_value) {
        s.args[kv.key] = kv.value;
      } else if (global != run.global_args.end()) {
        s.args[kv.key] = global->second; // "ARG NAME" re-declares a global ARG in the stage
      }
    }
  } else if (k == "ENV") {
    for (const auto& kv :
         dockerfile::parse_key_values(ins, run.vars(s), run.file.escape, run.file.path,
                                      dockerfile::KeyValueForm::env_or_label))
      set_env(s, kv.key, kv.value);
  } else if (k == "LABEL") {
    for (const auto& kv :
         dockerfile::parse_key_values(ins, run.vars(s), run.file.escape, run.file.path,
                                      dockerfile::KeyValueForm::env_or_label))
      cfg(s)["Labels"][kv.key] = kv.value;
  } else if (k == "USER") {
    std::string user = run.word(s, ins, ins.rest);
    if (user.empty()) run.fail(ins, "USER needs a user name or id");
    cfg(s)["User"] = user;
  } else if (k == "CMD") {
    cfg(s)["Cmd"] = command_of(s, ins);
    s.cmd_set = true;
  } else if (k == "ENTRYPOINT") {
    cfg(s)["Entrypoint"] = command_of(s, ins);
    // Docker: an ENTRYPOINT resets a CMD inherited from the base image.
    if (!s.cmd_set) cfg(s).erase("Cmd");
  } else if (k == "EXPOSE") {
    do_expose(run, s, ins);
  } else if (k == "VOLUME") {
    std::vector<std::string> vols =
        ins.json_form ? ins.json_args
                      : dockerfile::expand_words(ins.rest, run.vars(s), run.file.escape,
                                                 run.file.path, ins.line);
    for (const auto& v : vols) {
      if (v.empty()) run.fail(ins, "VOLUME: empty path");
      cfg(s)["Volumes"][v] = json::object();
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
    s.config["author"] = run.word(s, ins, ins.rest);
  } else {
    run.fail(ins, "unsupported instruction " + k);
  }
  run.add_history(s, ins, empty_layer);
}

std::pair<uint32_t, uint32_t> resolve_owner(BuildRun& run, Stage& s, const Instruction& ins,
                                            const std::string& spec) {
  auto numeric = [](const std::string& t) -> std::optional<uint32_t> {
    if (t.empty() || t.size() > 10 || t.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    unsigned long v = std::stoul(t);
    if (v > 0xffffffffUL) return std::nullopt;
    return static_cast<uint32_t>(v);
  };
  size_t colon = spec.find(':');
  std::string user = spec.substr(0, colon);
  std::string group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (user.empty()) run.fail(ins, fmt::format("'{}' names no user", spec));
  auto uid = numeric(user);
  if (!uid) uid = s.fs->lookup_user(user);
  if (!uid) run.fail(ins, fmt::format("user '{}' is not in the stage's /etc/passwd", user));
  std::optional<uint32_t> gid;
  if (!group.empty()) {
    gid = numeric(group);
    if (!gid) gid = s.fs->lookup_group(group);
    if (!gid) run.fail(ins, fmt::format("group '{}' is not in the stage's /etc/group", group));
  } else if (!numeric(user)) {
    gid = s.fs->primary_group(*uid); // a name without group: its primary group
  }
  return {*uid, gid ? *gid : *uid}; // a bare uid: the same number as gid (Docker's rule)
}

void dispatch_workdir(BuildRun& run, Stage& s, const Instruction& ins) {
  std::string dir = run.word(s, ins, ins.rest);
  if (dir.empty()) run.fail(ins, "WORKDIR needs a path");
  std::string current = cfg(s).value("WorkingDir", std::string("/"));
  if (current.empty()) current.push_back('/');
  std::string joined = dir[0] == '/' ? dir : fmt::format("{}/{}", current, dir);
  std::string clean = layer::clean_entry_path(joined);
  cfg(s)["WorkingDir"] = "/" + clean;
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
        run.fail(ins, fmt::format("WORKDIR: /{} exists and is not a directory", prefix));
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
