// The seam between the eDRAM controller and whatever decides when it refreshes.
//
// EdramController owns one RefreshDriver, chosen by edram.refresh_impl:
//   tlm  RefreshScheduler (refresh_scheduler.h), always built in;
//   rtl  rtl/refresh_scheduler.sv, verilated, behind its adapter (modules/rtl_refresh): there
//        when the build found verilator and the program called register_rtl_refresh_impl().
// Either one calls RefreshTarget::refresh_bank(group, bank, at) for every slot of each group's
// grid interval_g x (n + 1) / banks, bank n % banks, at that time, ties lower group first.
// The TLM scheduler can instead issue them on demand (issue_on_demand, settle): the controller
// settles before every access and hint and at the ends of prefill and decode, so each burst
// still meets the bank state and liveness of its own time, without a kernel event per burst.
// The choice goes through a registry of factories so that kelle_edram never links verilator:
// the RTL library adds its factory, the controller asks for one by name.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

namespace kelle {

// What a driver drives: the controller performs the burst (timing, energy, stats). `at_ns` is
// the simulated time the slot falls on: now for a driver that wakes at each slot, a time already
// passed for one that catches up on demand.
class RefreshTarget {
public:
    virtual ~RefreshTarget() = default;
    virtual void refresh_bank(int group, int bank, double at_ns) = 0;
};

class RefreshDriver : public sc_core::sc_module {
public:
    explicit RefreshDriver(sc_core::sc_module_name name) : sc_core::sc_module(name) {}
    // Adds the driver's pin-level signals to a waveform under `prefix`; a model without pins adds none.
    virtual void trace(sc_core::sc_trace_file* /*file*/, const std::string& /*prefix*/) {}
    // Asks for slots to be issued only when settle() is called instead of at their times; a
    // driver that cannot (the RTL, which must see every slot's clock edge) keeps waking.
    virtual void issue_on_demand() {}
    // Issues every slot due up to `now_ns` that has not been issued yet, in time order.
    virtual void settle(double /*now_ns*/) {}
};

using RefreshDriverFactory = std::function<std::unique_ptr<RefreshDriver>(
    const char* name, RefreshTarget& target, int banks, const std::vector<double>& group_intervals_us)>;

void register_refresh_impl(const std::string& impl, RefreshDriverFactory factory);
bool has_refresh_impl(const std::string& impl);
// std::logic_error for an impl nobody registered: EdramConfig::from turns that into a user error first.
std::unique_ptr<RefreshDriver> make_refresh_driver(const std::string& impl, const char* name, RefreshTarget& target,
                                                   int banks, const std::vector<double>& group_intervals_us);

}  // namespace kelle
