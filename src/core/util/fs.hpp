#pragma once
// Files: RAII descriptors, atomic replacement (temp file + rename on commit),
// temporary directories. All failures throw RuntimeError naming the path.
#include "util/io.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace rt {

namespace fs = std::filesystem;

// A file opened for reading.
class InputFile : public ByteSource {
public:
  explicit InputFile(const std::string& path);
  ~InputFile() override;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  size_t read(char* buf, size_t len) override;
  // Reads up to len bytes at offset without moving the position.
  size_t pread(char* buf, size_t len, int64_t offset);
  int64_t size() const;
  const std::string& path() const { return path_; }

private:
  std::string path_;
  int fd_ = -1;
};

// A file written under a temporary name beside `path` and renamed onto `path` by
// commit(). Destroyed without commit(), it removes the temporary: a crash or an
// error never leaves half an output.
class AtomicFile : public ByteSink {
public:
  explicit AtomicFile(std::string path);
  ~AtomicFile() override;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void write(const char* buf, size_t len) override;
  void write(std::string_view s) { write(s.data(), s.size()); }
  // Sets the mode, fsyncs and closes, leaving only the rename to commit():
  // staged outputs do everything that can fail before they rename anything.
  void finish(unsigned mode = 0644);
  // Flushes, fsyncs and renames into place (finish() first, if not done).
  void commit(unsigned mode = 0644);
  // Renames the finished temporary to another final path (content-addressed stores).
  void commit_as(const std::string& final_path, unsigned mode = 0644);
  const std::string& temp_path() const { return temp_; }

private:
  void finish_as(const std::string& name, unsigned mode);
  std::string path_;
  std::string temp_;
  int fd_ = -1;
  bool finished_ = false;
  bool committed_ = false;
};

// A directory removed with its contents on destruction (unless release()d).
class TempDir {
public:
  // Created under `parent` (default: $TMPDIR or /tmp) with the given prefix.
  explicit TempDir(const std::string& prefix = "release-tool", const std::string& parent = "");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string release();

private:
  std::string path_;
};

// A file written inside a TempDir and read back within the run: created (it must not
// exist), written and closed, never fsynced nor renamed — it goes with its directory,
// so neither a crash nor a half-written file outlives the run. (Staging thousands of
// package files through AtomicFile cost an fsync and a journal commit each.)
class ScratchFile : public ByteSink {
public:
  ScratchFile(std::string path, unsigned mode = 0600);
  ~ScratchFile() override;
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  void write(const char* buf, size_t len) override;
  void close();

private:
  std::string path_;
  int fd_ = -1;
};
void write_scratch_file(const std::string& path, std::string_view content, unsigned mode = 0600);

// Small files only (Dockerfiles, JSON): reads the whole file.
std::string read_file(const std::string& path);
void write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644);
void make_dirs(const std::string& path);
bool path_exists(const std::string& path);

} // namespace rt
