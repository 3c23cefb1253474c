// Functional-mode K/V values: byte layout of the plain and the two-plane pieces.
#include <catch2/catch.hpp>

#include "common/fp16.h"
#include "kvcache/kv_values.h"

using namespace kelle;

TEST_CASE("plain pieces are little-endian pairs, planes split high and low bytes", "[values]") {
    const std::uint16_t values[2] = {0x3c00, 0xc0ab};  // 1.0 and a negative value
    unsigned char plain[4], msb[2], lsb[2];
    encode_piece(values, 2, 1, 0, plain);
    CHECK(plain[0] == 0x00);
    CHECK(plain[1] == 0x3c);
    CHECK(plain[2] == 0xab);
    CHECK(plain[3] == 0xc0);
    encode_piece(values, 2, 2, 0, msb);
    encode_piece(values, 2, 2, 1, lsb);
    CHECK(msb[0] == 0x3c);
    CHECK(msb[1] == 0xc0);
    CHECK(lsb[1] == 0xab);

    std::uint16_t back[2];
    const unsigned char* const one[2] = {plain, nullptr};
    decode_pieces(one, 1, 2, back);
    CHECK(back[1] == 0xc0ab);
    const unsigned char* const two[2] = {msb, lsb};
    decode_pieces(two, 2, 2, back);
    CHECK(back[0] == 0x3c00);
    CHECK(back[1] == 0xc0ab);
}

TEST_CASE("pristine values are fixed per position and roughly unit variance", "[values]") {
    CHECK(pristine_kv_value(1, 2, 3, 4) == pristine_kv_value(1, 2, 3, 4));
    CHECK(pristine_kv_value(1, 2, 3, 4) != pristine_kv_value(1, 2, 4, 4));
    double sum = 0, sum_sq = 0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
        const double v = half_to_float(pristine_kv_value(0, 0, static_cast<std::uint32_t>(i), 0));
        sum += v;
        sum_sq += v * v;
    }
    // Mean 0 and variance 1 by construction (sum of 4 uniforms of variance 1, halved); the
    // standard error of the mean over 20000 draws is 0.007.
    CHECK(std::abs(sum / n) < 0.05);
    CHECK(sum_sq / n == Approx(1.0).epsilon(0.05));
}
