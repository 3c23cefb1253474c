// LockstepEvictor: the TLM search and an RTL eviction unit asked for every victim, side by side
// (cosim.lockstep = evictor). The TLM answer is returned, so the run is the TLM run until the
// first difference, which stops it with a CosimMismatch naming both victims' indices and
// importances (rtl_fault.h: raise_in_process); an RTL fault in a search is a difference too.
#pragma once

#include <memory>
#include <string>

#include "kvcache/eviction_unit.h"

namespace kelle {

class LockstepEvictor : public EvictionUnit {
public:
    explicit LockstepEvictor(std::unique_ptr<EvictionUnit> rtl) : rtl_(std::move(rtl)) {}
    std::size_t least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) override;
    void open_waveform(const std::string& path) override { rtl_->open_waveform(path); }

private:
    void fail(double t_ns, const std::string& tlm, const std::string& rtl);

    std::unique_ptr<EvictionUnit> rtl_;
    bool failed_ = false;
};

}  // namespace kelle
