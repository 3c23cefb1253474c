// LockstepRefresh: the TLM refresh scheduler and the RTL one side by side (cosim.lockstep =
// refresh), behind the one RefreshManager the eDRAM controller polls. A method of its own wakes
// at every due time of either side and takes from both the bursts due by then, so a difference
// is found at the simulated time it happens, not at the controller's next poll: the first burst
// whose (due picosecond, group, bank) differs, or that one side has and the other has not, ends
// the run with a CosimMismatch naming the scheduler (each refresh controller has one) and both exactly (burst number in the run, group, bank, due
// time in ps). The TLM bursts are held until the controller pops them, so the run is the TLM run
// until then. A fault the RTL adapter finds on its own (rtl_fault.h) is reported as a mismatch
// too, against the TLM side's next burst. The RTL side's bank_req pins (bank_requests.h) are
// checked at the same wake-ups: each slot's must be the banks of the TLM bursts of that slot.
// The RTL side's pins go to the waveform under the controller's prefix, as with refresh_impl=rtl.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "cosim/bank_requests.h"
#include "edram/refresh_manager.h"

namespace kelle {

class LockstepRefresh : public sc_core::sc_module, public RefreshManager {
public:
    // rtl: a block with BankRequestPins, or std::logic_error.
    LockstepRefresh(sc_core::sc_module_name name, std::unique_ptr<RefreshManager> tlm,
                    std::unique_ptr<RefreshManager> rtl);
    ~LockstepRefresh() override;

    double next_due_ns() const override;
    void pop_due(double now_ns, std::vector<RefreshBurst>& due) override;
    void trace(sc_core::sc_trace_file* file, const std::string& prefix) override { rtl_->trace(file, prefix); }

private:
    void on_due();  // the method: compare at each due time of either side
    void compare_until(double now_ns);
    void check_bursts(double now_ns);
    void check_bank_requests(double now_ns);
    void fail(double now_ns, const std::string& tlm, const std::string& rtl);
    std::string block_name() const;  // "refresh (<controller's scheduler>)": a platform may have two

    std::unique_ptr<RefreshManager> tlm_, rtl_;
    BankRequestPins* rtl_pins_;
    bool failed_ = false;
    std::string rtl_name_;  // the RTL side's module name, which its faults carry
    std::uint64_t tlm_count_ = 0, rtl_count_ = 0;  // bursts compared so far, per side
    std::deque<RefreshBurst> held_;  // TLM bursts compared, not yet popped by the controller
    std::vector<SlotBankRequests> bank_requests_;  // reused
    std::vector<RefreshBurst> tlm_due_, rtl_due_;  // reused
};

// Makes edram.refresh_impl = lockstep (the platform's choice under cosim.lockstep = refresh|all)
// build a LockstepRefresh of `tlm` and `rtl`; call after register_rtl_refresh_impl().
void register_lockstep_refresh_impl();

}  // namespace kelle
