#pragma once
// SIGINT and SIGTERM end a run the way a failure does: the work in progress
// stops at its next check, the error unwinds, every temporary file and
// directory is removed and every output is left as it was; the exit status
// is then 128 + the signal (130, 143), as shells report it.
#include "util/error.hpp"

#include <chrono>
#include <string>

namespace rt {

// The run was stopped by a signal. Thrown by check_interrupted().
class Interrupted : public Error {
public:
  explicit Interrupted(int signal);
  ExitCode exit_code() const override { return static_cast<ExitCode>(128 + signal_); }
  int signal() const { return signal_; }

private:
  int signal_;
};

// Called once by main before any other thread starts: blocks SIGINT and SIGTERM
// (those not ignored: a background job of a shell keeps ignoring SIGINT)
// in every thread (threads inherit the mask; children get the default one back,
// see child_signal_mask) and starts a thread that waits for them with sigwait.
// The first signal sets the flag check_interrupted() looks at. A run stuck
// where nothing checks it (10 s later), or a second signal, gets the last
// resort: the watcher removes the registered temporary paths and exits itself.
void install_interrupt_handling();

// 0, or the signal that asked the run to stop.
int interrupted();
// Throws Interrupted once a signal has come. Cheap (an atomic load): called by
// file reads and writes, HTTP transfers and waits between retries.
void check_interrupted();
// Sleeps for `d`, waking early (and throwing Interrupted) on a signal.
void sleep_interruptibly(std::chrono::milliseconds d);

// The signal mask children should start with (the one main had before
// install_interrupt_handling blocked SIGINT and SIGTERM).
const void* child_signal_mask(); // a const sigset_t*

// Temporary files and directories in progress, for the last resort above;
// TempDir and AtomicFile register themselves.
void register_temporary(const std::string& path);
void unregister_temporary(const std::string& path);

} // namespace rt
