#include "edram/refresh_scheduler.h"

#include <limits>

namespace kelle {

RefreshScheduler::RefreshScheduler(int banks, const std::vector<double>& group_intervals_us)
    : banks_(banks), next_(group_intervals_us.size(), 0) {
    for (const double us : group_intervals_us) interval_ps_.push_back(refresh_interval_ps(us));
    for (int g = 0; g < static_cast<int>(next_.size()); ++g) next_due_ps_.push_back(due_ps(g, 0));
}

std::uint64_t RefreshScheduler::due_ps(int group, std::uint64_t n) const {
    return refresh_due_ps(interval_ps_[static_cast<std::size_t>(group)], banks_, n);
}

int RefreshScheduler::earliest_group() const {
    int best = 0;
    for (int g = 1; g < static_cast<int>(next_due_ps_.size()); ++g)
        if (next_due_ps_[static_cast<std::size_t>(g)] < next_due_ps_[static_cast<std::size_t>(best)]) best = g;
    return best;
}

double RefreshScheduler::next_due_ns() const {
    return next_due_ps_.empty() ? std::numeric_limits<double>::infinity() : ps_to_ns(next_due_ps_[static_cast<std::size_t>(earliest_group())]);
}

void RefreshScheduler::pop_due(double now_ns, std::vector<RefreshBurst>& due) {
    if (next_due_ps_.empty()) return;
    // now_ns is a time on SystemC's grid (or a slice end): its picosecond, rounded as from_ns rounds.
    const auto now_ps = static_cast<std::uint64_t>(now_ns * 1e3 + 0.5);
    for (int group = earliest_group(); next_due_ps_[static_cast<std::size_t>(group)] <= now_ps;
         group = earliest_group()) {
        const auto g = static_cast<std::size_t>(group);
        const std::uint64_t ps = next_due_ps_[g];
        due.push_back({group, bank_of(next_[g]), ps_to_ns(ps), ps});
        next_due_ps_[g] = due_ps(group, ++next_[g]);
    }
}

}  // namespace kelle
