#include "cosim/lockstep_refresh.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "common/units.h"
#include "cosim/rtl_fault.h"

namespace kelle {

namespace {
constexpr double kTickNs = 1e-3;  // SystemC's resolution, 1 ps

std::string burst_text(const std::vector<RefreshBurst>& bursts, std::size_t i, std::uint64_t number) {
    if (i >= bursts.size()) return "no burst";
    std::ostringstream text;
    text << "burst #" << number << " (group " << bursts[i].group << ", bank " << bursts[i].bank << ", due "
         << bursts[i].due_ps << " ps)";
    return text.str();
}

bool same(const RefreshBurst& a, const RefreshBurst& b) {
    return a.group == b.group && a.bank == b.bank && a.due_ps == b.due_ps;
}
}  // namespace

LockstepRefresh::LockstepRefresh(sc_core::sc_module_name name, std::unique_ptr<RefreshManager> tlm,
                                 std::unique_ptr<RefreshManager> rtl)
    : sc_core::sc_module(name), tlm_(std::move(tlm)), rtl_(std::move(rtl)),
      rtl_pins_(dynamic_cast<BankRequestPins*>(rtl_.get())) {
    const auto* rtl_module = dynamic_cast<const sc_core::sc_object*>(rtl_.get());
    if (rtl_pins_ == nullptr || rtl_module == nullptr)
        throw std::logic_error("LockstepRefresh: the RTL side must be a module with bank_req pins");
    rtl_pins_->record_bank_requests();
    rtl_name_ = rtl_module->name();
    translate_faults(rtl_name_, [this](const RtlFault& fault) {
        // The RTL adapter checks a slot one tick before it: the TLM bursts of that slot are the
        // ones the RTL side did not produce (the run ends here, so popping them costs nothing).
        tlm_due_.clear();
        tlm_->pop_due(now_ns() + kTickNs, tlm_due_);
        failed_ = true;
        return CosimMismatch(now_ns(), block_name(), burst_text(tlm_due_, 0, tlm_count_), fault.what());
    });
    SC_HAS_PROCESS(LockstepRefresh);
    SC_METHOD(on_due);
}

LockstepRefresh::~LockstepRefresh() { stop_translating_faults(rtl_name_); }

std::string LockstepRefresh::block_name() const { return std::string("refresh (") + basename() + ")"; }

double LockstepRefresh::next_due_ns() const {
    if (!held_.empty()) return held_.front().due_ns;
    return std::min(tlm_->next_due_ns(), rtl_->next_due_ns());
}

void LockstepRefresh::pop_due(double now_ns, std::vector<RefreshBurst>& due) {
    compare_until(now_ns);
    for (; !held_.empty() && held_.front().due_ns <= now_ns; held_.pop_front()) due.push_back(held_.front());
}

void LockstepRefresh::on_due() {
    if (failed_) return;
    const double now = now_ns();
    compare_until(now);
    next_trigger(from_ns(std::min(tlm_->next_due_ns(), rtl_->next_due_ns()) - now));
}

void LockstepRefresh::compare_until(double now_ns) {
    tlm_due_.clear();
    rtl_due_.clear();
    tlm_->pop_due(now_ns, tlm_due_);
    rtl_->pop_due(now_ns, rtl_due_);
    bank_requests_.clear();
    rtl_pins_->pop_bank_requests(now_ns, bank_requests_);
    if (!failed_) check_bursts(now_ns);
    if (!failed_) check_bank_requests(now_ns);
    tlm_count_ += tlm_due_.size();
    rtl_count_ += rtl_due_.size();
    held_.insert(held_.end(), tlm_due_.begin(), tlm_due_.end());
}

void LockstepRefresh::check_bursts(double now_ns) {
    const std::size_t common = std::min(tlm_due_.size(), rtl_due_.size());
    std::size_t first = 0;
    while (first < common && same(tlm_due_[first], rtl_due_[first])) ++first;
    if (first < std::max(tlm_due_.size(), rtl_due_.size()))
        fail(now_ns, burst_text(tlm_due_, first, tlm_count_ + first), burst_text(rtl_due_, first, rtl_count_ + first));
}

void LockstepRefresh::check_bank_requests(double now_ns) {
    std::size_t burst = 0;  // both lists are in time order: one walk pairs each slot with its bursts
    for (const SlotBankRequests& slot : bank_requests_) {
        while (burst < tlm_due_.size() && tlm_due_[burst].due_ps < slot.slot_ps) ++burst;
        std::uint64_t expected = 0;  // the bursts of this slot, popped in this call
        for (; burst < tlm_due_.size() && tlm_due_[burst].due_ps == slot.slot_ps; ++burst)
            expected |= std::uint64_t{1} << tlm_due_[burst].bank;
        if (slot.banks != expected) {
            std::ostringstream tlm, rtl;
            tlm << "bank_req 0x" << std::hex << expected << " at slot " << std::dec << slot.slot_ps << " ps";
            rtl << "bank_req 0x" << std::hex << slot.banks;
            return fail(now_ns, tlm.str(), rtl.str());
        }
    }
}

void LockstepRefresh::fail(double now_ns, const std::string& tlm, const std::string& rtl) {
    failed_ = true;
    raise(CosimMismatch(now_ns, block_name(), tlm, rtl));
}

void register_lockstep_refresh_impl() {
    register_refresh_impl(RefreshImpl::lockstep, [](const char* name, int banks, const std::vector<double>& group_intervals_us) {
        const std::string base(name);
        return std::make_unique<LockstepRefresh>(
            name, make_refresh_manager(RefreshImpl::tlm, (base + "_tlm").c_str(), banks, group_intervals_us),
            make_refresh_manager(RefreshImpl::rtl, (base + "_rtl").c_str(), banks, group_intervals_us));
    });
}

}  // namespace kelle
