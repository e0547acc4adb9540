#include "release/image_diff.hpp"

#include "layer/compression.hpp"

#include "layer/tar_reader.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <map>
#include <set>

namespace rt::release {

namespace {

using layer::EntryType;
using layer::TarEntry;
using nlohmann::json;

constexpr size_t kValueLimit = 80;   // bytes of a rendered value before it is cut
constexpr size_t kContext = 24;      // bytes kept before the first difference of long values
constexpr size_t kEntriesShown = 50; // entry differences explain() prints per layer

// ---- JSON documents ----------------------------------------------------------------------

// Cutting inside a UTF-8 sequence would print mojibake; move back to a lead byte.
size_t utf8_floor(const std::string& s, size_t n) {
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  return n;
}

std::string truncate(std::string s) {
  if (s.size() <= kValueLimit) return s;
  return s.substr(0, utf8_floor(s, kValueLimit - 1)) + "…";
}

// Strings print bare ("0.42.1", not "\"0.42.1\"") unless that would hide
// something: emptiness, edge whitespace or control characters.
std::string render(const json* v) {
  if (!v) return "(absent)";
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    bool plain = !s.empty() && !std::isspace(static_cast<unsigned char>(s.front())) &&
                 !std::isspace(static_cast<unsigned char>(s.back())) &&
                 std::none_of(s.begin(), s.end(), [](char c) {
                   return std::iscntrl(static_cast<unsigned char>(c)) != 0;
                 });
    if (plain) return s;
  }
  // Strings from outside need not be UTF-8; dump() would throw on them.
  return v->dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string change(const std::string& path, const json* a, const json* b) {
  std::string ra = render(a), rb = render(b);
  if (ra.size() > kValueLimit || rb.size() > kValueLimit) {
    // Long values (history's created_by, JSON in labels) usually differ in a
    // few characters: show where they start to differ, not their common prefix.
    size_t n = std::min(ra.size(), rb.size()), p = 0;
    while (p < n && ra[p] == rb[p])
      ++p;
    if (p > kContext) {
      size_t from = utf8_floor(ra, p - kContext); // the same offset is a boundary in rb too
      ra = "…" + ra.substr(from);
      rb = "…" + rb.substr(from);
    }
  }
  return fmt::format("{}: {} → {}", path.empty() ? "(document)" : path, truncate(ra), truncate(rb));
}

bool is_identifier(std::string_view k) {
  if (k.empty() || std::isdigit(static_cast<unsigned char>(k[0]))) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// "config.Env", but "annotations[org.opencontainers.image.created]": keys with
// dots or slashes would make a dotted path ambiguous.
std::string child_path(const std::string& parent, const std::string& key) {
  if (!is_identifier(key)) return parent + "[" + key + "]";
  return parent.empty() ? key : parent + "." + key;
}

bool all_strings(const json& a) {
  return std::all_of(a.begin(), a.end(), [](const json& v) { return v.is_string(); });
}

// Env is a list of "K=V" whose order carries no meaning to a container but
// whose keys do: compare by key, so one changed variable is one line.
std::map<std::string, json> env_map(const json& a) {
  std::map<std::string, json> m;
  for (const auto& v : a) {
    const auto& s = v.get_ref<const std::string&>();
    size_t eq = s.find('=');
    if (eq == std::string::npos)
      m[s] = nullptr;
    else
      m[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return m;
}

template <typename Map> const json* find(const Map& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

void walk(const json* a, const json* b, const std::string& path, bool env,
          std::vector<std::string>& out);

void walk_env(const json& a, const json& b, const std::string& path,
              std::vector<std::string>& out) {
  auto ma = env_map(a), mb = env_map(b);
  std::set<std::string> keys;
  for (const auto& [k, v] : ma)
    keys.insert(k);
  for (const auto& [k, v] : mb)
    keys.insert(k);
  size_t before = out.size();
  for (const auto& k : keys)
    walk(find(ma, k), find(mb, k), path + "[" + k + "]", false, out);
  // Same variables, yet different bytes: the order or a repeat differs, and
  // that still changes the config's digest.
  if (out.size() == before) out.push_back(change(path + " (order)", &a, &b));
}

void walk(const json* a, const json* b, const std::string& path, bool env,
          std::vector<std::string>& out) {
  if (a && b && *a == *b) return;
  if (a && b && a->is_object() && b->is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a->items())
      keys.insert(k);
    for (const auto& [k, v] : b->items())
      keys.insert(k);
    for (const auto& k : keys) {
      auto ia = a->find(k), ib = b->find(k);
      walk(ia == a->end() ? nullptr : &*ia, ib == b->end() ? nullptr : &*ib, child_path(path, k),
           k == "Env", out);
    }
    return;
  }
  if (a && b && a->is_array() && b->is_array()) {
    if (env && all_strings(*a) && all_strings(*b)) return walk_env(*a, *b, path, out);
    if (a->size() != b->size())
      out.push_back(fmt::format("{} (count): {} → {}", path, a->size(), b->size()));
    for (size_t i = 0; i < std::max(a->size(), b->size()); ++i)
      walk(i < a->size() ? &(*a)[i] : nullptr, i < b->size() ? &(*b)[i] : nullptr,
           fmt::format("{}[{}]", path, i), false, out);
    return;
  }
  out.push_back(change(path, a, b));
}

std::vector<std::string> diff_document(const std::string& expected, const std::string& actual,
                                       const std::string& what) {
  if (expected == actual) return {};
  auto lines = diff_json(oci::parse_json(expected, "registry " + what),
                         oci::parse_json(actual, "rebuilt " + what));
  // Equal JSON in different bytes (key order, whitespace) still changes every
  // digest above it; say so rather than report nothing.
  if (lines.empty())
    lines.push_back(fmt::format("(bytes): same JSON, serialised differently: {} → {}",
                                sha256_of(expected).str(), sha256_of(actual).str()));
  return lines;
}

// ---- Layers ------------------------------------------------------------------------------

struct EntryFacts {
  TarEntry header;
  Digest content;      // regular files only
  size_t position = 0; // of the last occurrence in the stream
  int count = 0;       // a path written twice is a difference too
};
using EntryMap = std::map<std::string, EntryFacts>;

EntryMap read_entries(const oci::Layer& l, const std::string& what) {
  EntryMap m;
  size_t position = 0;
  try {
    auto src = l.open();
    layer::read_tar(
        *src,
        [&](const TarEntry& e, layer::EntryData& data) {
          auto& f = m[e.path];
          f.header = e;
          f.content = e.type == EntryType::file ? data.digest() : Digest{};
          f.position = position++;
          ++f.count;
        },
        "tar");
    // libarchive stops at the end-of-archive blocks; read the rest so the
    // verifying source checks the blob's size and digest at its end.
    std::vector<char> buf(1 << 16);
    while (src->read(buf.data(), buf.size()) > 0) {
    }
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("cannot read {}: {}", what, e.what()));
  }
  return m;
}

std::string_view type_name(EntryType t) {
  switch (t) {
  case EntryType::file:
    return "file";
  case EntryType::directory:
    return "directory";
  case EntryType::symlink:
    return "symlink";
  case EntryType::hardlink:
    return "hardlink";
  }
  return "?";
}

std::string describe(const TarEntry& e) {
  switch (e.type) {
  case EntryType::file:
    return fmt::format("file {:04o} {}:{}, {} bytes", e.mode, e.uid, e.gid, e.size);
  case EntryType::directory:
    return fmt::format("directory {:04o} {}:{}", e.mode, e.uid, e.gid);
  default:
    return fmt::format("{} → {}", type_name(e.type), e.link);
  }
}

void compare_entry(const EntryFacts& a, const EntryFacts& b, std::vector<EntryDiff>& out) {
  const TarEntry &x = a.header, &y = b.header;
  auto add = [&](std::string what) { out.push_back({x.path, std::move(what)}); };
  if (x.type != y.type) add(fmt::format("type {} → {}", type_name(x.type), type_name(y.type)));
  if (x.mode != y.mode) add(fmt::format("mode {:04o} → {:04o}", x.mode, y.mode));
  if (x.uid != y.uid || x.gid != y.gid)
    add(fmt::format("owner {}:{} → {}:{}", x.uid, x.gid, y.uid, y.gid));
  if (x.type == EntryType::file && y.type == EntryType::file) {
    if (x.size != y.size) add(fmt::format("size {} → {}", x.size, y.size));
    if (a.content != b.content)
      add(fmt::format("content {} → {}", a.content.str(), b.content.str()));
  }
  if (x.link != y.link) {
    std::string_view kind = x.type == y.type ? type_name(x.type) : "link";
    add(fmt::format("{} target {} → {}", kind, x.link, y.link));
  }
  if (x.mtime != y.mtime) add(fmt::format("mtime {} → {}", x.mtime, y.mtime));
  if (a.count != b.count) add(fmt::format("written {} times → {} times", a.count, b.count));
}

std::vector<const std::string*> stream_order(const EntryMap& m) {
  std::vector<const EntryFacts*> facts;
  for (const auto& [p, f] : m)
    facts.push_back(&f);
  std::sort(facts.begin(), facts.end(),
            [](const EntryFacts* a, const EntryFacts* b) { return a->position < b->position; });
  std::vector<const std::string*> order;
  for (const auto* f : facts)
    order.push_back(&f->header.path);
  return order;
}

void compare_layers(const EntryMap& a, const EntryMap& b, LayerDiff& d) {
  auto ia = a.begin(), ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      d.entries.push_back({ia->first, "only in registry (" + describe(ia->second.header) + ")"});
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      d.entries.push_back({ib->first, "only in rebuilt (" + describe(ib->second.header) + ")"});
      ++ib;
    } else {
      compare_entry(ia->second, ib->second, d.entries);
      ++ia, ++ib;
    }
  }
  if (!d.entries.empty()) return;
  // Same entries, different tars: look for what else read_tar lets us see.
  auto oa = stream_order(a), ob = stream_order(b);
  for (size_t i = 0; i < oa.size(); ++i)
    if (*oa[i] != *ob[i]) {
      d.notes.push_back(fmt::format("entry order differs at entry {}: {} → {}", i, *oa[i], *ob[i]));
      return;
    }
  d.notes.push_back("entries agree in path, type, mode, owner, size, content, link target and "
                    "mtime; the tars differ in what is not compared here: user or group names, "
                    "PAX records, extended attributes or padding");
}

void list_layer(const EntryMap& m, std::string_view side, LayerDiff& d) {
  for (const auto& [p, f] : m)
    d.entries.push_back({p, fmt::format("only in {} ({})", side, describe(f.header))});
}

// Pairs layers by diff_id along a longest common subsequence, and the layers
// between two matches by position: (expected index, actual index), kNone for
// a layer without a counterpart.
std::vector<std::pair<size_t, size_t>> align(const std::vector<oci::LayerPtr>& a,
                                             const std::vector<oci::LayerPtr>& b) {
  constexpr size_t none = LayerDiff::kNone;
  size_t n = a.size(), m = b.size();
  auto same = [&](size_t i, size_t j) { return a[i]->diff_id() == b[j]->diff_id(); };
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = same(i, j) ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);

  std::vector<std::pair<size_t, size_t>> out;
  size_t gap_i = 0, gap_j = 0;
  auto flush_gap = [&](size_t end_i, size_t end_j) {
    size_t paired = std::min(end_i - gap_i, end_j - gap_j);
    for (size_t k = 0; k < paired; ++k)
      out.emplace_back(gap_i + k, gap_j + k);
    for (size_t i = gap_i + paired; i < end_i; ++i)
      out.emplace_back(i, none);
    for (size_t j = gap_j + paired; j < end_j; ++j)
      out.emplace_back(none, j);
  };
  size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (same(i, j) && lcs[i][j] == lcs[i + 1][j + 1] + 1) {
      flush_gap(i, j);
      out.emplace_back(i++, j++);
      gap_i = i, gap_j = j;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      ++i;
    } else {
      ++j;
    }
  }
  flush_gap(n, m);
  return out;
}

LayerDiff diff_layer(const oci::Image& expected, const oci::Image& actual, size_t i, size_t j) {
  LayerDiff d;
  d.index = i;
  d.actual_index = j;
  const oci::Layer* x = i == LayerDiff::kNone ? nullptr : expected.layers[i].get();
  const oci::Layer* y = j == LayerDiff::kNone ? nullptr : actual.layers[j].get();
  auto name = [](const char* side, size_t index, const oci::Layer& l) {
    return fmt::format("{} layer {} ({})", side, index, l.descriptor().digest.str());
  };
  if (x) d.expected_diff_id = x->diff_id(), d.expected_digest = x->descriptor().digest;
  if (y) d.actual_diff_id = y->diff_id(), d.actual_digest = y->descriptor().digest;

  if (!y) {
    d.kind = LayerDiff::Kind::only_in_expected;
    list_layer(read_entries(*x, name("registry", i, *x)), "registry", d);
  } else if (!x) {
    d.kind = LayerDiff::Kind::only_in_actual;
    list_layer(read_entries(*y, name("rebuilt", j, *y)), "rebuilt", d);
  } else if (d.expected_diff_id == d.actual_diff_id) {
    d.kind = d.expected_digest == d.actual_digest ? LayerDiff::Kind::same
                                                  : LayerDiff::Kind::compression_only;
    const auto &dx = x->descriptor(), &dy = y->descriptor();
    auto cx = layer::codec_of_media_type(dx.media_type),
         cy = layer::codec_of_media_type(dy.media_type);
    if (cx && cy && *cx != *cy)
      d.notes.push_back(fmt::format("other compression: {} → {} (same tar, recompressed)",
                                    layer::codec_name(*cx), layer::codec_name(*cy)));
    if (dx.media_type != dy.media_type)
      d.notes.push_back(fmt::format("media type {} → {}", dx.media_type, dy.media_type));
    if (dx.size != dy.size) d.notes.push_back(fmt::format("blob size {} → {}", dx.size, dy.size));
  } else {
    d.kind = LayerDiff::Kind::content;
    compare_layers(read_entries(*x, name("registry", i, *x)),
                   read_entries(*y, name("rebuilt", j, *y)), d);
  }
  return d;
}

std::string layer_label(const LayerDiff& l) {
  if (l.actual_index == LayerDiff::kNone) return fmt::format("registry layer {}", l.index);
  if (l.index == LayerDiff::kNone) return fmt::format("rebuilt layer {}", l.actual_index);
  if (l.index == l.actual_index) return fmt::format("layer {}", l.index);
  return fmt::format("layer {} (rebuilt layer {})", l.index, l.actual_index);
}

} // namespace

std::vector<std::string> diff_json(const nlohmann::json& expected, const nlohmann::json& actual) {
  std::vector<std::string> out;
  walk(&expected, &actual, "", false, out);
  return out;
}

ImageDiff diff_images(const oci::Image& expected, const oci::Image& actual) {
  ImageDiff d;
  d.expected_digest = expected.digest();
  d.actual_digest = actual.digest();
  d.identical = expected.manifest == actual.manifest;
  if (!d.identical) {
    d.manifest = diff_document(expected.manifest, actual.manifest, "manifest");
    d.config = diff_document(expected.config, actual.config, "config");
  }
  for (auto [i, j] : align(expected.layers, actual.layers))
    d.layers.push_back(diff_layer(expected, actual, i, j));
  return d;
}

std::string ImageDiff::explain() const {
  if (identical)
    return fmt::format("identical: the rebuilt manifest is byte-identical to the registry's ({})\n",
                       expected_digest.str());
  std::string out =
      fmt::format("registry {} ≠ rebuilt {}\n(expected = registry, actual = rebuilt)\n",
                  expected_digest.str(), actual_digest.str());
  auto section = [&](std::string_view title, const std::vector<std::string>& lines) {
    if (lines.empty()) return out.append(fmt::format("{}: same\n", title)), void();
    out += fmt::format("{}: {} difference{}\n", title, lines.size(), lines.size() == 1 ? "" : "s");
    for (const auto& l : lines)
      out += "  " + l + "\n";
  };
  section("manifest", manifest);
  section("config", config);

  out += "layers:\n";
  for (const auto& l : layers) {
    std::string label = layer_label(l);
    switch (l.kind) {
    case LayerDiff::Kind::same:
      out += fmt::format("  {}: same ({})\n", label, l.expected_digest.str());
      break;
    case LayerDiff::Kind::compression_only:
      out += fmt::format("  {}: same tar (diff_id {}), different compression:\n", label,
                         l.expected_diff_id.str());
      out += fmt::format("    blob {} → {}\n", l.expected_digest.str(), l.actual_digest.str());
      out += fmt::format("    (this rebuild compressed with {}; another compression, level, "
                         "library version or release-tool gives other bytes for the same tar)\n",
                         rebuilt_compressor.empty()
                             ? layer::compressor_identity(layer::Compression::gzip())
                             : rebuilt_compressor);
      break;
    case LayerDiff::Kind::content:
      out += fmt::format("  {}: content differs: diff_id {} → {}\n", label,
                         l.expected_diff_id.str(), l.actual_diff_id.str());
      break;
    case LayerDiff::Kind::only_in_expected:
      out += fmt::format("  {}: only in registry (diff_id {}), {} entries\n", label,
                         l.expected_diff_id.str(), l.entries.size());
      break;
    case LayerDiff::Kind::only_in_actual:
      out += fmt::format("  {}: only in rebuilt (diff_id {}), {} entries\n", label,
                         l.actual_diff_id.str(), l.entries.size());
      break;
    }
    for (const auto& n : l.notes)
      out += "    " + n + "\n";
    size_t shown = std::min(l.entries.size(), kEntriesShown);
    for (size_t k = 0; k < shown; ++k)
      out += fmt::format("    {}: {}\n", l.entries[k].path, l.entries[k].what);
    if (l.entries.size() > shown)
      out += fmt::format("    … and {} more (of {})\n", l.entries.size() - shown, l.entries.size());
  }
  return out;
}

} // namespace rt::release
