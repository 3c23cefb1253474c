#include "edram/refresh_scheduler.h"

namespace kelle {

namespace {
// common/units.h's to_ns and from_ns (SystemC 2.3.4's own arithmetic at 1 ps resolution), on a
// plain count of picoseconds, so the scheduler needs no kernel.
double ps_to_ns(std::int64_t ps) { return static_cast<double>(ps) * 1000.0 * 1e-15 * 1e9; }
std::int64_t ns_to_ps(double ns) { return ns == 0 ? 0 : static_cast<std::int64_t>(ns * (1e6 / 1000.0) + 0.5); }
}  // namespace

RefreshScheduler::RefreshScheduler(int banks, const std::vector<double>& group_intervals_us)
    : banks_(banks), next_(group_intervals_us.size(), 0) {
    for (const double us : group_intervals_us) interval_ns_.push_back(us * 1e3);
    for (int g = 0; g < static_cast<int>(next_.size()); ++g) next_due_ns_.push_back(due_ns(g, 0));
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

double RefreshScheduler::pop_wake_up(double wake_ns, std::vector<RefreshBurst>& due) {
    int group = earliest_group();
    // sc_time rounds to 1 ps: anything due within that slack is due now.
    while (next_due_ns_[static_cast<std::size_t>(group)] <= wake_ns + 1e-3) {
        const auto g = static_cast<std::size_t>(group);
        due.push_back({group, bank_of(next_[g]), wake_ns});
        next_due_ns_[g] = due_ns(group, ++next_[g]);
        group = earliest_group();
    }
    return next_due_ns_[static_cast<std::size_t>(group)];
}

double RefreshScheduler::next_due_ns() const { return ps_to_ns(wake_ps_); }

void RefreshScheduler::pop_due(double now_ns, std::vector<RefreshBurst>& due) {
    while (ps_to_ns(wake_ps_) <= now_ns) {
        const double wake_ns = ps_to_ns(wake_ps_);
        wake_ps_ += ns_to_ps(pop_wake_up(wake_ns, due) - wake_ns);
    }
}

}  // namespace kelle
