// release-tool: a thin wrapper. Parses flags, runs one command of the core
// library, and turns errors into "release-tool: error: ..." and an exit code.
#include "commands.hpp"
#include "layer/compression.hpp"
#include "util/error.hpp"
#include "util/interrupt.hpp"
#include "util/log.hpp"
#include "util/printable.hpp"

#include <cstdio>

int main(int argc, char** argv) {
  // Before any thread: SIGINT/SIGTERM unwind the run like a failure (exit 130/143).
  rt::install_interrupt_handling();
  CLI::App app{"release-tool: build, assemble and push reproducible OCI images without a daemon",
               "release-tool"};
  app.set_version_flag("--version",
                       std::string("release-tool ") + RT_VERSION + "\nlayers: " +
                           rt::layer::compressor_identity(rt::layer::Compression::gzip()) +
                           "; with --compression zstd: " +
                           rt::layer::compressor_identity(rt::layer::Compression::zstd()));
  app.require_subcommand(1);
  app.fallthrough(); // -v and -q work after the command name too
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "Show each step and HTTP exchange (secrets masked)");
  app.add_flag("-q,--quiet", quiet, "Show only errors and the result");

  rt::cli::Action action;
  rt::cli::add_assemble(app, action);
  rt::cli::add_copy(app, action);
  rt::cli::add_release(app, action);
  rt::cli::add_verify(app, action);
  rt::cli::add_sbom(app, action);
  rt::cli::add_base(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // Help and version are successes; every other parse error is bad input.
    return rc == 0 ? 0 : static_cast<int>(rt::ExitCode::bad_input);
  }
  rt::log::set_level(verbose ? rt::log::Level::verbose
                     : quiet ? rt::log::Level::quiet
                             : rt::log::Level::normal);
  try {
    return action();
  } catch (const rt::Error& e) {
    if (int sig = rt::interrupted()) {
      // Whatever failed first, a signal is why the run stopped.
      std::fprintf(stderr, "release-tool: %s\n", rt::Interrupted(sig).what());
      return 128 + sig;
    }
    std::fprintf(stderr, "release-tool: error: %s\n",
                 rt::printable_lines(rt::log::redact(e.what())).c_str());
    return static_cast<int>(e.exit_code());
  } catch (const std::exception& e) {
    if (int sig = rt::interrupted()) {
      std::fprintf(stderr, "release-tool: %s\n", rt::Interrupted(sig).what());
      return 128 + sig;
    }
    std::fprintf(stderr, "release-tool: error: %s\n",
                 rt::printable_lines(rt::log::redact(e.what())).c_str());
    return static_cast<int>(rt::ExitCode::failure);
  }
}
