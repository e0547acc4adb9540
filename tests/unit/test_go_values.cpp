#include "build/go_values.hpp"

#include <catch2/catch.hpp>

using rt::build::parse_decimal;
using rt::build::parse_go_duration;

TEST_CASE("parse_go_duration", "[go_values]") {
  // Go's time.ParseDuration cases (src/time/time_test.go parseDurationTests), in nanoseconds.
  CHECK(parse_go_duration("0") == 0);
  CHECK(parse_go_duration("5s") == 5000000000);
  CHECK(parse_go_duration("30s") == 30000000000);
  CHECK(parse_go_duration("1478s") == 1478000000000);
  CHECK(parse_go_duration("-5s") == -5000000000);
  CHECK(parse_go_duration("+5s") == 5000000000);
  CHECK(parse_go_duration("5.6s") == 5600000000);
  CHECK(parse_go_duration("5.s") == 5000000000);
  CHECK(parse_go_duration(".5s") == 500000000);
  CHECK(parse_go_duration("1.004s") == 1004000000);
  CHECK(parse_go_duration("100.00100s") == 100001000000);
  CHECK(parse_go_duration("10ns") == 10);
  CHECK(parse_go_duration("11us") == 11000);
  CHECK(parse_go_duration("12\xC2\xB5s") == 12000);
  CHECK(parse_go_duration("12\xCE\xBCs") == 12000);
  CHECK(parse_go_duration("13ms") == 13000000);
  CHECK(parse_go_duration("15m") == 900000000000);
  CHECK(parse_go_duration("16h") == 57600000000000);
  CHECK(parse_go_duration("3h30m") == 12600000000000);
  CHECK(parse_go_duration("10.5s4m") == 250500000000);
  CHECK(parse_go_duration("1h2m3s4ms5us6ns") == 3723004005006);
  CHECK(parse_go_duration("52763797000ns") == 52763797000);
  CHECK(parse_go_duration("0.3333333333333333333h") == 1200000000000);
  CHECK(parse_go_duration("9007199254740993ns") == 9007199254740993);
  CHECK(parse_go_duration("9223372036854775807ns") == INT64_MAX);
  CHECK(parse_go_duration("9223372036854775.807us") == INT64_MAX);
  CHECK(parse_go_duration("-9223372036854775808ns") == INT64_MIN);
  CHECK(parse_go_duration("0.100000000000000000000h") == 360000000000);
  // Errors, overflow included: never a wrapped or saturated value.
  for (const char* bad :
       {"", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "\x85\x85", "9223372036854775808ns",
        "9223372036854775810ns", "-9223372036854775809ns", "99999999999999999h", "2562048h",
        "9223372036854775.808us"}) {
    INFO(bad);
    CHECK(!parse_go_duration(bad));
  }
  CHECK(parse_go_duration("2562047h") == 2562047LL * 3600 * 1000000000);
  CHECK(!parse_go_duration(std::string(400, '9') + "s"));
}

TEST_CASE("parse_decimal", "[go_values]") {
  CHECK(parse_decimal("0", 10) == 0u);
  CHECK(parse_decimal("65535", 65535) == 65535u);
  CHECK(!parse_decimal("65536", 65535));
  CHECK(!parse_decimal("", 9));
  CHECK(!parse_decimal("+1", 9));
  CHECK(!parse_decimal("-1", 9));
  CHECK(!parse_decimal(" 1", 9));
  CHECK(parse_decimal("18446744073709551615", UINT64_MAX) == UINT64_MAX);
  CHECK(!parse_decimal("18446744073709551616", UINT64_MAX));
  CHECK(!parse_decimal("99999999999999999999999999", UINT64_MAX));
  CHECK(!parse_decimal("9", 5));
}
