// LockstepEvictor: the TLM search and an RTL eviction unit asked for every victim, side by side
// (cosim.lockstep = evictor). The TLM answer is returned, so the run is the TLM run until the
// first difference, which stops it with a CosimMismatch naming both victims' indices and
// importances (rtl_fault.h: raise); a fault of the RTL evictor in a search is a difference too.
// Before the run's first search (at construction) the RTL evictor is driven through the directed
// corner cases of cosim/evictor_lanes.h (ties, saturation, sinks, the recent window's boundary,
// protected rows below the minimum, no candidate), on its logit lanes, against the block's rule
// in C++; the victim and every written-back register must agree, or the run stops there with the
// case's name (t = 0). The platform's searches alone never reach those corners.
// With the paper's fixed-point registers (pe.score_bits = 4) every search drives the block's lanes
// with the head's registers and the step's increments (HeadCache::score_lane), so its own adder
// and saturation decide: the victims must agree, and then every register it writes back must be
// the one the cache holds; the first that differs is the mismatch.
//
// Coverage (stats `cosim.evictor_coverage`, docs/cosim.md): what the run's searches reached, on
// the TLM side's head: searches; ties (more than one candidate at the least importance, so the
// oldest-of-equals rule decided); saturated (a register of the head at its max, fixed-point
// registers only); sink_protected and recent_protected (a sink, or a token of the recent window,
// below the victim: the protection decided); victim_at_window_edge (the victim is the last
// candidate before the recent window); and the start-up corner cases run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/observable.h"
#include "cosim/evictor_lanes.h"
#include "kvcache/eviction_unit.h"

namespace kelle {

// The block name the RTL evictor's faults carry (RtlFault::block).
inline constexpr const char* kSystolicEvictorBlock = "systolic evictor";

struct EvictorCoverage {
    std::uint64_t searches = 0;
    std::uint64_t ties = 0;
    std::uint64_t saturated = 0;
    std::uint64_t sink_protected = 0;
    std::uint64_t recent_protected = 0;
    std::uint64_t victim_at_window_edge = 0;
    std::uint64_t startup_corner_cases = 0;

    // Counts one search of `head` whose victim is `victim` (least_important_scan's answer).
    void count(const HeadCache& head, std::size_t sinks, std::size_t recent, std::size_t victim);
};

class LockstepEvictor : public EvictionUnit, public Observable {
public:
    // `score_bits`: the cache's registers (pe.score_bits), the width `rtl` was built with.
    LockstepEvictor(std::unique_ptr<EvictionUnit> rtl, int score_bits);
    ~LockstepEvictor() override;
    std::size_t least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) override;
    void trace_rtl(sc_core::sc_trace_file* file, std::uint64_t cycle_ps) override { rtl_->trace_rtl(file, cycle_ps); }
    const EvictorCoverage& coverage() const { return coverage_; }

    void report_energy(StatsReport&) const override {}  // the TLM model's: the PE array reports it
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file*) override {}

private:
    // The platform's block: 32 rows (CMakeLists.txt, rtl_evictor.h).
    static constexpr int kRows = 32;

    void check_corner_cases(LaneSearcher& rtl);
    // A fixed-point head's search on the block's lanes: victim, then the written registers.
    void check_registers(LaneSearcher& rtl, const HeadCache& head, std::size_t sinks, std::size_t recent);
    void reg_fail(const LaneResult& tlm, const LaneResult& rtl, std::size_t reg);
    void fail(double t_ns, const std::string& tlm, const std::string& rtl);

    std::unique_ptr<EvictionUnit> rtl_;
    LaneSearcher* lanes_ = nullptr;  // rtl_ at its lanes, if it has them
    int score_bits_;
    LaneSearch search_;              // check_registers' lanes, reused
    EvictorCoverage coverage_;
    bool failed_ = false;
    const HeadCache* head_ = nullptr;  // the search under way, for a fault's mismatch line
    std::size_t tlm_victim_ = 0;
    std::string block_ = "evictor";           // what the mismatch line names
    std::function<std::string()> tlm_text_;  // the TLM side's answer under way, for a fault's line
};

}  // namespace kelle
