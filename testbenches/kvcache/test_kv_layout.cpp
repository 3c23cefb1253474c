// KvLayout: slot addresses, on-chip/spill split and weight sizes, worked out by hand.
#include <catch2/catch.hpp>

#include "kvcache/kv_layout.h"

using namespace kelle;

namespace {
ModelShape shape() {
    ModelShape m;
    m.name = "hand";
    m.layers = 2;
    m.heads = 4;
    m.kv_heads = 2;
    m.head_dim = 8;
    m.hidden = 32;
    m.ffn = 64;
    m.dtype_bytes = 2;
    m.gated_ffn = true;
    return m;
}
}  // namespace

TEST_CASE("a slot holds K and V of one token for one KV head", "[layout]") {
    const KvLayout layout(shape(), 10, 1000);
    CHECK(layout.slot_bytes() == 2 * 8 * 2);        // 32 B
    CHECK(layout.onchip_slots() == 1000 / 32);      // 31 whole slots fit
}

TEST_CASE("regions fill the on-chip store first, then spill above the weights", "[layout]") {
    const KvLayout layout(shape(), 10, 1000);
    // Region 2 = layer 1, KV head 0; slot 3 is linear slot 23 < 31: on chip at 23 x 32.
    const SlotLocation a = layout.locate(layout.region(1, 0), 3);
    CHECK(a.onchip);
    CHECK(a.address == 23 * 32);
    // Region 3 slot 5 is linear 35 >= 31: spilled, 4 slots past the spill base.
    // Weights per layer: QKV (32 + 2 x 16) x 32 = 2048, W_O 1024, FFN in 128 x 32 = 4096,
    // FFN out 32 x 64 = 2048 -> 9216 elements x 2 B x 2 layers = 36864 B, already 4 KB aligned.
    const SlotLocation b = layout.locate(layout.region(1, 1), 5);
    CHECK_FALSE(b.onchip);
    CHECK(b.address == 36864 + 4 * 32);
    CHECK(layout.slot_onchip(3, 0));    // linear 30
    CHECK_FALSE(layout.slot_onchip(3, 1));  // linear 31
}

TEST_CASE("weight matrices are laid out per layer", "[layout]") {
    const KvLayout layout(shape(), 10, 1000);
    const auto qkv = layout.qkv(1);
    CHECK(qkv.out_rows == 64);
    CHECK(qkv.in_cols == 32);
    CHECK(qkv.bytes == 64 * 32 * 2);
    CHECK(qkv.address == 9216 * 2);  // layer 1 starts after layer 0's 9216 elements
    const auto down = layout.ffn_out(0);
    CHECK(down.out_rows == 32);
    CHECK(down.in_cols == 64);
    CHECK(down.address == (2048 + 1024 + 4096) * 2);
}
