// The Dockerfile parser, and the expansion of every instruction's arguments as the builder asks
// for it (flags, ENV/ARG/LABEL pairs, shell-form words, heredoc words and bodies), with the
// variables the file's own ARG and ENV lines define.
#include "fuzz_support.hpp"

#include "dockerfile/expand.hpp"
#include "dockerfile/parser.hpp"

using namespace rt::dockerfile;

namespace {

void expand_instruction(const Dockerfile& df, const Instruction& ins, VarMap& vars) {
  for (const auto& flag : ins.flags)
    expand_word(flag.second, vars, df.escape, df.path, ins.line);
  if (ins.keyword == "ENV" || ins.keyword == "ARG" || ins.keyword == "LABEL") {
    auto form = ins.keyword == "ARG" ? KeyValueForm::arg : KeyValueForm::env_or_label;
    for (auto& kv : parse_key_values(ins, vars, df.escape, df.path, form))
      if (ins.keyword != "LABEL" && kv.has_value) vars[kv.key] = kv.value;
    return;
  }
  if (ins.json_form) return;
  for (const auto& raw : split_raw_words(ins.rest, df.escape))
    if (!parse_heredoc_word(raw, df.path, ins.line))
      expand_keeping_quotes(raw, vars, df.escape, df.path, ins.line);
  expand_words(ins.rest, vars, df.escape, df.path, ins.line);
  for (const auto& h : ins.heredocs)
    if (h.expand) expand_heredoc(h.content, vars, df.path, ins.line);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  rt::fuzz::typed_errors_only([&] {
    Dockerfile df = parse(text, "Dockerfile");
    VarMap vars;
    // Each instruction on its own: one that is refused does not hide the ones after it.
    for (const auto& ins : df.instructions)
      rt::fuzz::typed_errors_only([&] { expand_instruction(df, ins, vars); });
  });
  return 0;
}
