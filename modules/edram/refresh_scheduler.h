// RefreshScheduler: decides when each (refresh group, bank) is refreshed; the TLM refresh manager
// (edram.refresh_impl = tlm, refresh_manager.h). Plain C++: no kernel, no process, testable alone.
//
// A refresh group is a set of whole rows refreshed at one interval (one group holding every
// row for periodic and lifetime refresh; one per (importance class, bit plane) for 2DRP). Each
// group g refreshes bank b in one burst at interval_g x (b + 1) / banks + k x interval_g:
// bursts per (group, bank, interval), not per row, staggered across banks. The due times stay on
// this grid even when a burst has to wait for an access in flight, so the number of bursts in a
// run is exactly the number of due times it spans.
//
// Time: due times are whole picoseconds (SystemC's resolution) from refresh_due_ps
// (refresh_manager.h), the function the RTL adapter uses too, so both schedulers put every slot
// on the same picosecond whatever the interval and bank count (44.999997 us over 16 banks:
// 2812499.8125 ps a step, slot 0 at 2812500 ps on both sides).
// rtl/refresh_scheduler.sv is its RTL twin (docs/cosim.md).
#pragma once

#include <cstdint>
#include <vector>

#include "edram/refresh_manager.h"

namespace kelle {

class RefreshScheduler : public RefreshManager {
public:
    RefreshScheduler(int banks, const std::vector<double>& group_intervals_us);

    // Due time of a group's n-th burst (0-based, its banks interleaved) and the bank it refreshes.
    std::uint64_t due_ps(int group, std::uint64_t n) const;
    int bank_of(std::uint64_t n) const { return static_cast<int>(n % static_cast<std::uint64_t>(banks_)); }

    double next_due_ns() const override;
    void pop_due(double now_ns, std::vector<RefreshBurst>& due) override;

private:
    int earliest_group() const;  // ties: the lower group

    int banks_;
    std::vector<std::uint64_t> interval_ps_;  // per group
    std::vector<std::uint64_t> next_;         // per group: index of its next burst
    std::vector<std::uint64_t> next_due_ps_;  // per group: due_ps of that burst, kept for the hot loop
};

}  // namespace kelle
