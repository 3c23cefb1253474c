// RefreshScheduler, the TLM refresh manager, polled without a simulation; times worked out by hand.
#include <catch2/catch.hpp>
#include <vector>

#include "common/units.h"
#include "edram/refresh_scheduler.h"

using kelle::RefreshBurst;
using kelle::RefreshScheduler;

namespace {
std::vector<RefreshBurst> pop(RefreshScheduler& scheduler, double now_ns) {
    std::vector<RefreshBurst> due;
    scheduler.pop_due(now_ns, due);
    return due;
}
}  // namespace

TEST_CASE("bursts come in time order, banks in turn, ties lower group first", "[refresh]") {
    // By hand: group 0 every 40 / 4 = 10 us, group 1 every 80 / 4 = 20 us. Up to 20 us: g0b0 at
    // 10 us, then at 20 us both groups, group 0 (bank 1) before group 1 (bank 0).
    RefreshScheduler scheduler(4, {40, 80});
    const std::vector<RefreshBurst> due = pop(scheduler, 20e3);
    REQUIRE(due.size() == 3);
    CHECK((due[0].group == 0 && due[0].bank == 0 && due[0].due_ns == Approx(10e3)));
    CHECK((due[1].group == 0 && due[1].bank == 1 && due[1].due_ns == Approx(20e3)));
    CHECK((due[2].group == 1 && due[2].bank == 0 && due[2].due_ns == Approx(20e3)));
    CHECK(scheduler.next_due_ns() == Approx(30e3));
}

TEST_CASE("a burst is popped once, however often or late the manager is asked", "[refresh]") {
    RefreshScheduler scheduler(4, {40});
    CHECK(scheduler.next_due_ns() == Approx(10e3));  // 40 us / 4 banks
    CHECK(pop(scheduler, 5e3).empty());
    CHECK(scheduler.next_due_ns() == Approx(10e3));
    CHECK(pop(scheduler, 9999.999).empty());
    // Catching up late: each burst keeps its own due time and bank.
    const std::vector<RefreshBurst> due = pop(scheduler, 35e3);
    REQUIRE(due.size() == 3);
    CHECK((due[2].bank == 2 && due[2].due_ns == Approx(30e3)));
    CHECK(pop(scheduler, 35e3).empty());
}

TEST_CASE("due times are interval x (n + 1) / banks in whole picoseconds, rounded half up", "[refresh]") {
    // By hand: 10 us over 3 banks is 3333333.33 ps a step: slots at 3333333.33 -> 3333333,
    // 6666666.67 -> 6666667 and 10000000 ps; 45.000004 us over 16 banks, 2812500.25 ps a step:
    // slot 1 at 5625000.5 -> 5625001 (half up), slot 3 at 11250001 exactly.
    RefreshScheduler thirds(3, {10});
    const std::vector<RefreshBurst> due = pop(thirds, 10e3);
    REQUIRE(due.size() == 3);
    CHECK(due[0].due_ps == 3333333);
    CHECK(due[1].due_ps == 6666667);
    CHECK(due[2].due_ps == 10000000);
    CHECK(due[1].due_ns == kelle::to_ns(sc_core::sc_time::from_value(6666667)));
    CHECK(kelle::refresh_due_ps(45000004, 16, 1) == 5625001);
    CHECK(kelle::refresh_due_ps(45000004, 16, 3) == 11250001);
    CHECK(kelle::refresh_interval_ps(44.999997) == 44999997);
}

TEST_CASE("refresh_due_ps does not overflow where interval x (n + 1) would", "[refresh]") {
    // By hand: a 1 ms + 1 ps interval over 64 banks, slot n + 1 = 64e9 (11.6 days of simulated
    // time): interval x (n + 1) = 6.4e19 passes 2^64 = 1.8e19, the due time (1e9 + 1) x 1e9 does not.
    CHECK(kelle::refresh_due_ps(1000000001, 64, 64000000000ULL - 1) == 1000000001ULL * 1000000000ULL);
}
