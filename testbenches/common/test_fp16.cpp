// binary16 conversions against values from the IEEE 754 tables.
#include <catch2/catch.hpp>

#include "common/fp16.h"

using namespace kelle;

TEST_CASE("known binary16 encodings convert both ways", "[fp16]") {
    // 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, 65504 (max) = 0x7bff, 2^-24 (min subnormal) = 0x0001.
    CHECK(float_to_half(1.0f) == 0x3c00);
    CHECK(float_to_half(-2.0f) == 0xc000);
    CHECK(float_to_half(0.5f) == 0x3800);
    CHECK(float_to_half(65504.0f) == 0x7bff);
    CHECK(float_to_half(5.9604645e-8f) == 0x0001);
    CHECK(half_to_float(0x3c00) == 1.0f);
    CHECK(half_to_float(0xc000) == -2.0f);
    CHECK(half_to_float(0x7bff) == 65504.0f);
    CHECK(half_to_float(0x0001) == Approx(5.9604645e-8f));
}

TEST_CASE("rounding is to nearest, ties to even", "[fp16]") {
    // Between 1.0 (0x3c00) and 1 + 2^-10 (0x3c01), 1 + 2^-11 is a tie: even 0x3c00 wins;
    // 1 + 3 x 2^-11 ties between 0x3c01 and 0x3c02: even 0x3c02 wins.
    CHECK(float_to_half(1.0f + 1.0f / 2048) == 0x3c00);
    CHECK(float_to_half(1.0f + 3.0f / 2048) == 0x3c02);
    CHECK(float_to_half(1e6f) == 0x7c00);  // overflow to infinity
}

TEST_CASE("every finite half survives a round trip", "[fp16]") {
    int mismatches = 0;
    for (std::uint32_t h = 0; h < 0x10000; ++h) {
        if ((h & 0x7c00u) == 0x7c00u) continue;  // inf and NaN
        if (float_to_half(half_to_float(static_cast<std::uint16_t>(h))) != h) ++mismatches;
    }
    CHECK(mismatches == 0);
}
