#include "util/error.hpp"

#include <fmt/format.h>

namespace rt {

InputError InputError::located(const std::string& file, int line, const std::string& what) {
  return InputError(fmt::format("{}:{}: {}", file, line, what));
}

InputError InputError::located(const std::string& file, int line, int column,
                               const std::string& what) {
  return InputError(fmt::format("{}:{}:{}: {}", file, line, column, what));
}

} // namespace rt
