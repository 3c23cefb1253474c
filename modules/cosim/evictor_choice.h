// The eviction unit pe.evictor_impl and cosim.lockstep ask for (kvcache/eviction_unit.h):
// none for tlm (the policy searches itself: the run is bit for bit the TLM model's), the RTL
// evictor for rtl, and for cosim.lockstep = evictor|all a LockstepEvictor around the RTL one.
#pragma once

#include <memory>

#include "common/config.h"
#include "cosim/cosim_config.h"
#include "kvcache/eviction_unit.h"
#include "pe_array/pe_array.h"

namespace kelle {

// InputError, naming the key, when the build has no RTL evictor (no verilator).
std::unique_ptr<EvictionUnit> make_evictor(EvictorImpl impl, const CosimConfig& cosim, const ParamRegistry& registry);

}  // namespace kelle
