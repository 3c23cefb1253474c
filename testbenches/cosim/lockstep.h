// The lockstep bench: the TLM RefreshScheduler and the verilated RTL scheduler, side by side in
// one simulation, fed the same stimulus (banks, per-group intervals, which (group, bank) holds
// no live data when); a recorder per side polls its refresh manager at each next_due_ns(), as
// the eDRAM controller does with a waveform, logs every burst with the time it popped it, and
// the two logs are compared command for command.
//
// Liveness reaches the two sides the way it does in hardware and in the platform: the RTL side
// gets it on its skip pins and issues nothing for an empty bank; the TLM scheduler issues every
// slot, and its recorder drops the slots of empty banks, as the eDRAM controller books no burst
// for a bank without live rows. The waveform holds both sides: per side the command count and
// the latest command's group and bank, plus the RTL block's pins.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "common/units.h"
#include "cosim/command_log.h"
#include "edram/refresh_scheduler.h"
#include "rtl_refresh/rtl_refresh_scheduler.h"

namespace kelle_cosim {

struct EmptySpan {  // group `group` holds no live data in bank `bank` from from_ns until to_ns
    int group = 0;
    int bank = 0;
    double from_ns = 0;
    double to_ns = 1e300;
};

struct Stimulus {
    int banks = 16;
    std::vector<double> tlm_intervals_us;  // per refresh group
    std::vector<double> rtl_intervals_us;  // the same, unless a test mis-configures one side
    std::vector<EmptySpan> empty;
    double run_us = 1000;

    bool is_empty(int group, int bank) const {
        const double now_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
        for (const EmptySpan& s : empty)
            if (s.group == group && s.bank == bank && s.from_ns <= now_ns && now_ns < s.to_ns) return true;
        return false;
    }
};

// Polls one side's manager at each of its due times, logs its commands and shows them as
// signals; with `drop`, leaves out the slots it names.
class CommandRecorder : public sc_core::sc_module {
public:
    CommandRecorder(sc_core::sc_module_name name, kelle::RefreshManager& manager,
                    std::function<bool(int group, int bank)> drop = nullptr)
        : sc_core::sc_module(name), manager_(manager), drop_(std::move(drop)) {
        SC_HAS_PROCESS(CommandRecorder);
        SC_METHOD(poll);
    }

    void trace(sc_core::sc_trace_file* file, const std::string& prefix) {
        sc_core::sc_trace(file, commands_, prefix + ".commands");
        sc_core::sc_trace(file, group_, prefix + ".group");
        sc_core::sc_trace(file, bank_, prefix + ".bank");
    }

    const CommandLog& log() const { return log_; }

private:
    void poll() {
        const double now_ns = kelle::now_ns();
        due_.clear();
        manager_.pop_due(now_ns, due_);
        for (const kelle::RefreshBurst& burst : due_) record(burst.group, burst.bank);
        next_trigger(kelle::from_ns(manager_.next_due_ns() - now_ns));
    }

    void record(int group, int bank) {
        if (drop_ && drop_(group, bank)) return;
        const auto now_ps = static_cast<std::uint64_t>(std::llround(sc_core::sc_time_stamp().to_seconds() * 1e12));
        log_.push_back({now_ps, group, bank});
        commands_.write(static_cast<unsigned>(log_.size()));
        group_.write(group);
        bank_.write(bank);
    }

    kelle::RefreshManager& manager_;
    std::function<bool(int, int)> drop_;
    std::vector<kelle::RefreshBurst> due_;
    CommandLog log_;
    sc_core::sc_signal<unsigned> commands_;
    sc_core::sc_signal<int> group_, bank_;
};

struct LockstepResult {
    CommandLog tlm;
    CommandLog rtl;
    std::string mismatch;  // empty: the logs match command for command
};

// Both sides of one stimulus, their modules named under `prefix` so that several fit in one
// elaboration.
struct LockstepPair {
    LockstepPair(const Stimulus& stimulus, const std::string& prefix)
        : empty([&stimulus](int group, int bank) { return stimulus.is_empty(group, bank); }),
          tlm(stimulus.banks, stimulus.tlm_intervals_us),
          rtl((prefix + "rtl").c_str(), stimulus.banks, stimulus.rtl_intervals_us, empty),
          tlm_side((prefix + "tlm_recorder").c_str(), tlm, empty),
          rtl_side((prefix + "rtl_recorder").c_str(), rtl) {}
    LockstepResult result() const { return {tlm_side.log(), rtl_side.log(), first_mismatch(tlm_side.log(), rtl_side.log())}; }

    std::function<bool(int, int)> empty;
    kelle::RefreshScheduler tlm;
    kelle::RtlRefreshScheduler rtl;
    CommandRecorder tlm_side;
    CommandRecorder rtl_side;
};

// Builds both sides, runs stimulus.run_us of simulated time with a VCD at vcd_stem + ".vcd",
// and compares. Elaborates SystemC: once per process.
inline LockstepResult run_lockstep(const Stimulus& stimulus, const std::string& vcd_stem) {
    LockstepPair pair(stimulus, "");
    sc_core::sc_trace_file* vcd = sc_core::sc_create_vcd_trace_file(vcd_stem.c_str());
    vcd->set_time_unit(1, sc_core::SC_PS);
    pair.tlm_side.trace(vcd, "tlm");
    pair.rtl_side.trace(vcd, "rtl");
    pair.rtl.trace(vcd, "rtl.pins");
    sc_core::sc_start(stimulus.run_us, sc_core::SC_US);
    sc_core::sc_close_vcd_trace_file(vcd);
    return pair.result();
}

// Every stimulus's pair in one simulation of the longest run_us (no waveform), one result each.
// Elaborates SystemC: once per process.
inline std::vector<LockstepResult> run_lockstep_sweep(const std::vector<Stimulus>& stimuli) {
    std::vector<std::unique_ptr<LockstepPair>> pairs;
    double run_us = 0;
    for (std::size_t i = 0; i < stimuli.size(); ++i) {
        pairs.push_back(std::make_unique<LockstepPair>(stimuli[i], "sweep" + std::to_string(i) + "_"));
        run_us = std::max(run_us, stimuli[i].run_us);
    }
    sc_core::sc_start(run_us, sc_core::SC_US);
    std::vector<LockstepResult> results;
    for (const auto& pair : pairs) results.push_back(pair->result());
    return results;
}

}  // namespace kelle_cosim
