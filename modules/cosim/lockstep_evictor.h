// LockstepEvictor: the TLM search and an RTL eviction unit asked for every victim, side by side
// (cosim.lockstep = evictor). The TLM answer is returned, so the run is the TLM run until the
// first difference, which stops it with a CosimMismatch naming both victims' indices and
// importances (rtl_fault.h: raise); a fault of the RTL evictor in a search is a difference too.
#pragma once

#include <memory>
#include <string>

#include "kvcache/eviction_unit.h"

namespace kelle {

// The block name the RTL evictor's faults carry (RtlFault::block).
inline constexpr const char* kSystolicEvictorBlock = "systolic evictor";

class LockstepEvictor : public EvictionUnit {
public:
    explicit LockstepEvictor(std::unique_ptr<EvictionUnit> rtl);
    ~LockstepEvictor() override;
    std::size_t least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) override;
    void open_waveform(const std::string& path) override { rtl_->open_waveform(path); }

private:
    void fail(double t_ns, const std::string& tlm, const std::string& rtl);

    std::unique_ptr<EvictionUnit> rtl_;
    bool failed_ = false;
    const HeadCache* head_ = nullptr;  // the search under way, for a fault's mismatch line
    std::size_t tlm_victim_ = 0;
};

}  // namespace kelle
