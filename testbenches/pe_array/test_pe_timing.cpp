// PE array cycle counts against the tile formula of pe_timing.h, worked by hand.
#include <catch2/catch.hpp>

#include "pe_array/pe_timing.h"

using namespace kelle;

TEST_CASE("GEMV on whole tiles takes MACs / (rows x cols) cycles", "[pe]") {
    const PeGeometry pe{32, 32, 32};
    // 4096 x 4096: 128 x 128 tiles = 16384 cycles = 4096*4096 / 1024.
    CHECK(gemv_cycles(pe, 4096, 4096) == 16384);
}

TEST_CASE("GEMV with partial tiles pays for the idle MACs", "[pe]") {
    const PeGeometry pe{32, 32, 32};
    // 33 x 10: ceil(33/32) = 2 row tiles x ceil(10/32) = 1 col tile = 2 cycles,
    // although 330 MACs would fit in one cycle of 1024 MACs.
    CHECK(gemv_cycles(pe, 33, 10) == 2);
    // 1 x 1 still occupies one cycle.
    CHECK(gemv_cycles(pe, 1, 1) == 1);
}

TEST_CASE("attention adds array cycles and SFU cycles", "[pe]") {
    const PeGeometry pe{4, 4, 8};
    // 100 MACs on 16 MACs/cycle = ceil(6.25) = 7; 20 softmax elements on 8 lanes = 3.
    CHECK(attention_cycles(pe, 100, 20) == 10);
}

TEST_CASE("the eviction unit compares eviction_lanes values a cycle", "[pe]") {
    const PeGeometry pe{32, 32, 32, 16};
    // 8 heads x 256 importance values = 2048 compares / 16 lanes = 128 cycles; 17 -> 2.
    CHECK(eviction_search_cycles(pe, 2048) == 128);
    CHECK(eviction_search_cycles(pe, 17) == 2);
}

TEST_CASE("GEMM keeps each tile stationary while its vectors pass: tiles x vectors cycles", "[pe]") {
    const PeGeometry pe{32, 32, 32};
    // Prefill of 480 tokens through a 64 x 96 matrix: 2 x 3 tiles, 480 cycles each = 2880.
    CHECK(gemm_cycles(pe, 64, 96, 480) == 2880);
    // A partial tile costs a whole tile for every vector: 33 x 10 is 2 tiles, x 7 vectors = 14.
    CHECK(gemm_cycles(pe, 33, 10, 7) == 14);
    // One vector is the GEMV.
    CHECK(gemm_cycles(pe, 4096, 4096, 1) == gemv_cycles(pe, 4096, 4096));
}
