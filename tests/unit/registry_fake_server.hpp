#pragma once
// Test servers for the registry client: a scripted in-process HTTP/1.1 server
// (FakeServer) for exchanges a real registry will not produce on demand (redirects
// to a storage host, 503 + Retry-After, insufficient_scope, Link pages), and the
// real Debian docker-registry started from C++ (RegistryProcess).
#include "util/error.hpp"
#include "util/fs.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace rt::test {

struct FakeRequest {
  std::string method;
  std::string target;                         // path and query
  std::map<std::string, std::string> headers; // names lowercased
  std::string body;

  std::string path() const { return target.substr(0, target.find('?')); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct FakeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Answers each request with handler(request), one connection at a time, and
// closes the connection after each answer. Records every request.
class FakeServer {
public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw RuntimeError("FakeServer: cannot listen");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return "http://" + host(); }
  std::vector<FakeRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Requests whose method and path match.
  size_t count(const std::string& method, const std::string& path_prefix) const {
    size_t n = 0;
    for (const auto& r : requests())
      if (r.method == method && r.path().rfind(path_prefix, 0) == 0) ++n;
    return n;
  }

private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }

  static bool read_more(int c, std::string& buf) {
    char tmp[65536];
    ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
    return true;
  }

  void handle(int c) {
    std::string buf;
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more(c, buf)) return;
      // A TLS ClientHello (clients try https first on loopback): hang up, as a
      // plain-HTTP server would, so that the client falls back to http at once.
      if (buf[0] == '\x16') return;
    }
    FakeRequest req;
    std::string head = buf.substr(0, end);
    buf.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
    req.method = first.substr(0, sp1);
    req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      pos = e + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& ch : name)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      req.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    size_t length =
        req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
    while (buf.size() < length)
      if (!read_more(c, buf)) return;
    req.body = buf.substr(0, length);
    {
      std::lock_guard lock(mu_);
      requests_.push_back(req);
    }
    FakeResponse res = handler_(req);
    std::string out = "HTTP/1.1 " + std::to_string(res.status) + " X\r\nConnection: close\r\n";
    bool has_length = false;
    for (const auto& [n, v] : res.headers) {
      out += n + ": " + v + "\r\n";
      if (n == "Content-Length") has_length = true;
    }
    if (!has_length) out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
    out += "\r\n";
    if (req.method != "HEAD") out += res.body;
    for (size_t sent = 0; sent < out.size();) {
      ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;
};

// A free TCP port on 127.0.0.1 (free when asked; good enough for tests).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A child process (argv[0] looked up on PATH), its output in `log`, killed
// (SIGTERM) and reaped on destruction.
class ChildProcess {
public:
  ChildProcess(std::vector<std::string> argv, const std::string& log) : log_(log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    int rc = ::posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw RuntimeError("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  ~ChildProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status;
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits until ready() (polling every 10 ms); throws with the log if the child
  // exits first or 10 s pass.
  void wait_until(const std::function<bool()>& ready, const std::string& what) {
    for (int i = 0; i < 1000; ++i) {
      if (ready()) return;
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw RuntimeError(what + " exited early:\n" + read_file(log_));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw RuntimeError(what + " did not start:\n" + read_file(log_));
  }

private:
  pid_t pid_ = -1;
  std::string log_;
};

// The real registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1,
// storing into a temporary directory. `auth_yaml` / `tls_yaml` are appended to its
// config (e.g. an "auth:" section, "  tls: {...}" under http).
class RegistryProcess {
public:
  explicit RegistryProcess(const std::string& auth_yaml = "", const std::string& tls_yaml = "")
      : port_(free_port()) {
    std::string config = dir_.path() + "/config.yml";
    write_file_atomic(config, "version: 0.1\n"
                              "log: {level: warn}\n"
                              "storage:\n"
                              "  filesystem: {rootdirectory: " +
                                  dir_.path() + "/storage}\n" +
                                  "  delete: {enabled: true}\n"
                                  "http:\n"
                                  "  addr: " +
                                  host() + "\n" + tls_yaml + auth_yaml);
    child_.emplace(std::vector<std::string>{"docker-registry", "serve", config},
                   dir_.path() + "/registry.log");
    child_->wait_until([&] { return port_open(port_); }, "docker-registry");
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_.path(); }

private:
  TempDir dir_{"rt-registry"};
  int port_;
  std::optional<ChildProcess> child_;
};

} // namespace rt::test
