#pragma once
// Each command registers its flags on the app and returns the action to run
// once parsing succeeded. Parsing only: the work is in the core library.
#include <CLI/CLI.hpp>
#include <functional>

namespace rt::cli {

using Action = std::function<int()>;

void add_assemble(CLI::App& app, Action& action);
void add_copy(CLI::App& app, Action& action);
void add_release(CLI::App& app, Action& action);
void add_verify(CLI::App& app, Action& action);
void add_sbom(CLI::App& app, Action& action);
void add_base(CLI::App& app, Action& action);

} // namespace rt::cli
