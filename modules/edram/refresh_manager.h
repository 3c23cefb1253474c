// RefreshManager: the seam between the eDRAM controller and whatever decides when it refreshes,
// in the style of DRAMSys's RefreshManagerIF: the controller asks, the manager never calls back.
//
// The controller owns one manager, chosen by edram.refresh_impl:
//   tlm  RefreshScheduler (refresh_scheduler.h), plain C++, always built in;
//   rtl  rtl/refresh_scheduler.sv, verilated, behind its adapter (modules/rtl_refresh): there
//        when the build found verilator and the program called register_rtl_refresh_impl().
// Either one gives a burst for every slot of each group's grid interval_g x (n + 1) / banks
// (refresh_due_ps below), bank n % banks, in time order, ties lower group first. The controller pops them from one loop
// (EdramController::refresh_until) before every access and hint, at the ends of prefill and
// decode, and, when a waveform is traced, at every next_due_ns(); each burst carries its own
// due time, so one popped late still meets the bank state and liveness of that time.
// The choice goes through a registry of factories so that kelle_edram never links verilator:
// the RTL library adds its factory, the controller asks for the configured one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace sc_core {
class sc_trace_file;
}

namespace kelle {

// lockstep: both, the RTL checked against the TLM burst for burst (cosim.lockstep = refresh
// selects it; modules/cosim/lockstep_refresh.h).
enum class RefreshImpl { tlm, rtl, lockstep };
inline const Choices<RefreshImpl> kRefreshImpls{
    {"tlm", RefreshImpl::tlm}, {"rtl", RefreshImpl::rtl}, {"lockstep", RefreshImpl::lockstep}};

struct RefreshBurst {
    int group = 0;
    int bank = 0;
    double due_ns = 0;         // the slot's time on SystemC's 1 ps grid...
    std::uint64_t due_ps = 0;  // ...exactly: what the lockstep compares and prints
};

// The refresh grid in whole picoseconds (SystemC's resolution), the one arithmetic both the TLM
// scheduler and the RTL adapter use, so that neither rounds a sub-picosecond due time its own
// way: an interval is rounded to the picosecond once, and slot n of a group (0-based) is due at
// interval x (n + 1) / banks rounded half up, which is what rtl/refresh_scheduler.sv's
// Bresenham accumulator (primed with banks / 2) computes step by step.
std::uint64_t refresh_interval_ps(double interval_us);
std::uint64_t refresh_due_ps(std::uint64_t interval_ps, int banks, std::uint64_t n);
double ps_to_ns(std::uint64_t ps);  // common/units.h's to_ns on a plain count of picoseconds

class RefreshManager {
public:
    virtual ~RefreshManager() = default;
    // When to poll next: no burst not yet popped is due before it. It may be a time with nothing
    // due (the TLM scheduler's first wake-up at 0; the RTL's one tick while it is being configured).
    virtual double next_due_ns() const = 0;
    // Appends to `due` every burst due at or before `now_ns` not popped before, in issue order.
    virtual void pop_due(double now_ns, std::vector<RefreshBurst>& due) = 0;
    // Adds the manager's pin-level signals to a waveform under `prefix`; a model without pins adds none.
    virtual void trace(sc_core::sc_trace_file* /*file*/, const std::string& /*prefix*/) {}
};

using RefreshManagerFactory = std::function<std::unique_ptr<RefreshManager>(
    const char* name, int banks, const std::vector<double>& group_intervals_us)>;

void register_refresh_impl(RefreshImpl impl, RefreshManagerFactory factory);
bool has_refresh_impl(RefreshImpl impl);
// std::logic_error for an impl nobody registered: EdramConfig's rule turns that into a user error first.
std::unique_ptr<RefreshManager> make_refresh_manager(RefreshImpl impl, const char* name, int banks,
                                                     const std::vector<double>& group_intervals_us);

}  // namespace kelle
