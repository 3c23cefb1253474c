#include "cosim/evictor_choice.h"

#include "cosim/lockstep_evictor.h"

namespace kelle {

std::unique_ptr<EvictionUnit> make_evictor(EvictorImpl impl, const CosimConfig& cosim, int score_bits) {
    if (cosim.checks_evictor()) return std::make_unique<LockstepEvictor>(make_eviction_unit("rtl", score_bits), score_bits);
    if (impl == EvictorImpl::rtl) return make_eviction_unit("rtl", score_bits);
    return nullptr;
}

}  // namespace kelle
