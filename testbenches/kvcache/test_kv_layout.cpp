// KvLayout: slot addresses and the on-chip/spill split, worked out by hand.
#include <catch2/catch.hpp>
#include <cstdint>

#include "common/hand_shape.h"
#include "common/kv_areas.h"
#include "kvcache/kv_layout.h"

using namespace kelle;

namespace {
ModelShape shape() { return kelle_test::hand_shape(); }
// Where the platform starts the spill: above shape()'s weights (sequencer/test_weight_map.cpp).
constexpr std::uint64_t kSpillBase = 36864;
}  // namespace

TEST_CASE("a slot holds K and V of one token for one KV head", "[layout]") {
    const KvLayout layout(shape(), 10, plain_area_plan(1000, 100), kSpillBase);
    CHECK(layout.slot_bytes() == 2 * 8 * 2);  // 32 B
    // 1000 / 32 = 31 whole slots fit: linear slot 30 is on chip, 31 is not.
    CHECK(layout.slot_onchip(3, 0));
    CHECK_FALSE(layout.slot_onchip(3, 1));
}

TEST_CASE("regions fill the on-chip store first, then spill above the weights", "[layout]") {
    const KvLayout layout(shape(), 10, plain_area_plan(1000, 100), kSpillBase);
    Extent pieces[2];
    // Region 2 = layer 1, KV head 0; slot 3 is linear slot 23 < 31: on chip at 23 x 32.
    REQUIRE(layout.pieces(layout.region(1, 0), 3, pieces) == 1);
    CHECK(pieces[0].onchip);
    CHECK(pieces[0].address == 23 * 32);
    // Region 3 slot 5 is linear 35 >= 31: spilled, 4 slots past the spill base.
    // (The spill address counts from the start of the slot space: linear 35.)
    REQUIRE(layout.pieces(layout.region(1, 1), 5, pieces) == 1);
    CHECK_FALSE(pieces[0].onchip);
    CHECK(pieces[0].address == kSpillBase + 35 * 32);
}

TEST_CASE("2DRP: a slot splits into MSB and LSB halves in its class's areas", "[layout]") {
    // 64 rows of 100 B, 4 banks, important share 0.5: per plane 32 rows x 0.5 = 16 important
    // rows; 32 - 16 = 16 unimportant. Areas: imp MSB rows 0-15, imp LSB 16-31, unimp MSB 32-47,
    // unimp LSB 48-63.
    const KvAreaPlan plan = two_dimensional_area_plan(6400, 100, 4, 0.5);
    REQUIRE(plan.areas.size() == 4);
    CHECK(plan.area(1, 1).first_row == 48);
    // Regions of 10 slots, 4 important. Half slot = 16 B. Region 3, slot 6 is unimportant
    // index 2: entry 3 x 6 + 2 = 20; unimportant areas hold 1600 / 16 = 100 entries.
    const KvLayout layout(shape(), 10, plan, kSpillBase, 4);
    CHECK(layout.class_of(3) == 0);
    CHECK(layout.class_of(6) == 1);
    Extent pieces[2];
    REQUIRE(layout.pieces(3, 6, pieces) == 2);
    CHECK(pieces[0].address == 3200 + 20 * 16);  // unimportant MSB area starts at row 32
    CHECK(pieces[1].address == 4800 + 20 * 16);  // unimportant LSB area at row 48
    CHECK(pieces[1].bytes == 16);
    // A compacted burst of 3 important slots of region 2 in the LSB plane: entries 8..10.
    const Extent burst = layout.onchip_burst(2, 0, 1, 3);
    CHECK(burst.address == 1600 + 8 * 16);
    CHECK(burst.bytes == 48);
}

namespace {
// hand_shape() with 4 layers: 2 KV heads a layer, slots of 2 x 8 x 2 = 32 B. With regions of 10
// slots a layer's K/V is X = 2 heads x 10 slots x 32 B = 640 B.
ModelShape four_layers() {
    ModelShape m = kelle_test::hand_shape();
    m.layers = 4;
    return m;
}
}  // namespace

TEST_CASE("first_fit_layers keeps whole layers on chip, in layer order", "[layout]") {
    // A store of 2.5 X = 1600 B (25 rows of 64 B): layers 0 and 1 take 1280 B; layer 2 would
    // need 1920 B, so layers 2 and 3 live in DRAM.
    const KvAreaPlan plan = plain_area_plan(1600, 64);
    const KvLayout first_fit(four_layers(), 10, plan, kSpillBase, 0, 0, 1, KvPlacement::first_fit_layers);
    CHECK(first_fit.onchip_layers() == 2);
    Extent pieces[2];
    // Layer 0, KV head 1 (region 1), slot 9: entry 1 x 10 + 9 = 19, on chip at 19 x 32 = 608.
    REQUIRE(first_fit.pieces(first_fit.region(0, 1), 9, pieces) == 1);
    CHECK(pieces[0].onchip);
    CHECK(pieces[0].address == 608);
    // Layer 1, KV head 1 (region 3), slot 9: entry 39, the last on-chip slot, at 1248.
    REQUIRE(first_fit.pieces(first_fit.region(1, 1), 9, pieces) == 1);
    CHECK(pieces[0].address == 39 * 32);
    // Layer 2, KV head 0 (region 4), slot 0: entry 40 would fit the store (50 slots), but its
    // layer does not: in DRAM at its spill address, 40 slots past the base.
    CHECK_FALSE(first_fit.slot_onchip(first_fit.region(2, 0), 0));
    REQUIRE(first_fit.pieces(first_fit.region(2, 0), 0, pieces) == 1);
    CHECK_FALSE(pieces[0].onchip);
    CHECK(pieces[0].address == kSpillBase + 40 * 32);
    // Layer 3, KV head 1 (region 7), slot 9: entry 79.
    CHECK(first_fit.pieces(first_fit.region(3, 1), 9, pieces) == 1);
    CHECK(pieces[0].address == kSpillBase + 79 * 32);
    // A burst of layer 2's region 4: all 3 slots from its first entry 40, in DRAM.
    const Extent burst = first_fit.spill_burst(4, 0, 3);
    CHECK(burst.address == kSpillBase + 40 * 32);
    CHECK(burst.bytes == 96);

    // slot_spill fills the 1600 / 32 = 50 slots in region order, so half of layer 2 (region 4,
    // entries 40..49) is on chip; only layer 0 and 1 are whole.
    const KvLayout spill(four_layers(), 10, plan, kSpillBase);
    CHECK(spill.slot_onchip(spill.region(2, 0), 0));
    CHECK_FALSE(spill.slot_onchip(spill.region(2, 1), 0));
    CHECK(spill.onchip_layers() == 2);
}

TEST_CASE("first_fit_layers counts a layer's x entries, and keeps them with its K/V", "[layout]") {
    // 8 x entries, one pool of 2 per layer, x = hidden 32 x 2 B = 64 B: a layer is 640 + 2 x 64
    // = 768 B. A store of 1472 B (23 rows) holds 2 layers' K/V (1280 B) but only 1 with x.
    const KvLayout layout(four_layers(), 10, plain_area_plan(1472, 64), kSpillBase, 0, 8, 1,
                          KvPlacement::first_fit_layers);
    CHECK(layout.onchip_layers() == 1);
    CHECK(layout.x_pool_entries() == 2);
    CHECK_FALSE(layout.slot_onchip(layout.region(1, 0), 0));
    Extent pieces[2];
    // Layer 0's entry 1: after layer 0's K/V (640 B), pool 0, entry 1: 640 + 64.
    REQUIRE(layout.x_pieces(0, 1, pieces) == 1);
    CHECK(pieces[0].onchip);
    CHECK(pieces[0].address == 704);
    // Layer 1's entry 0 is x index 1 x 2 + 0 = 2, in DRAM after the K/V spill: the spill space
    // of one class is reserved twice over (spill_address adds class 0's 4 x 2 x 10 = 80 entries
    // before class 1), so the x spill starts 160 slots past the base: + 160 x 32 + 2 x 64.
    REQUIRE(layout.x_pieces(1, 0, pieces) == 1);
    CHECK_FALSE(pieces[0].onchip);
    CHECK(pieces[0].address == kSpillBase + 160 * 32 + 2 * 64);
}
