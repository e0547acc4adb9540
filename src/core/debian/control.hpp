#pragma once
// deb822 paragraphs (deb-control(5)): "Field: value" lines, continuation lines
// starting with a space or tab, paragraphs separated by blank lines. Used for
// Release files, Packages indexes, .deb control files and apt's .sources.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rt::debian {

// One paragraph; its values are views into the parsed text (a continued value
// spans its continuation lines, newlines included).
struct Paragraph {
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  int line = 1; // where the paragraph starts in the text

  // The value of `name` (compared case-insensitively), or an empty view.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
};

// Calls `on_paragraph` for each paragraph of `text` in order. Lines starting
// with '#' are comments (apt's .sources; not in Packages). Throws RuntimeError
// naming `what` and the line for a line that is neither a field nor a
// continuation.
void parse_paragraphs(std::string_view text,
                      const std::function<void(const Paragraph&)>& on_paragraph,
                      std::string_view what);

// The lines of a multi-line value ("SHA256:" in a Release file), trimmed, empty ones dropped.
std::vector<std::string_view> value_lines(std::string_view value);
// Whitespace-separated words of a value.
std::vector<std::string_view> value_words(std::string_view value);

} // namespace rt::debian
