#include "util/interrupt.hpp"

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <unistd.h>

namespace rt {

namespace {

std::atomic<int> g_signal{0};
// Wakes sleep_interruptibly when a signal comes.
std::mutex g_sleep_mu;
std::condition_variable g_sleep_cv;

sigset_t g_child_mask;

struct Temporaries {
  std::mutex mu;
  std::multiset<std::string> paths;
};
Temporaries& temporaries() {
  static auto* t = new Temporaries; // never destroyed: the watcher may use it at exit
  return *t;
}

[[noreturn]] void last_resort(int sig) {
  auto& t = temporaries();
  if (t.mu.try_lock()) { // another thread may hold it for ever if it was stopped there
    std::error_code ec;
    for (const auto& p : t.paths)
      std::filesystem::remove_all(p, ec);
  }
  const char msg[] = "release-tool: interrupted; stopped without waiting for the run to unwind\n";
  (void)!::write(2, msg, sizeof msg - 1);
  ::_exit(128 + sig);
}

void watch(sigset_t set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  g_signal.store(sig);
  { std::lock_guard<std::mutex> lock(g_sleep_mu); }
  g_sleep_cv.notify_all();
  // The run unwinds by itself; if it does not within this time, or a second
  // signal comes, stop here.
  timespec limit{10, 0};
  siginfo_t info{};
  sigtimedwait(&set, &info, &limit);
  last_resort(sig);
}

} // namespace

Interrupted::Interrupted(int signal)
    : Error(std::string("interrupted by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM")),
      signal_(signal) {}

void install_interrupt_handling() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM}) {
    // An ignored signal stays ignored: a shell runs background jobs with
    // SIGINT ignored so that ^C stops only the foreground one, and nohup-like
    // wrappers do the same.
    struct sigaction now {};
    if (sigaction(sig, nullptr, &now) == 0 && now.sa_handler == SIG_IGN) continue;
    sigaddset(&set, sig);
  }
  pthread_sigmask(SIG_BLOCK, &set, &g_child_mask);
  std::thread(watch, set).detach();
}

int interrupted() {
  return g_signal.load(std::memory_order_relaxed);
}

void check_interrupted() {
  if (int sig = interrupted()) throw Interrupted(sig);
}

void sleep_interruptibly(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(g_sleep_mu);
  g_sleep_cv.wait_for(lock, d, [] { return interrupted() != 0; });
  lock.unlock();
  check_interrupted();
}

const void* child_signal_mask() {
  return &g_child_mask;
}

void register_temporary(const std::string& path) {
  auto& t = temporaries();
  std::lock_guard<std::mutex> lock(t.mu);
  t.paths.insert(path);
}

void unregister_temporary(const std::string& path) {
  auto& t = temporaries();
  std::lock_guard<std::mutex> lock(t.mu);
  if (auto it = t.paths.find(path); it != t.paths.end()) t.paths.erase(it);
}

} // namespace rt
