// RefreshScheduler: decides when each eDRAM bank is refreshed and asks the controller to do it.
//
// Policy `periodic` (the conventional baseline): every row of every bank once per
// `interval_us`, issued as one burst per (bank, interval) rather than per row. Bursts are
// staggered so bank b is due at interval x (b + 1) / banks + k x interval; the due times stay on
// this grid even when a burst has to wait for an access in flight, so the number of bursts in
// a run is exactly the number of due times it spans. One SC_METHOD walks the due times; no
// process per bank or row.
//
// Kelle's lifetime-aware and 2DRP policies are not built yet: edram.refresh_policy accepts
// only `periodic` until they are.
#pragma once

#include <cstdint>
#include <systemc>

namespace kelle {

// What the scheduler drives: the controller performs the burst (timing, energy, stats).
class RefreshTarget {
public:
    virtual ~RefreshTarget() = default;
    virtual void refresh_bank(int bank) = 0;
};

class RefreshScheduler : public sc_core::sc_module {
public:
    RefreshScheduler(sc_core::sc_module_name name, RefreshTarget& target, int banks,
                     double interval_us);

    // Due time of the n-th burst (0-based, all banks interleaved) and the bank it refreshes.
    double due_ns(std::uint64_t n) const;
    int bank_of(std::uint64_t n) const { return static_cast<int>(n % static_cast<std::uint64_t>(banks_)); }
    std::uint64_t bursts_issued() const { return next_; }

private:
    void issue_due_bursts();

    RefreshTarget& target_;
    int banks_;
    double interval_ns_;
    std::uint64_t next_ = 0;  // index of the next burst to issue
};

}  // namespace kelle
