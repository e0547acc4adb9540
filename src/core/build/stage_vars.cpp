// The variables a stage's instructions expand against (ARG and ENV, kept in step rather than
// rebuilt per word), the expansion helpers that charge the build's budget, and the UTF-8 check
// for values that go into the image config.
#include "build/stage.hpp"

#include "util/printable.hpp"

#include <fmt/format.h>

namespace rt::build {

using dockerfile::Instruction;

const std::string& BuildRun::utf8(const Instruction& ins, const std::string& value) const {
  if (!is_valid_utf8(value))
    fail(ins,
         fmt::format("{} value is not valid UTF-8: \"{}\"", ins.keyword, printable(value, 100)));
  return value;
}

std::string BuildRun::word(const Stage& s, const Instruction& ins, std::string_view text) const {
  return dockerfile::expand_word(text, vars(s), file.escape, file.path, ins.line, &expansion);
}

std::vector<std::string> BuildRun::words(const Stage& s, const Instruction& ins,
                                         std::string_view text) const {
  return dockerfile::expand_words(text, vars(s), file.escape, file.path, ins.line, &expansion);
}

std::vector<dockerfile::KeyValue> BuildRun::key_values(const Stage& s, const Instruction& ins,
                                                       dockerfile::KeyValueForm form) const {
  return dockerfile::parse_key_values(ins, vars(s), file.escape, file.path, form, &expansion);
}

void set_arg(Stage& s, const std::string& key, const std::string& value) {
  s.args[key] = value;
  if (!s.env_index.count(key)) s.vars[key] = value;
}

void set_env(Stage& s, const std::string& key, const std::string& value) {
  nlohmann::json& env = s.config["config"]["Env"];
  if (!env.is_array()) env = nlohmann::json::array();
  auto [it, added] = s.env_index.emplace(key, env.size());
  if (added)
    env.push_back(key + "=" + value);
  else
    env[it->second] = key + "=" + value;
  s.vars[key] = value;
}

void reset_vars(Stage& s) {
  s.vars = s.args;
  s.env_index.clear();
  auto config = s.config.find("config");
  if (config == s.config.end() || !config->contains("Env")) return;
  const nlohmann::json& env = (*config)["Env"];
  if (!env.is_array()) return;
  for (size_t i = 0; i < env.size(); ++i) {
    if (!env[i].is_string()) continue;
    const std::string& e = env[i].get_ref<const std::string&>();
    size_t eq = e.find('=');
    if (eq == std::string::npos) continue;
    s.env_index.emplace(e.substr(0, eq), i);    // the first of duplicates is the one ENV replaces
    s.vars[e.substr(0, eq)] = e.substr(eq + 1); // the last one is what a process would see
  }
}

} // namespace rt::build
