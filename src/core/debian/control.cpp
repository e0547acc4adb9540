#include "debian/control.hpp"

#include "util/error.hpp"

#include <fmt/format.h>
#include <strings.h>

namespace rt::debian {

namespace {

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::string_view Paragraph::get(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return {};
}

bool Paragraph::has(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return true;
  return false;
}

void parse_paragraphs(std::string_view text,
                      const std::function<void(const Paragraph&)>& on_paragraph,
                      std::string_view what) {
  Paragraph p;
  size_t pos = 0;
  int line_no = 0;
  const char* value_start = nullptr; // of the field being read, to extend over continuations
  auto flush = [&] {
    if (!p.fields.empty()) on_paragraph(p);
    p.fields.clear();
    value_start = nullptr;
  };
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    pos = end + 1;
    if (blank(line)) {
      flush();
      continue;
    }
    if (line.front() == '#') continue;
    if (line.front() == ' ' || line.front() == '\t') {
      if (!value_start)
        throw RuntimeError(
            fmt::format("{}:{}: a continuation line outside a field", what, line_no));
      const char* line_end = line.data() + line.size();
      p.fields.back().second =
          trim(std::string_view(value_start, static_cast<size_t>(line_end - value_start)));
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      throw RuntimeError(fmt::format("{}:{}: expected 'Field: value'", what, line_no));
    if (p.fields.empty()) p.line = line_no;
    std::string_view value = line.substr(colon + 1);
    value_start = value.data();
    p.fields.emplace_back(line.substr(0, colon), trim(value));
  }
  flush();
}

std::vector<std::string_view> value_lines(std::string_view value) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t end = value.find('\n', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view line = trim(value.substr(pos, end - pos));
    if (!line.empty()) out.push_back(line);
    pos = end + 1;
  }
  return out;
}

std::vector<std::string_view> value_words(std::string_view value) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t start = value.find_first_not_of(" \t\r\n", pos);
    if (start == std::string_view::npos) break;
    size_t end = value.find_first_of(" \t\r\n", start);
    if (end == std::string_view::npos) end = value.size();
    out.push_back(value.substr(start, end - start));
    pos = end;
  }
  return out;
}

} // namespace rt::debian
