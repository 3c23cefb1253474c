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
