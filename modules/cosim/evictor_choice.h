// The eviction unit pe.evictor_impl and cosim.lockstep ask for (kvcache/eviction_unit.h):
// none for tlm (the policy searches itself: the run is bit for bit the TLM model's), the RTL
// evictor for rtl, and for cosim.lockstep = evictor|all a LockstepEvictor around the RTL one.
// Whether the build has the RTL evictor is checked when the config loads
// (platforms/machine_config.cpp), so asking for one here cannot fail for the user's input.
#pragma once

#include <memory>

#include "cosim/cosim_config.h"
#include "kvcache/eviction_unit.h"
#include "pe_array/pe_array.h"

namespace kelle {

// `score_bits`: the KV cache's score registers (pe.score_bits), which the RTL block's width matches.
std::unique_ptr<EvictionUnit> make_evictor(EvictorImpl impl, const CosimConfig& cosim, int score_bits);

}  // namespace kelle
