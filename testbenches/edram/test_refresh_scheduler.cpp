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
    CHECK(scheduler.next_due_ns() == 0);  // a first wake-up at time 0, with nothing due
    CHECK(pop(scheduler, 5e3).empty());
    CHECK(scheduler.next_due_ns() == Approx(10e3));
    CHECK(pop(scheduler, 9999.999).empty());
    // Catching up late: each burst keeps its own due time and bank.
    const std::vector<RefreshBurst> due = pop(scheduler, 35e3);
    REQUIRE(due.size() == 3);
    CHECK((due[2].bank == 2 && due[2].due_ns == Approx(30e3)));
    CHECK(pop(scheduler, 35e3).empty());
}

TEST_CASE("due times fall on the picosecond a kernel wake-up would", "[refresh]") {
    // 10 us over 3 banks: 3333333.33 ps per step. A process woken at each due time would run at
    // now + from_ns(due - now) each time, rounded to the picosecond; the bursts must carry those times.
    RefreshScheduler scheduler(3, {10});
    sc_core::sc_time wake = sc_core::SC_ZERO_TIME;
    for (int n = 0; n < 1000; ++n) {
        const double due_ns = scheduler.due_ns(0, static_cast<std::uint64_t>(n));
        wake += kelle::from_ns(due_ns - kelle::to_ns(wake));
        const std::vector<RefreshBurst> due = pop(scheduler, kelle::to_ns(wake));
        REQUIRE(due.size() == 1);
        REQUIRE(due[0].due_ns == kelle::to_ns(wake));
    }
}
