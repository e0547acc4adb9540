#pragma once
// Typed errors, thrown by the core and caught once in main(), which prints
// "release-tool: error: <what>" and exits with exit_code().
#include <stdexcept>
#include <string>

namespace rt {

enum class ExitCode : int { success = 0, failure = 1, bad_input = 2 };

// Base of every error the tool reports to the user.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
  virtual ExitCode exit_code() const { return ExitCode::failure; }
};

// The user gave us something we cannot accept (flags, Dockerfile, images.json,
// references): exit 2. Use located() to prefix "file:line: ".
class InputError : public Error {
public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::bad_input; }
  static InputError located(const std::string& file, int line, const std::string& what);
  static InputError located(const std::string& file, int line, int column, const std::string& what);
};

// Something failed while running (I/O, network, registry, verification): exit 1.
class RuntimeError : public Error {
public:
  using Error::Error;
};

} // namespace rt
