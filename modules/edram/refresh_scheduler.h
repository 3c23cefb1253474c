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
// Time: the scheduler steps through "wake-ups" on SystemC's 1 ps grid, the times a process
// woken at each due time would run at (from one wake-up to the next due time, rounded to a
// picosecond as sc_time rounds it), and gives every burst due within a picosecond of a wake-up
// that wake-up's time. The arithmetic is that of common/units.h's from_ns/to_ns, so the bursts'
// times are bit-equal whether the controller polls at each wake-up or catches up later.
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
    double due_ns(int group, std::uint64_t n) const;
    int bank_of(std::uint64_t n) const { return static_cast<int>(n % static_cast<std::uint64_t>(banks_)); }

    double next_due_ns() const override;
    void pop_due(double now_ns, std::vector<RefreshBurst>& due) override;

private:
    int earliest_group() const;
    // Appends every burst due at the wake-up `wake_ns`; returns the next due time.
    double pop_wake_up(double wake_ns, std::vector<RefreshBurst>& due);

    int banks_;
    std::vector<double> interval_ns_;  // per group
    std::vector<std::uint64_t> next_;  // per group: index of its next burst
    std::vector<double> next_due_ns_;  // per group: due_ns of that burst, kept for the hot loop
    std::int64_t wake_ps_ = 0;         // the next wake-up, on the 1 ps grid
};

}  // namespace kelle
