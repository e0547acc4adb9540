// COPY and ADD: sources from the context, another stage or an image; the
// destination rules of Docker (trailing slash, several sources, WORKDIR);
// ADD also extracts local tar archives and fetches URLs.
#include "build/patterns.hpp"
#include "build/stage.hpp"

#include "layer/tar_reader.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

namespace rt::build {

using dockerfile::Instruction;
using layer::TarEntry;

namespace {

struct CopyFlags {
  std::string from;
  std::optional<std::pair<uint32_t, uint32_t>> owner;
  std::optional<uint32_t> chmod;
  std::optional<Digest> checksum;
  bool unpack = false; // ADD --unpack: extract an archive fetched from a URL (Dockerfile 1.17)
};

// A source as it will be laid down: where it goes relative to the destination
// root, and its entry (content on the host for files).
struct Planned {
  std::string rel; // relative to the destination directory, or "" for the dest itself
  TarEntry entry;
  bool from_context = false;
};

std::string base_name(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

bool is_url(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

CopyFlags read_flags(BuildRun& run, Stage& s, const Instruction& ins) {
  CopyFlags f;
  for (const auto& [name, raw] : ins.flags) {
    if (name == "from") {
      f.from = run.copy_from(ins, raw);
      continue;
    }
    std::string value = run.word(s, ins, raw);
    if (name == "chown") {
      f.owner = resolve_owner(run, s, ins, value);
    } else if (name == "chmod") {
      if (value.empty() || value.size() > 4 ||
          value.find_first_not_of("01234567") != std::string::npos)
        run.fail(ins, fmt::format("--chmod={}: expected an octal mode such as 0755",
                                  printable(value, 100)));
      f.chmod = static_cast<uint32_t>(std::stoul(value, nullptr, 8));
    } else if (name == "unpack") {
      if (value != "" && value != "true" && value != "false")
        run.fail(ins, fmt::format("--unpack={}: expected true or false", printable(value, 100)));
      f.unpack = value != "false";
    } else if (name == "checksum") {
      try {
        f.checksum = Digest::parse(value, "--checksum");
      } catch (const InputError& e) {
        run.fail(ins, e.what());
      }
    }
  }
  return f;
}

// ADD extracts an archive into the destination, keeping its modes and owners.
void plan_archive(BuildRun& run, const Instruction& ins, const std::string& file,
                  const std::string& what, std::vector<Planned>& out) {
  for (auto& e : extract_archive(run, ins, file, what))
    out.push_back({e.path, e, false});
}

// Sources from the build context. Modes are normalised (0755 if any execute
// bit, else 0644; directories 0755) so the checkout's umask does not matter.
void plan_context_source(BuildRun& run, const Instruction& ins, bool is_add,
                         const std::string& match, bool dest_is_dir, std::vector<Planned>& out) {
  TarEntry top;
  try {
    top = run.context.stat(match);
  } catch (const InputError& e) {
    run.fail(ins, e.what());
  }
  auto normalise = [](TarEntry e) {
    if (e.type == EntryType::file)
      e.mode = (e.mode & 0111) ? 0755 : 0644;
    else if (e.type == EntryType::directory)
      e.mode = 0755;
    else if (e.type == EntryType::symlink)
      e.mode = 0777;
    e.uid = e.gid = 0;
    return e;
  };
  if (top.type == EntryType::directory) {
    std::string prefix = match.empty() ? "" : match + "/";
    std::vector<TarEntry> found;
    try {
      found = run.context.walk(match); // a FIFO or device inside: Dockerfile:LINE names it
    } catch (const InputError& e) {
      run.fail(ins, e.what());
    }
    for (auto& e : found)
      out.push_back({e.path.substr(prefix.size()), normalise(e), true});
    return;
  }
  if (is_add && layer::looks_like_tar_archive(top.source)) {
    plan_archive(run, ins, top.source, match, out);
    return;
  }
  out.push_back({dest_is_dir ? base_name(match.empty() ? run.context.dir() : match) : "",
                 normalise(top), true});
}

// Sources from another stage or an image: modes and owners are kept.
void plan_stage_source(BuildRun& run, const Instruction& ins, StageFs& fs, const std::string& src,
                       bool dest_is_dir, std::vector<Planned>& out) {
  std::vector<std::string> matches;
  std::string clean = clean_path("/" + src).substr(1); // ".." stops at the root, as in BuildKit
  if (has_glob_meta(clean)) {
    for (const auto& e : fs.list_under(""))
      if (glob_match(clean, e.path)) matches.push_back(e.path);
  } else {
    std::string r = fs.resolve(clean, true);
    if (fs.find(r)) matches.push_back(clean);
  }
  if (matches.empty())
    run.fail(ins, fmt::format("{}: no such file or directory in --from source", printable(src)));
  for (const auto& m : matches) {
    std::string r = fs.resolve(m, true);
    auto top = *fs.find(r);
    if (top.type == EntryType::directory) {
      std::string prefix = r.empty() ? "" : r + "/";
      for (auto& e : fs.with_content(fs.list_under(r)))
        out.push_back({e.path.substr(prefix.size()), e, false});
    } else {
      auto withc = fs.with_content({top});
      out.push_back({dest_is_dir ? base_name(m) : "", withc[0], false});
    }
  }
}

} // namespace

void dispatch_copy(BuildRun& run, Stage& s, const Instruction& ins) {
  bool is_add = ins.keyword == "ADD";
  CopyFlags flags = read_flags(run, s, ins);
  std::vector<std::string> args;
  // Heredoc sources ("<<EOF"), each the next of the instruction's heredocs, in order.
  std::vector<const dockerfile::Heredoc*> docs;
  if (ins.json_form) {
    for (const auto& a : ins.json_args)
      args.push_back(run.word(s, ins, a));
  } else if (ins.heredocs.empty()) {
    args = run.words(s, ins, ins.rest);
  } else {
    auto raw = dockerfile::split_raw_words(ins.rest, run.file.escape);
    for (size_t k = 0; k < raw.size(); ++k) {
      auto h = dockerfile::parse_heredoc_word(raw[k], run.file.path, ins.line);
      if (h && k + 1 == raw.size())
        run.fail(ins, ins.keyword + " cannot accept a heredoc as a destination");
      if (h && docs.size() < ins.heredocs.size()) {
        docs.push_back(&ins.heredocs[docs.size()]);
        continue;
      }
      args.push_back(run.word(s, ins, raw[k]));
    }
  }
  if (args.empty() || args.size() + docs.size() < 2)
    run.fail(ins, ins.keyword + " needs at least one source and a destination");
  std::string dest = args.back();
  args.pop_back();
  bool single_url = args.size() == 1 && docs.empty() && is_url(args[0]);
  if (flags.checksum && !(is_add && single_url))
    run.fail(ins, "--checksum is only for ADD of a single URL");
  if (flags.unpack && !(is_add && single_url))
    run.fail(ins, "--unpack is only for ADD of a URL (local archives are always extracted)");

  // The source tree: the context, an earlier stage, or an image.
  StageFs* from_fs = nullptr;
  std::unique_ptr<StageFs> image_fs;
  if (!flags.from.empty()) {
    if (Stage* other = run.find_stage(flags.from)) {
      if (other == &s) run.fail(ins, "--from names the stage it is in");
      run.build_stage(*other);
      from_fs = other->fs.get();
    } else if (flags.from.find_first_not_of("0123456789") == std::string::npos) {
      // As BuildKit: a number is a stage index, never an image name to pull.
      run.fail(ins, fmt::format("--from={}: invalid stage index (stages are numbered 0 to {})",
                                printable(flags.from, 100), run.stages.size() - 1));
    } else {
      image_fs = std::make_unique<StageFs>(run.workspace);
      // An image named directly (or a named context), as Docker allows.
      image_fs->set_base(resolve_base(run, flags.from, s.platform, ins).layers);
      from_fs = image_fs.get();
    }
  }

  // Docker's destination rules: relative to WORKDIR; a directory if it ends
  // in '/', or if there are several sources, or if it is one already.
  if (dest.empty()) run.fail(ins, ins.keyword + " needs a destination");
  std::string workdir = s.config["config"].value("WorkingDir", std::string("/"));
  bool trailing = dest.back() == '/' || (dest.size() >= 2 && dest.substr(dest.size() - 2) == "/.");
  std::string dest_clean = run.stage_path(ins, workdir, dest);
  std::string dest_resolved = s.fs->resolve(dest_clean, true);

  std::vector<std::string> expanded;
  std::vector<std::string> urls;
  for (const auto& a : args) {
    if (is_url(a)) {
      if (!is_add) run.fail(ins, "COPY cannot fetch URLs; use ADD");
      urls.push_back(a);
      continue;
    }
    if (from_fs) {
      expanded.push_back(a);
      continue;
    }
    try {
      for (auto& m : run.context.match(a))
        expanded.push_back(m);
    } catch (const InputError& e) {
      run.fail(ins, e.what());
    }
  }
  size_t count = expanded.size() + urls.size() + docs.size();
  bool dest_is_dir = trailing || s.fs->is_dir(dest_resolved);
  if (count > 1 && !dest_is_dir)
    run.fail(ins, fmt::format("with more than one source, the destination {} must be a "
                              "directory and end with '/'",
                              printable(dest)));
  if (count > 1) dest_is_dir = true;

  std::vector<Planned> planned;
  for (const auto& m : expanded) {
    if (from_fs)
      plan_stage_source(run, ins, *from_fs, m, dest_is_dir, planned);
    else
      plan_context_source(run, ins, is_add, m, dest_is_dir, planned);
  }
  for (const auto& url : urls) {
    if (!run.options.fetch_url) run.fail(ins, "ADD <url> is not available in this command");
    std::string file = fmt::format("{}/url-{}-{}", run.workspace, ins.line, planned.size());
    std::string name = run.options.fetch_url(url, flags.checksum, file);
    if (flags.unpack) {
      if (!layer::looks_like_tar_archive(file))
        run.fail(ins, fmt::format("ADD --unpack: {} is not a tar archive", printable(url)));
      plan_archive(run, ins, file, url, planned);
      continue;
    }
    // Docker gives a file fetched from a URL mode 0600.
    TarEntry e{"",  EntryType::file, 0600, 0, 0, 0, static_cast<int64_t>(fs::file_size(file)), "",
               file};
    planned.push_back({dest_is_dir ? name : "", e, false});
  }

  // Heredocs become files named after their word, 0644, their variables expanded unless the
  // word was quoted (BuildKit's llb.Mkfile of the body, after the other sources).
  for (size_t k = 0; k < docs.size(); ++k) {
    const dockerfile::Heredoc& h = *docs[k];
    std::string name = base_name(h.name);
    if (name.empty() || name == "." || name == "..")
      run.fail(ins,
               fmt::format("<<{}: a heredoc's name must be a file name", printable(h.name, 100)));
    std::string body = h.expand ? dockerfile::expand_heredoc(h.content, run.vars(s), run.file.path,
                                                             ins.line, &run.expansion)
                                : h.content;
    std::string file = fmt::format("{}/heredoc-{}-{}", run.workspace, ins.line, k);
    write_file_atomic(file, body);
    TarEntry e{"", EntryType::file, 0644, 0, 0, 0, static_cast<int64_t>(body.size()), "", file};
    planned.push_back({dest_is_dir ? name : "", e, false});
  }

  // Lay the entries down under the destination, with the owners and modes asked for.
  std::vector<TarEntry> entries;
  const int64_t epoch = run.options.source_date_epoch;
  auto new_dir = [&](const std::string& path) {
    TarEntry d{path, EntryType::directory, 0755};
    if (flags.owner) std::tie(d.uid, d.gid) = *flags.owner;
    d.mtime = epoch;
    return d;
  };
  // Parents of the destination: existing ones keep their metadata; missing ones are created.
  size_t last_slash = dest_resolved.rfind('/');
  std::string root = dest_is_dir                       ? dest_resolved
                     : last_slash == std::string::npos ? std::string()
                                                       : dest_resolved.substr(0, last_slash);
  for (size_t i = 0; i <= root.size() && !root.empty();) {
    size_t j = root.find('/', i);
    if (j == std::string::npos) j = root.size();
    std::string p = root.substr(0, j);
    auto existing = s.fs->find(p);
    if (existing && existing->type != EntryType::directory)
      run.fail(ins, fmt::format("/{} exists and is not a directory", printable(p)));
    TarEntry d = existing ? *existing : new_dir(p);
    d.mtime = epoch;
    entries.push_back(d);
    i = j + 1;
  }
  std::set<std::string> emitted;
  for (const auto& e : entries)
    emitted.insert(e.path);
  for (auto& p : planned) {
    TarEntry e = p.entry;
    std::string base = dest_is_dir ? root : dest_resolved;
    if (!dest_is_dir && p.rel.empty())
      e.path = dest_resolved;
    else
      e.path = p.rel.empty() ? base : (base.empty() ? p.rel : base + "/" + p.rel);
    if (e.path.empty()) continue; // the root directory itself is not an entry
    if (e.type == EntryType::hardlink && !p.from_context) {
      // Hardlinks inside an extracted archive point within the destination
      // (the same directory its entries go under, also when it is not there yet).
      e.link = base.empty() ? e.link : base + "/" + e.link;
    }
    if (flags.owner) std::tie(e.uid, e.gid) = *flags.owner;
    if (flags.chmod && e.type != EntryType::symlink) e.mode = *flags.chmod;
    e.mtime = epoch;
    // Intermediate directories that the source did not list (e.g. after .dockerignore).
    for (size_t k = e.path.find('/', root.empty() ? 0 : root.size() + 1); k != std::string::npos;
         k = e.path.find('/', k + 1)) {
      std::string parent = e.path.substr(0, k);
      if (!emitted.count(parent) && !s.fs->find(parent)) {
        entries.push_back(new_dir(parent));
        emitted.insert(parent);
      }
    }
    emitted.insert(e.path);
    entries.push_back(std::move(e));
  }
  if (entries.empty()) run.fail(ins, "nothing to copy");
  check_layer_names(run, ins, entries);
  run.add_layer(s, std::move(entries));
  run.add_history(s, ins, false);
}

} // namespace rt::build
