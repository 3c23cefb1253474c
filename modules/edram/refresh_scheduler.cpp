#include "edram/refresh_scheduler.h"

#include "common/units.h"

namespace kelle {

RefreshScheduler::RefreshScheduler(sc_core::sc_module_name name, RefreshTarget& target, int banks,
                                   double interval_us)
    : sc_core::sc_module(name), target_(target), banks_(banks), interval_ns_(interval_us * 1e3) {
    SC_HAS_PROCESS(RefreshScheduler);
    SC_METHOD(issue_due_bursts);
}

double RefreshScheduler::due_ns(std::uint64_t n) const {
    // Computed from n, not accumulated, so long runs do not drift.
    return interval_ns_ * static_cast<double>(n + 1) / static_cast<double>(banks_);
}

void RefreshScheduler::issue_due_bursts() {
    const double now = now_ns();
    // sc_time rounds to 1 ps: treat anything due within a femtosecond-scale slack as due now.
    while (due_ns(next_) <= now + 1e-3) {
        target_.refresh_bank(bank_of(next_));
        ++next_;
    }
    next_trigger(from_ns(due_ns(next_) - now));
}

}  // namespace kelle
