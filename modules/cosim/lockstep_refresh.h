// LockstepRefresh: the TLM refresh scheduler and the RTL one polled side by side
// (cosim.lockstep = refresh), behind the one RefreshManager the eDRAM controller polls. Every
// pop asks both for the bursts due by then; the TLM list drives the controller, so the run is
// the TLM run until the first burst whose (due time, group, bank) differs, or that one side has
// and the other has not, which ends the run with a CosimMismatch naming both (reported once:
// the polls left until the run stops only pass the TLM bursts on). A fault the RTL adapter finds
// on its own (rtl_fault.h) is reported as a mismatch too, against the TLM side's next burst.
// The RTL side's bank_req pins (bank_requests.h) are checked too: each slot's must be the banks
// of the TLM bursts of that slot. The RTL side's pins go to the waveform under the controller's prefix, as with refresh_impl=rtl.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cosim/bank_requests.h"
#include "edram/refresh_manager.h"

namespace kelle {

class LockstepRefresh : public RefreshManager {
public:
    // rtl: a block with BankRequestPins, or std::logic_error.
    LockstepRefresh(std::unique_ptr<RefreshManager> tlm, std::unique_ptr<RefreshManager> rtl);
    ~LockstepRefresh() override;

    double next_due_ns() const override;
    void pop_due(double now_ns, std::vector<RefreshBurst>& due) override;
    void trace(sc_core::sc_trace_file* file, const std::string& prefix) override { rtl_->trace(file, prefix); }

private:
    void check_bursts(double now_ns);
    void check_bank_requests(double now_ns);
    void fail(double now_ns, const std::string& tlm, const std::string& rtl);

    std::unique_ptr<RefreshManager> tlm_, rtl_;
    BankRequestPins* rtl_pins_;
    bool failed_ = false;
    std::string rtl_name_;  // the RTL side's module name, which its faults carry
    std::vector<SlotBankRequests> bank_requests_;  // reused
    std::vector<RefreshBurst> tlm_due_, rtl_due_;  // reused
};

// Makes edram.refresh_impl = lockstep (the platform's choice under cosim.lockstep = refresh|all)
// build a LockstepRefresh of `tlm` and `rtl`; call after register_rtl_refresh_impl().
void register_lockstep_refresh_impl();

}  // namespace kelle
