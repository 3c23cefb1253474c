// WeightMap: each layer's weight blocks in DRAM and the end of them, worked out by hand.
#include <catch2/catch.hpp>

#include "common/hand_shape.h"
#include "sequencer/weight_map.h"

using namespace kelle;

namespace {
ModelShape shape() { return kelle_test::hand_shape(); }
}  // namespace

TEST_CASE("weight matrices are laid out per layer", "[layout]") {
    const WeightMap weights(shape(), 2);
    const auto qkv = weights.qkv(1);
    CHECK(qkv.out_rows == 64);
    CHECK(qkv.in_cols == 32);
    CHECK(qkv.bytes == 64 * 32 * 2);
    CHECK(qkv.address == 9216 * 2);  // layer 1 starts after layer 0's 9216 elements
    const auto down = weights.ffn_out(0);
    CHECK(down.out_rows == 32);
    CHECK(down.in_cols == 64);
    CHECK(down.address == (2048 + 1024 + 4096) * 2);
    // Weights per layer: QKV (32 + 2 x 16) x 32 = 2048, W_O 1024, FFN in 128 x 32 = 4096,
    // FFN out 32 x 64 = 2048 -> 9216 elements x 2 B x 2 layers = 36864 B, already 4 KB aligned:
    // the KV spill starts there.
    CHECK(weights.end_address() == 36864);
}

TEST_CASE("INT8 weights halve every block and the map", "[layout]") {
    // pe.weight_bytes = 1 (the paper's INT8 weights): the same elements at 1 B each, so every
    // address and size of the 16-bit case above halves; the trace's dtype (2 B) plays no part.
    const WeightMap weights(shape(), 1);
    const auto qkv = weights.qkv(1);
    CHECK(qkv.bytes == 64 * 32);
    CHECK(qkv.address == 9216);
    CHECK(weights.ffn_out(0).address == 2048 + 1024 + 4096);
    // 9216 elements x 1 B x 2 layers = 18432 B, rounded up to 4 KB: 20480.
    CHECK(weights.end_address() == 20480);
}
