// EvictionUnit: the seam between a policy that searches importance (h2o, aep, aerp) and the
// hardware that searches, Kelle's systolic evictor beside the PE array. pe.evictor_impl picks it:
//   tlm  no unit: the head finds the victim itself (HeadCache::least_important, a heap that gives
//        least_important_scan's answer below), always built in;
//   rtl  rtl/systolic_evictor.sv, verilated, behind its adapter (modules/rtl_evictor): there
//        when the build found verilator and the program called register_rtl_evictor_impl().
// Only the decision goes through the seam; its time stays the PE array's eviction_search
// command (pe_timing.h), whichever unit decides. The choice goes through a registry of
// factories, as refresh_manager.h's does, so that kelle_kvcache never links verilator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kvcache/eviction_policy.h"

namespace sc_core {
class sc_trace_file;
}

namespace kelle {

class EvictionUnit {
public:
    virtual ~EvictionUnit() = default;
    // Index into head.tokens() of the least important candidate, the oldest of equals; the
    // candidates are the tokens past the first `sinks` and before the last `recent`, at least one.
    virtual std::size_t least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) = 0;
    // A unit with pins adds them, and its internal registers, to the run's waveform, each clock
    // one PE cycle of `cycle_ps` (called before the first search); a unit without pins adds nothing.
    virtual void trace_rtl(sc_core::sc_trace_file* /*file*/, std::uint64_t /*cycle_ps*/) {}
};

// The rule every unit must match, as a scan: strictly smaller replaces (ties keep the oldest).
std::size_t least_important_scan(const HeadCache& head, std::size_t sinks, std::size_t recent);

// A unit for the cache's score registers (pe.score_bits, ScoreRegisters::bits).
using EvictionUnitFactory = std::function<std::unique_ptr<EvictionUnit>(int score_bits)>;

// `score_bits`: the register widths the unit is built for.
void register_evictor_impl(const std::string& impl, EvictionUnitFactory factory, std::vector<int> score_bits);
bool has_evictor_impl(const std::string& impl);
// Whether `impl` is registered for `score_bits`.
bool has_evictor_impl(const std::string& impl, int score_bits);
// std::logic_error for an impl or width nobody registered: the platform turns that into a user error first.
std::unique_ptr<EvictionUnit> make_eviction_unit(const std::string& impl, int score_bits);

}  // namespace kelle
