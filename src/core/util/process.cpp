#include "util/process.hpp"

#include "util/error.hpp"
#include "util/interrupt.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rt {

namespace {

// fork+exec with stdout redirected to `out_fd`; returns the pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& cwd, int out_fd) {
  if (argv.empty()) throw InputError("empty command");
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw RuntimeError("cannot create a pipe");
  pid_t pid = ::fork();
  if (pid < 0)
    throw RuntimeError(fmt::format("cannot start {}: {}", argv[0], std::strerror(errno)));
  if (pid == 0) {
    // SIGINT and SIGTERM are blocked here for the watcher thread; not in children.
    ::pthread_sigmask(SIG_SETMASK, static_cast<const sigset_t*>(child_signal_mask()), nullptr);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(out_fd, 1);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      int e = errno;
      (void)!::write(err_pipe[1], &e, sizeof e);
      ::_exit(127);
    }
    ::execvp(args[0], args.data());
    int e = errno;
    (void)!::write(err_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  int child_errno = 0;
  ssize_t n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  ::close(err_pipe[0]);
  if (n == sizeof child_errno) {
    ::waitpid(pid, nullptr, 0);
    throw RuntimeError(fmt::format("cannot run {} in {}: {}", quote_argv(argv),
                                   cwd.empty() ? "." : cwd, std::strerror(child_errno)));
  }
  return pid;
}

int wait_for(pid_t pid) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) throw RuntimeError("waitpid failed");
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 1;
}

} // namespace

int run_live(const std::vector<std::string>& argv, const std::string& cwd) {
  return wait_for(spawn(argv, cwd, 2));
}

ProcessResult run_capture(const std::vector<std::string>& argv, const std::string& cwd) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw RuntimeError("cannot create a pipe");
  pid_t pid;
  try {
    pid = spawn(argv, cwd, p[1]);
  } catch (...) {
    ::close(p[0]);
    ::close(p[1]);
    throw;
  }
  ::close(p[1]);
  ProcessResult r;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n > 0)
      r.output.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(p[0]);
  r.status = wait_for(pid);
  return r;
}

std::string quote_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain =
        !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_./=:@+,") == std::string::npos;
    if (plain)
      out += a;
    else {
      out += '\'';
      for (char c : a)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

} // namespace rt
