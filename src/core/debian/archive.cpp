#include "debian/archive.hpp"

#include "debian/control.hpp"
#include "github/http_fetch.hpp"
#include "registry/url.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <memory>

namespace rt::debian {

namespace {

constexpr const char* kDebianKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
// Packages indexes decompress to ~50 MiB for Debian main; anything far bigger is not one.
constexpr size_t kMaxIndexSize = size_t{1} << 30;

std::string strip_slash(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

bool contains(const std::vector<std::string_view>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// deb822 sources: "Types: deb", "URIs:", "Suites:", "Signed-By:" (a path).
std::optional<Mirror> from_deb822(const std::string& path, const std::string& suite) {
  std::string text = read_file(path);
  std::optional<Mirror> found;
  parse_paragraphs(
      text,
      [&](const Paragraph& p) {
        if (found || !contains(value_words(p.get("Types")), "deb")) return;
        if (p.get("Enabled") == "no" || !contains(value_words(p.get("Suites")), suite)) return;
        auto uris = value_words(p.get("URIs"));
        if (uris.empty()) return;
        std::string signed_by(p.get("Signed-By"));
        // An inline key block is not a path; the default keyring then applies.
        if (signed_by.find('\n') != std::string::npos) signed_by.clear();
        found = Mirror{strip_slash(std::string(uris.front())), signed_by};
      },
      path);
  return found;
}

// One-line sources: "deb [signed-by=FILE arch=...] URI SUITE COMPONENT...".
std::optional<Mirror> from_one_line(const std::string& path, const std::string& suite) {
  std::string text = read_file(path);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::string keyring;
    if (size_t open = line.find('['); open != std::string::npos) {
      size_t close = line.find(']', open);
      if (close == std::string::npos) continue;
      for (auto opt : value_words(std::string_view(line).substr(open + 1, close - open - 1)))
        if (opt.substr(0, 10) == "signed-by=") keyring = std::string(opt.substr(10));
      line.erase(open, close - open + 1);
    }
    auto words = value_words(line);
    if (words.size() >= 3 && words[0] == "deb" && words[2] == suite)
      return Mirror{strip_slash(std::string(words[1])), keyring};
  }
  return std::nullopt;
}

std::vector<std::string> files_in(const std::string& dir, const std::string& ext) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ext) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Reads a whole (xz, gzip or plain) compressed file through libarchive's raw format.
std::string decompress(const std::string& path, const std::string& what) {
  struct Deleter {
    void operator()(archive* a) const { archive_read_free(a); }
  };
  std::unique_ptr<archive, Deleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* e = nullptr;
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &e) != ARCHIVE_OK)
    throw RuntimeError(fmt::format("{}: cannot decompress: {}", what,
                                   archive_error_string(a.get()) ? archive_error_string(a.get())
                                                                 : "unknown format"));
  std::string out;
  std::vector<char> buf(1 << 17);
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
    if (n < 0)
      throw RuntimeError(
          fmt::format("{}: cannot decompress: {}", what, archive_error_string(a.get())));
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > kMaxIndexSize)
      throw RuntimeError(fmt::format("{}: larger than {} bytes uncompressed", what, kMaxIndexSize));
    out.append(buf.data(), static_cast<size_t>(n));
  }
  return out;
}

github::RetrySettings retry_settings() {
  github::RetrySettings r;
  r.github = false;
  r.attempts = 3;
  r.initial_backoff = std::chrono::milliseconds(500);
  r.max_rate_limit_wait = std::chrono::seconds(60);
  return r;
}

// A mirror's refusal (404 for a package gone from the pool) names what was asked for.
github::ErrorFor error_for(const std::string& what) {
  return [what](long status, const registry::Headers&, const std::string&, const std::string& url) {
    throw RuntimeError(
        fmt::format("{}: HTTP {} from {}", what, status, registry::url_for_message(url)));
  };
}

// The first apt source (deb822 .sources, then one-line lists) whose suites name `suite`.
std::optional<Mirror> from_apt(const std::string& apt_dir, const std::string& suite) {
  std::optional<Mirror> found;
  for (const auto& f : files_in(apt_dir + "/sources.list.d", ".sources"))
    if (!found) found = from_deb822(f, suite);
  std::vector<std::string> lists;
  if (path_exists(apt_dir + "/sources.list")) lists.push_back(apt_dir + "/sources.list");
  for (const auto& f : files_in(apt_dir + "/sources.list.d", ".list"))
    lists.push_back(f);
  for (const auto& f : lists)
    if (!found) found = from_one_line(f, suite);
  return found;
}

// A machine whose apt sources name only the release ("bookworm": a debootstrap
// root, a minimal container) still knows its archive. Debian's layout gives
// the other suites from it: "-updates", "-backports" and "-proposed-updates"
// are in the same archive; "-security" is in the archive beside it, named
// ".../debian-security" where the release's is ".../debian" (deb.debian.org
// and the mirrors that carry security both follow it). Nothing is trusted
// more for it: InRelease is still checked with the keyring, each .deb against
// its lock.
std::optional<Mirror> beside_release_suite(const std::string& apt_dir, const std::string& suite) {
  size_t dash = suite.find('-');
  if (dash == std::string::npos || dash == 0) return std::nullopt;
  std::string release = suite.substr(0, dash), kind = suite.substr(dash + 1);
  std::optional<Mirror> base = from_apt(apt_dir, release);
  if (!base) return std::nullopt;
  if (kind == "security") {
    if (base->url.size() < 7 || base->url.compare(base->url.size() - 7, 7, "/debian") != 0)
      return std::nullopt;
    base->url += "-security";
  } else if (kind != "updates" && kind != "backports" && kind != "proposed-updates") {
    return std::nullopt;
  }
  log::info("{}: no apt source names it; using {} (beside the source of {})", suite, base->url,
            release);
  return base;
}

} // namespace

Mirror find_mirror(const std::string& suite, const MirrorOptions& options) {
  Mirror m;
  std::string any, exact;
  for (const auto& flag : options.mirrors) {
    size_t eq = flag.find('=');
    size_t scheme = flag.find("://");
    if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
      if (flag.compare(0, eq, suite) == 0 && eq == suite.size()) exact = flag.substr(eq + 1);
    } else {
      any = flag;
    }
  }
  if (!exact.empty() || !any.empty()) {
    m.url = strip_slash(!exact.empty() ? exact : any);
  } else {
    std::optional<Mirror> found = from_apt(options.apt_dir, suite);
    if (!found) found = beside_release_suite(options.apt_dir, suite);
    if (!found)
      throw InputError(fmt::format("no apt source in {} serves the suite {} (give --mirror URL)",
                                   options.apt_dir, suite));
    m = *found;
  }
  m.keyring = !options.keyring.empty() ? options.keyring
              : !m.keyring.empty()     ? m.keyring
                                       : kDebianKeyring;
  return m;
}

Release fetch_release(const std::string& suite, const Mirror& mirror) {
  std::string url = fmt::format("{}/dists/{}/InRelease", mirror.url, suite);
  std::string what = fmt::format("InRelease of {}", suite);
  TempDir tmp("release-tool-inrelease");
  std::string signed_file = tmp.path() + "/InRelease";
  std::string verified_file = tmp.path() + "/Release";
  registry::HttpRequest request;
  request.url = url;
  github::Expected expected;
  expected.what = what;
  Release r;
  r.suite = suite;
  r.mirror = mirror;
  r.inrelease =
      github::download_to_file(request, expected, signed_file, retry_settings(), error_for(what));
  if (!path_exists(mirror.keyring))
    throw RuntimeError(fmt::format("{}: keyring {} not found (package debian-archive-keyring, "
                                   "or --keyring FILE)",
                                   what, mirror.keyring));
  // gpgv writes only what the signature covers to --output: the Release is read
  // from there, never from the cleartext around the signature.
  // Its messages (--logger-fd 1) are captured: shown only when it refuses.
  std::vector<std::string> argv = {"gpgv",     "--quiet",     "--logger-fd",
                                   "1",        "--keyring",   mirror.keyring,
                                   "--output", verified_file, signed_file};
  ProcessResult result = run_capture(argv, tmp.path());
  if (result.status != 0 || !path_exists(verified_file)) {
    std::string said = result.output;
    while (!said.empty() && (said.back() == '\n' || said.back() == ' '))
      said.pop_back();
    if (size_t nl = said.rfind('\n'); nl != std::string::npos) said.erase(0, nl + 1);
    throw RuntimeError(fmt::format("{} from {}: the signature does not verify against {} "
                                   "(gpgv exit {}: {})",
                                   what, registry::url_for_message(url), mirror.keyring,
                                   result.status, said));
  }
  std::string text = read_file(verified_file);
  bool seen = false;
  parse_paragraphs(
      text,
      [&](const Paragraph& p) {
        if (seen) return;
        seen = true;
        r.date = std::string(p.get("Date"));
        for (auto w : value_words(p.get("Architectures")))
          r.architectures.emplace_back(w);
        // The security archive says "updates/main" for the files under main/ (apt
        // strips the prefix too).
        for (auto w : value_words(p.get("Components")))
          r.components.emplace_back(
              w.substr(w.rfind('/') == std::string_view::npos ? 0 : w.rfind('/') + 1));
        r.by_hash = p.get("Acquire-By-Hash") == "yes";
        for (auto line : value_lines(p.get("SHA256"))) {
          auto words = value_words(line);
          if (words.size() != 3 || !Digest::valid("sha256:" + std::string(words[0]))) continue;
          r.files[std::string(words[2])] =
              IndexedFile{Digest{std::string(words[0])}, std::atoll(std::string(words[1]).c_str())};
        }
      },
      what);
  if (r.files.empty())
    throw RuntimeError(fmt::format("{}: the signed Release lists no SHA256 files", what));
  log::debug("{}: {} ({}), {} files", what, r.date, r.inrelease.str(), r.files.size());
  return r;
}

std::string fetch_packages(const Release& release, const std::string& component,
                           const std::string& arch, const layer::BlobStore& cache) {
  std::string dir = fmt::format("{}/binary-{}", component, arch);
  for (const char* ext : {".xz", ".gz", ""}) {
    std::string path = dir + "/Packages" + ext;
    auto it = release.files.find(path);
    if (it == release.files.end()) continue;
    std::string url = release.by_hash
                          ? fmt::format("{}/dists/{}/{}/by-hash/SHA256/{}", release.mirror.url,
                                        release.suite, dir, it->second.sha256.hex)
                          : fmt::format("{}/dists/{}/{}", release.mirror.url, release.suite, path);
    std::string what = fmt::format("{}/{}", release.suite, path);
    std::string blob =
        fetch_blob(url, it->second.sha256, it->second.size, what, "the signed Release", cache);
    return decompress(blob, what);
  }
  throw RuntimeError(
      fmt::format("the Release of {} lists no {}/Packages index", release.suite, dir));
}

std::string fetch_blob(const std::string& url, const Digest& sha256, int64_t size,
                       const std::string& what, const std::string& digest_source,
                       const layer::BlobStore& cache) {
  std::string path = cache.path(sha256);
  if (cache.has(sha256)) {
    if (sha256_of_file(path) == sha256) return path;
    log::warn("{}: the cached copy is damaged; fetching it again", what);
  }
  registry::HttpRequest request;
  request.url = url;
  github::Expected expected;
  expected.what = what;
  expected.size = size;
  expected.digest = sha256;
  expected.digest_source = digest_source;
  log::info("fetching {}", what);
  // Written under a temporary name and renamed only once size and digest match:
  // a cut or wrong download never becomes a cache entry.
  try {
    github::download_to_file(request, expected, path, retry_settings(), error_for(what));
  } catch (const RuntimeError& e) {
    // A failure without an answer (a cut transfer) names the URL only: say what it was.
    if (std::string_view(e.what()).rfind(what, 0) == 0) throw;
    throw RuntimeError(fmt::format("{}: {}", what, e.what()));
  }
  return path;
}

} // namespace rt::debian
