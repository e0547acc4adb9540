#include "util/fs.hpp"

#include "util/error.hpp"
#include "util/interrupt.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace rt {

namespace {
std::string errno_text() {
  return std::strerror(errno);
}

// Writes all of buf to fd (retrying short writes and EINTR); `path` names it in the error.
void write_all(int fd, const char* buf, size_t len, const std::string& path) {
  check_interrupted();
  while (len > 0) {
    ssize_t n = ::write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RuntimeError(fmt::format("cannot write {}: {}", path, errno_text()));
    }
    buf += n;
    len -= static_cast<size_t>(n);
  }
}

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}
} // namespace

InputFile::InputFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw RuntimeError(fmt::format("cannot open {}: {}", path, errno_text()));
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

size_t InputFile::read(char* buf, size_t len) {
  check_interrupted(); // every loop over a file's content passes here
  for (;;) {
    ssize_t n = ::read(fd_, buf, len);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw RuntimeError(fmt::format("cannot read {}: {}", path_, errno_text()));
  }
}

size_t InputFile::pread(char* buf, size_t len, int64_t offset) {
  for (;;) {
    ssize_t n = ::pread(fd_, buf, len, offset);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw RuntimeError(fmt::format("cannot read {}: {}", path_, errno_text()));
  }
}

int64_t InputFile::size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0)
    throw RuntimeError(fmt::format("cannot stat {}: {}", path_, errno_text()));
  return st.st_size;
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  fs::path p(path_);
  temp_ = (p.parent_path() / ("." + p.filename().string() + ".tmp-" + random_suffix())).string();
  register_temporary(temp_);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    unregister_temporary(temp_);
    throw RuntimeError(fmt::format("cannot create {}: {}", temp_, errno_text()));
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
  unregister_temporary(temp_);
}

void AtomicFile::write(const char* buf, size_t len) {
  write_all(fd_, buf, len, path_);
}

void AtomicFile::commit(unsigned mode) {
  commit_as(path_, mode);
}

void AtomicFile::finish(unsigned mode) {
  finish_as(path_, mode);
}

void AtomicFile::finish_as(const std::string& name, unsigned mode) {
  if (finished_) return;
  if (fd_ < 0) throw RuntimeError(fmt::format("cannot finish {}: already closed", name));
  int rc = (::fchmod(fd_, mode) != 0 || ::fsync(fd_) != 0) ? -1 : 0;
  int err = errno;
  if (::close(fd_) != 0 && rc == 0) {
    rc = -1;
    err = errno;
  }
  fd_ = -1;
  if (rc != 0) throw RuntimeError(fmt::format("cannot finish {}: {}", name, std::strerror(err)));
  finished_ = true;
}

void AtomicFile::commit_as(const std::string& final_path, unsigned mode) {
  finish_as(final_path, mode);
  if (::rename(temp_.c_str(), final_path.c_str()) != 0)
    throw RuntimeError(fmt::format("cannot rename {} to {}: {}", temp_, final_path, errno_text()));
  committed_ = true;
}

ScratchFile::ScratchFile(std::string path, unsigned mode) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd_ < 0) throw RuntimeError(fmt::format("cannot create {}: {}", path_, errno_text()));
}

ScratchFile::~ScratchFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ScratchFile::write(const char* buf, size_t len) {
  write_all(fd_, buf, len, path_);
}

void ScratchFile::close() {
  if (fd_ < 0) return;
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) throw RuntimeError(fmt::format("cannot write {}: {}", path_, errno_text()));
}

void write_scratch_file(const std::string& path, std::string_view content, unsigned mode) {
  ScratchFile f(path, mode);
  f.write(content.data(), content.size());
  f.close();
}

TempDir::TempDir(const std::string& prefix, const std::string& parent) {
  std::string base = parent;
  if (base.empty()) {
    const char* t = std::getenv("TMPDIR");
    base = (t && *t) ? t : "/tmp";
  }
  std::string templ = base + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(templ.data()))
    throw RuntimeError(fmt::format("cannot create a directory in {}: {}", base, errno_text()));
  path_ = templ;
  register_temporary(path_);
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  unregister_temporary(path_);
}

std::string TempDir::release() {
  unregister_temporary(path_);
  return std::exchange(path_, std::string());
}

std::string read_file(const std::string& path) {
  InputFile in(path);
  std::string out;
  char buf[1 << 16];
  while (size_t n = in.read(buf, sizeof buf))
    out.append(buf, n);
  return out;
}

void write_file_atomic(const std::string& path, std::string_view content, unsigned mode) {
  AtomicFile f(path);
  f.write(content);
  f.commit(mode);
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw RuntimeError(fmt::format("cannot create directory {}: {}", path, ec.message()));
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

} // namespace rt
