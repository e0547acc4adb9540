#pragma once
// A sink that keeps what it is given, for tests.
#include "util/io.hpp"

#include <string>

namespace rt::test {

class StringSink : public ByteSink {
public:
  std::string data;
  void write(const char* b, size_t n) override { data.append(b, n); }
};

} // namespace rt::test
