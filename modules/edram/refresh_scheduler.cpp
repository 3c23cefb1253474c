#include "edram/refresh_scheduler.h"

#include "common/units.h"

namespace kelle {

RefreshScheduler::RefreshScheduler(sc_core::sc_module_name name, RefreshTarget& target, int banks,
                                   std::vector<double> group_intervals_us)
    : RefreshDriver(name), target_(target), banks_(banks), next_(group_intervals_us.size(), 0) {
    for (const double us : group_intervals_us) interval_ns_.push_back(us * 1e3);
    SC_HAS_PROCESS(RefreshScheduler);
    SC_METHOD(issue_due_bursts);
}

double RefreshScheduler::due_ns(int group, std::uint64_t n) const {
    // Computed from n, not accumulated, so long runs do not drift.
    return interval_ns_[static_cast<std::size_t>(group)] * static_cast<double>(n + 1) / static_cast<double>(banks_);
}

int RefreshScheduler::earliest_group() const {
    int best = 0;
    for (int g = 1; g < static_cast<int>(next_.size()); ++g)
        if (due_ns(g, next_[static_cast<std::size_t>(g)]) < due_ns(best, next_[static_cast<std::size_t>(best)])) best = g;
    return best;
}

void RefreshScheduler::issue_due_bursts() {
    const double now = now_ns();
    int group = earliest_group();
    // sc_time rounds to 1 ps: anything due within that slack is due now.
    while (due_ns(group, next_[static_cast<std::size_t>(group)]) <= now + 1e-3) {
        std::uint64_t& n = next_[static_cast<std::size_t>(group)];
        target_.refresh_bank(group, bank_of(n));
        ++n;
        group = earliest_group();
    }
    next_trigger(from_ns(due_ns(group, next_[static_cast<std::size_t>(group)]) - now));
}

}  // namespace kelle
