// LockstepEvictor: the TLM search and an RTL eviction unit asked for every victim, side by side
// (cosim.lockstep = evictor). The TLM answer is returned, so the run is the TLM run until the
// first difference, which throws a CosimMismatch naming both victims' indices and importances.
#pragma once

#include <memory>

#include "kvcache/eviction_unit.h"

namespace kelle {

class LockstepEvictor : public EvictionUnit {
public:
    explicit LockstepEvictor(std::unique_ptr<EvictionUnit> rtl) : rtl_(std::move(rtl)) {}
    std::size_t least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) override;

private:
    std::unique_ptr<EvictionUnit> rtl_;
};

}  // namespace kelle
