// BankedTiming: per-bank busy-until timing, checked against hand calculations.
#include <catch2/catch.hpp>

#include "common/banked_timing.h"

using kelle::BankedTiming;
using kelle::BankGeometry;

// 4 banks, 100-byte interleave, 10 B/ns per bank, 5 ns latency.
static BankGeometry geometry() { return BankGeometry{4, 100, 10.0, 5.0}; }

TEST_CASE("a transfer splits across banks row by row", "[banked]") {
    BankedTiming timing(geometry());
    // [50, 650): bank0 gets 50 (row 0 tail), rows 1..5 whole go to banks 1,2,3,0,1,
    // row 6 head 50 -> bank 2. So bank0 = 50 + 100, bank1 = 200, bank2 = 100 + 50, bank3 = 100.
    const auto& bytes = timing.split(50, 600);
    CHECK(bytes[0] == 150);
    CHECK(bytes[1] == 200);
    CHECK(bytes[2] == 150);
    CHECK(bytes[3] == 100);
}

TEST_CASE("a long transfer deals whole rows round-robin", "[banked]") {
    BankedTiming timing(geometry());
    // 4000 bytes from 0 = 40 rows = 10 per bank.
    const auto& bytes = timing.split(0, 4000);
    for (int bank = 0; bank < 4; ++bank) CHECK(bytes[bank] == 1000);
}

TEST_CASE("completion is the slowest bank plus latency", "[banked]") {
    BankedTiming timing(geometry());
    // From the split above, bank1 carries 200 B: 200 / 10 = 20 ns, + 5 ns latency.
    const auto t = timing.access(1000.0, 50, 600);
    CHECK(t.start_ns == Approx(1000.0));
    CHECK(t.complete_ns == Approx(1025.0));
    CHECK(t.wait_ns == Approx(0.0));
}

TEST_CASE("a second access to a busy bank waits for it", "[banked]") {
    BankedTiming timing(geometry());
    timing.access(0.0, 0, 100);            // bank0 busy until 10 ns
    const auto t = timing.access(2.0, 400, 100);  // row 4 -> bank0 again
    CHECK(t.wait_ns == Approx(8.0));
    CHECK(t.complete_ns == Approx(10.0 + 10.0 + 5.0));
}

TEST_CASE("accesses to different banks do not interfere", "[banked]") {
    BankedTiming timing(geometry());
    timing.access(0.0, 0, 100);                   // bank0
    const auto t = timing.access(0.0, 100, 100);  // bank1
    CHECK(t.wait_ns == Approx(0.0));
    CHECK(t.complete_ns == Approx(15.0));
}

TEST_CASE("a reservation starts when the bank frees", "[banked]") {
    BankedTiming timing(geometry());
    timing.access(0.0, 0, 100);  // bank0 busy until 10 ns
    CHECK(timing.reserve(0, 4.0, 7.0) == Approx(10.0));
    CHECK(timing.busy_until_ns(0) == Approx(17.0));
    CHECK(timing.reserve(1, 4.0, 7.0) == Approx(4.0));
}
