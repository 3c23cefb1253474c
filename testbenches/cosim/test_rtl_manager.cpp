// The RTL scheduler's polled interface on its own: its bursts are there to pop from the first
// delta cycle of their slot, as the TLM scheduler's are (rtl_refresh_scheduler.h). Elaborates
// SystemC: ctest runs each test case in a process of its own.
#include <catch2/catch.hpp>
#include <systemc>
#include <vector>

#include "common/units.h"
#include "rtl_refresh/rtl_refresh_scheduler.h"

using namespace kelle;

namespace {
// Polls `manager` from a thread at the times the test asks, recording what each poll got.
class Poller : public sc_core::sc_module {
public:
    Poller(sc_core::sc_module_name name, RefreshManager& manager, std::vector<std::uint64_t> at_ps)
        : sc_core::sc_module(name), manager_(manager), at_ps_(std::move(at_ps)) {
        SC_HAS_PROCESS(Poller);
        SC_THREAD(run);
    }

    std::vector<double> next_due_ns;               // per poll, asked before popping
    std::vector<std::vector<RefreshBurst>> popped;  // per poll

private:
    void run() {
        for (const std::uint64_t ps : at_ps_) {
            wait(sc_core::sc_time::from_value(ps) - sc_core::sc_time_stamp());
            next_due_ns.push_back(manager_.next_due_ns());
            popped.emplace_back();
            manager_.pop_due(now_ns(), popped.back());
        }
    }

    RefreshManager& manager_;
    std::vector<std::uint64_t> at_ps_;
};
}  // namespace

TEST_CASE("a thread woken at a slot pops its bursts in the slot's first delta cycle", "[cosim][rtl]") {
    // By hand: 45 us over 16 banks puts slots at 2812500 ps x (n + 1), bank n % 16. The thread
    // polls at time 0 (before the block is configured: no slot known, one tick is the earliest
    // any can be), one tick before the first slot (nothing due yet), at the first slot (bank 0)
    // and at the third (banks 1 and 2, caught up late, each with its own slot time).
    RtlRefreshScheduler rtl("rtl", 16, {45});
    Poller poller("poller", rtl, {0, 2812499, 2812500, 8437500});
    sc_core::sc_start(10, sc_core::SC_US);
    REQUIRE(poller.popped.size() == 4);
    CHECK(poller.next_due_ns[0] == Approx(0.001));
    CHECK(poller.popped[0].empty());
    CHECK(poller.popped[1].empty());
    CHECK(poller.next_due_ns[2] == Approx(2812.5));
    REQUIRE(poller.popped[2].size() == 1);
    CHECK((poller.popped[2][0].group == 0 && poller.popped[2][0].bank == 0));
    REQUIRE(poller.popped[3].size() == 2);
    CHECK((poller.popped[3][0].bank == 1 && poller.popped[3][0].due_ns == Approx(5625.0)));
    CHECK((poller.popped[3][1].bank == 2 && poller.popped[3][1].due_ns == Approx(8437.5)));
}
