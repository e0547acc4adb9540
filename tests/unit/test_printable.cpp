#include "util/printable.hpp"

#include <catch2/catch.hpp>

using namespace rt;

TEST_CASE("printable", "[util]") {
  CHECK(printable("plain name.txt") == "plain name.txt");
  CHECK(printable("caf\xc3\xa9 \\ ok") == "caf\xc3\xa9 \\ ok");
  // Terminal escapes, newlines and DEL cannot reach the terminal raw.
  CHECK(printable("a\x1b[31mred\nb\x7f") == "a\\x1b[31mred\\x0ab\\x7f");
  // C1 controls (CSI is U+009B) are controls too.
  CHECK(printable("x\xc2\x9b"
                  "2J") == "x\\xc2\\x9b2J");
  // Bytes that are not UTF-8: invalid, overlong, surrogate, truncated.
  CHECK(printable("f\xffx") == "f\\xffx");
  CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(printable("end\xe2\x82") == "end\\xe2\\x82");
  // Long input is cut, never in the middle of an escape.
  std::string long_name(5000, 'n');
  std::string cut = printable(long_name, 100);
  CHECK(cut.size() <= 103);
  CHECK(cut.ends_with("..."));
  std::string seven;
  for (int i = 0; i < 7; ++i)
    seven += "\\x01"; // 28 bytes: an eighth escape would pass 30
  CHECK(printable(std::string(40, '\x01'), 30) == seven + "...");
}

TEST_CASE("is_valid_utf8", "[util]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("caf\xc3\xa9 \xf0\x9f\x90\xb3"));
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));         // truncated
}
