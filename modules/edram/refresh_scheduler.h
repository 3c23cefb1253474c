// RefreshScheduler: decides when each (refresh group, bank) is refreshed and asks the
// controller to do it.
//
// A refresh group is a set of whole rows refreshed at one interval (one group holding every
// row for periodic and lifetime refresh; one per (importance class, bit plane) for 2DRP). Each
// group g refreshes bank b in one burst at interval_g x (b + 1) / banks + k x interval_g:
// bursts per (group, bank, interval), not per row, staggered across banks. The due times stay on
// this grid even when a burst has to wait for an access in flight, so the number of bursts in a
// run is exactly the number of due times it spans. One SC_METHOD walks the due times of all
// groups in time order (ties: lower group first); no process per bank or row. On demand
// (refresh_driver.h) the method stays idle and settle() walks the same due times, handing each
// burst the time the method would have woken at.
// edram.refresh_impl = tlm (the default); rtl/refresh_scheduler.sv is its RTL twin (docs/cosim.md).
#pragma once

#include <cstdint>
#include <systemc>
#include <vector>

#include "edram/refresh_driver.h"

namespace kelle {

class RefreshScheduler : public RefreshDriver {
public:
    RefreshScheduler(sc_core::sc_module_name name, RefreshTarget& target, int banks,
                     std::vector<double> group_intervals_us);

    // Due time of a group's n-th burst (0-based, its banks interleaved) and the bank it refreshes.
    double due_ns(int group, std::uint64_t n) const;
    int bank_of(std::uint64_t n) const { return static_cast<int>(n % static_cast<std::uint64_t>(banks_)); }

    void issue_on_demand() override { on_demand_ = true; }
    void settle(double now_ns) override;

private:
    void issue_due_bursts();
    int earliest_group() const;
    // Issues every burst whose wake-up time is at or before `now_ns`; returns the next due time.
    double issue_until(double now_ns);

    RefreshTarget& target_;
    int banks_;
    std::vector<double> interval_ns_;  // per group
    std::vector<std::uint64_t> next_;  // per group: index of its next burst
    std::vector<double> next_due_ns_;  // per group: due_ns of that burst, kept for the hot loop
    bool on_demand_ = false;
    sc_core::sc_time next_wake_ = sc_core::SC_ZERO_TIME;  // on demand: when the method would wake next
};

}  // namespace kelle
