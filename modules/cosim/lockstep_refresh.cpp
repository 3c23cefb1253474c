#include "cosim/lockstep_refresh.h"

#include <algorithm>
#include <sstream>

#include "cosim/rtl_fault.h"

namespace kelle {

namespace {
std::string burst_text(const std::vector<RefreshBurst>& bursts, std::size_t i) {
    if (i >= bursts.size()) return "no burst";
    std::ostringstream text;
    text << "burst " << i << " (group " << bursts[i].group << ", bank " << bursts[i].bank << ", due " << bursts[i].due_ns
         << " ns)";
    return text.str();
}

bool same(const RefreshBurst& a, const RefreshBurst& b) {
    return a.group == b.group && a.bank == b.bank && a.due_ns == b.due_ns;
}
}  // namespace

double LockstepRefresh::next_due_ns() const { return std::min(tlm_->next_due_ns(), rtl_->next_due_ns()); }

void LockstepRefresh::pop_due(double now_ns, std::vector<RefreshBurst>& due) {
    tlm_due_.clear();
    rtl_due_.clear();
    tlm_->pop_due(now_ns, tlm_due_);
    rtl_->pop_due(now_ns, rtl_due_);
    const std::size_t common = std::min(tlm_due_.size(), rtl_due_.size());
    std::size_t first = 0;
    while (first < common && same(tlm_due_[first], rtl_due_[first])) ++first;
    if (first < std::max(tlm_due_.size(), rtl_due_.size()))
        return raise_in_process(std::make_exception_ptr(
            CosimMismatch(now_ns, "refresh", burst_text(tlm_due_, first), burst_text(rtl_due_, first))));
    due.insert(due.end(), tlm_due_.begin(), tlm_due_.end());
}

void register_lockstep_refresh_impl() {
    register_refresh_impl("lockstep", [](const char* name, int banks, const std::vector<double>& group_intervals_us) {
        const std::string base(name);
        return std::make_unique<LockstepRefresh>(
            make_refresh_manager("tlm", (base + "_tlm").c_str(), banks, group_intervals_us),
            make_refresh_manager("rtl", (base + "_rtl").c_str(), banks, group_intervals_us));
    });
}

}  // namespace kelle
