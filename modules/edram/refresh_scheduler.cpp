#include "edram/refresh_scheduler.h"

#include "common/units.h"

namespace kelle {

RefreshScheduler::RefreshScheduler(sc_core::sc_module_name name, RefreshTarget& target, int banks,
                                   std::vector<double> group_intervals_us)
    : RefreshDriver(name), target_(target), banks_(banks), next_(group_intervals_us.size(), 0) {
    for (const double us : group_intervals_us) interval_ns_.push_back(us * 1e3);
    for (int g = 0; g < static_cast<int>(next_.size()); ++g) next_due_ns_.push_back(due_ns(g, 0));
    SC_HAS_PROCESS(RefreshScheduler);
    SC_METHOD(issue_due_bursts);
}

double RefreshScheduler::due_ns(int group, std::uint64_t n) const {
    // Computed from n, not accumulated, so long runs do not drift.
    return interval_ns_[static_cast<std::size_t>(group)] * static_cast<double>(n + 1) / static_cast<double>(banks_);
}

int RefreshScheduler::earliest_group() const {
    int best = 0;
    for (int g = 1; g < static_cast<int>(next_due_ns_.size()); ++g)
        if (next_due_ns_[static_cast<std::size_t>(g)] < next_due_ns_[static_cast<std::size_t>(best)]) best = g;
    return best;
}

double RefreshScheduler::issue_until(double now_ns) {
    int group = earliest_group();
    // sc_time rounds to 1 ps: anything due within that slack is due now.
    while (next_due_ns_[static_cast<std::size_t>(group)] <= now_ns + 1e-3) {
        const auto g = static_cast<std::size_t>(group);
        target_.refresh_bank(group, bank_of(next_[g]), now_ns);
        next_due_ns_[g] = due_ns(group, ++next_[g]);
        group = earliest_group();
    }
    return next_due_ns_[static_cast<std::size_t>(group)];
}

void RefreshScheduler::issue_due_bursts() {
    if (on_demand_) return;
    const double now = now_ns();
    next_trigger(from_ns(issue_until(now) - now));
}

void RefreshScheduler::settle(double now_ns) {
    // Replays the method's wake-ups, each computed as the method computes its next_trigger, so
    // every burst gets the very time (to the picosecond rounding) it would have had.
    while (on_demand_ && to_ns(next_wake_) <= now_ns) {
        const double wake = to_ns(next_wake_);
        next_wake_ += from_ns(issue_until(wake) - wake);
    }
}

}  // namespace kelle
