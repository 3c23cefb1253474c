// PE array cycle counts against the tile formulas of pe_timing.h, worked by hand. Tiles are
// ceil(K / rows) x ceil(N / cols) for W of N x K (out_rows x in_cols).
#include <catch2/catch.hpp>

#include "pe_array/pe_timing.h"

using namespace kelle;

namespace {
PeGeometry array(std::uint64_t rows, std::uint64_t cols, TileModel model, std::uint64_t load_bytes_per_cycle = 0) {
    PeGeometry pe{rows, cols, 32, 32};
    pe.tile_model = model;
    pe.weight_load_bytes_per_cycle = load_bytes_per_cycle;
    return pe;
}

// M x K activations against K x N weights (SCALE-Sim's GEMM shape), INT8 unless said.
std::uint64_t cycles(const PeGeometry& pe, std::uint64_t m, std::uint64_t k, std::uint64_t n,
                     std::uint64_t weight_bytes = 1) {
    return matrix_cycles(pe, MatrixProduct{n, k, m, weight_bytes, 0, 0});
}
}  // namespace

TEST_CASE("ideal: a GEMV on whole tiles takes MACs / (rows x cols) cycles", "[pe]") {
    const PeGeometry pe = array(32, 32, TileModel::ideal);
    // 4096 x 4096: 128 x 128 tiles = 16384 cycles = 4096*4096 / 1024.
    CHECK(cycles(pe, 1, 4096, 4096) == 16384);
}

TEST_CASE("ideal: a GEMV with partial tiles pays for the idle MACs", "[pe]") {
    const PeGeometry pe = array(32, 32, TileModel::ideal);
    // W 33 x 10: ceil(10/32) = 1 row tile x ceil(33/32) = 2 column tiles = 2 cycles,
    // although 330 MACs would fit in one cycle of 1024 MACs.
    CHECK(cycles(pe, 1, 10, 33) == 2);
    // 1 x 1 still occupies one cycle.
    CHECK(cycles(pe, 1, 1, 1) == 1);
}

TEST_CASE("ideal: a GEMM keeps each tile stationary while its vectors pass: tiles x vectors", "[pe]") {
    const PeGeometry pe = array(32, 32, TileModel::ideal);
    // Prefill of 480 tokens through a 64 x 96 matrix: 2 x 3 tiles, 480 cycles each = 2880.
    CHECK(cycles(pe, 480, 96, 64) == 2880);
    // A partial tile costs a whole tile for every vector: 33 x 10 is 2 tiles, x 7 vectors = 14.
    CHECK(cycles(pe, 7, 10, 33) == 14);
    // No weight load or fill: the element size does not matter.
    CHECK(cycles(pe, 7, 10, 33, 2) == 14);
}

TEST_CASE("scalesim_ws: tiles x (2 rows + cols + M - 2) - 1, SCALE-Sim v2's weight-stationary count", "[pe]") {
    // The five shapes of issue 29, worked from the closed form.
    // 32 x 32, K = N = 4096: 128 x 128 = 16384 tiles.
    const PeGeometry square32 = array(32, 32, TileModel::scalesim_ws);
    CHECK(cycles(square32, 1, 4096, 4096) == 16384 * (64 + 32 + 1 - 2) - 1);  // 1,556,479
    CHECK(cycles(square32, 1, 4096, 4096) == 1556479);
    CHECK(cycles(square32, 16, 4096, 4096) == 1802239);   // 16384 x 110 - 1
    CHECK(cycles(square32, 512, 4096, 4096) == 9928703);  // 16384 x 606 - 1
    // 24 x 24: ceil(4096 / 24) = 171 (170 whole tiles and one of 16), 171^2 = 29241 tiles.
    const PeGeometry square24 = array(24, 24, TileModel::scalesim_ws);
    CHECK(cycles(square24, 1, 4096, 4096) == 2076110);   // 29241 x 71 - 1
    CHECK(cycles(square24, 16, 4096, 4096) == 2514725);  // 29241 x 86 - 1
}

TEST_CASE("scalesim_ws: partial tiles and non-square arrays", "[pe]") {
    // M = 3, K = 20, N = 40, every tile of it partial in K or N or both.
    // 8 rows x 16 cols: ceil(20/8) = 3 x ceil(40/16) = 3 = 9 tiles of 16 + 16 + 3 - 2 = 33: 296.
    CHECK(cycles(array(8, 16, TileModel::scalesim_ws), 3, 20, 40) == 9 * 33 - 1);
    // 16 rows x 8 cols: ceil(20/16) = 2 x ceil(40/8) = 5 = 10 tiles of 32 + 8 + 3 - 2 = 41: 409.
    // K runs down the rows, N across the columns: transposing the array changes the count.
    CHECK(cycles(array(16, 8, TileModel::scalesim_ws), 3, 20, 40) == 10 * 41 - 1);
    // One tile, one vector: 4 rows to load, 4 + 4 - 2 to fill and drain, 1 vector, less 1.
    CHECK(cycles(array(4, 4, TileModel::scalesim_ws), 1, 1, 1) == 4 + (4 + 4 - 2) + 1 - 1);
}

TEST_CASE("double_buffered: each tile takes max(M, load), the first load and one fill/drain show", "[pe]") {
    // 32 x 32 INT8 at 128 B a cycle: a 1024 B tile loads in 8 cycles. Total =
    // load + (tiles - 1) x max(M, load) + M + rows + cols - 2.
    const PeGeometry pe = array(32, 32, TileModel::double_buffered, 128);
    CHECK(tile_load_cycles(pe, 1) == 8);
    // Batch 1: the load sets the pace, 8 cycles a tile: 8 + 16383 x 8 + 1 + 62.
    CHECK(cycles(pe, 1, 4096, 4096) == 131135);
    // 16 vectors hide the load: 8 + 16383 x 16 + 16 + 62 = 262,214.
    CHECK(cycles(pe, 16, 4096, 4096) == 262214);
    // Prefill: the ideal 8,388,608 plus the first load and one fill/drain, 8 + 62.
    CHECK(cycles(pe, 512, 4096, 4096) == 8388608 + 70);
    // 24 x 24: 576 B tiles load in ceil(4.5) = 5 cycles; 29241 tiles: 5 + 29240 x 5 + 1 + 46.
    const PeGeometry square24 = array(24, 24, TileModel::double_buffered, 128);
    CHECK(cycles(square24, 1, 4096, 4096) == 146252);
}

TEST_CASE("double_buffered: partial tiles load whole, on a non-square array", "[pe]") {
    // 8 rows x 16 cols, 2-byte weights at 64 B a cycle: 8 x 16 x 2 = 256 B, 4 cycles a tile.
    // M = 3, K = 20, N = 40: 9 tiles (above), load-bound: 4 + 8 x 4 + 3 + (8 + 16 - 2) = 61.
    const PeGeometry pe = array(8, 16, TileModel::double_buffered, 64);
    CHECK(cycles(pe, 3, 20, 40, 2) == 61);
    // A single tile: its load, its vectors and the fill/drain, nothing to overlap.
    CHECK(cycles(pe, 3, 1, 1, 2) == 4 + 3 + 22);
}

TEST_CASE("recomputation's vectors ride on the last rows' tiles under every tile model", "[pe][aerp]") {
    // 8 x 16 array; W 40 x 20 of which the last 16 rows also take 2 more vectors: those rows are
    // ceil(20/8) x ceil(16/16) = 3 tiles of the 9; they come last.
    const MatrixProduct qkv{40, 20, 3, 2, 16, 2};
    // ideal: 9 x 3 + 3 x 2 = 33.
    CHECK(matrix_cycles(array(8, 16, TileModel::ideal), qkv) == 33);
    // scalesim_ws: every tile 33 as above, the 3 reuse tiles 2 more: 9 x 33 + 6 - 1 = 302.
    CHECK(matrix_cycles(array(8, 16, TileModel::scalesim_ws), qkv) == 302);
    // double_buffered (load 4): load 4; 6 plain tiles x max(3, 4) = 24; reuse tiles 1 and 2 x
    // max(5, 4) = 10; the last tile its 5 vectors; fill/drain 22: 65.
    CHECK(matrix_cycles(array(8, 16, TileModel::double_buffered, 64), qkv) == 65);
}

TEST_CASE("the most recomputation that fits a time budget", "[pe][aerp]") {
    // W 96 x 64 on 32 x 32, the last 64 rows reusable: 2 x 3 = 6 tiles, 2 x 2 = 4 reuse tiles.
    MatrixProduct qkv{96, 64, 1, 1, 64, 0};
    // ideal: 6 + 4 R cycles at 1 ns: within 30 ns, R = 6; within 5 ns not even the product fits.
    CHECK(reuse_vectors_within(array(32, 32, TileModel::ideal), qkv, 1.0, 30.0) == 6);
    CHECK(reuse_vectors_within(array(32, 32, TileModel::ideal), qkv, 1.0, 5.0) == 0);
    // double_buffered, load 8: while 1 + R <= 8 a reuse tile still waits for the next load, so
    // only the last tile's R shows: 8 + 2 x 8 + 3 x 8 + (1 + R) + 62 = 111 + R. Within 118 ns
    // R = 7; at R = 8 the three hidden tiles grow too: 8 + 16 + 27 + 9 + 62 = 122.
    const PeGeometry pe = array(32, 32, TileModel::double_buffered, 128);
    CHECK(reuse_vectors_within(pe, qkv, 1.0, 118.0) == 7);
    CHECK(reuse_vectors_within(pe, qkv, 1.0, 121.0) == 7);
    CHECK(reuse_vectors_within(pe, qkv, 1.0, 122.0) == 8);
    // Half a nanosecond a cycle doubles the budget in cycles.
    CHECK(reuse_vectors_within(array(32, 32, TileModel::ideal), qkv, 0.5, 15.0) == 6);
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
