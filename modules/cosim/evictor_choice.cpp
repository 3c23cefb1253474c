#include "cosim/evictor_choice.h"

#include "cosim/lockstep_evictor.h"

namespace kelle {

namespace {
std::unique_ptr<EvictionUnit> make_rtl_evictor(const ParamRegistry& registry, const std::string& key) {
    if (!has_evictor_impl("rtl"))
        throw InputError(registry.origin_of(key), 0, key,
                         "the RTL evictor needs verilator, which this build has not (install it and re-run cmake; "
                         "docs/cosim.md)");
    return make_eviction_unit("rtl");
}
}  // namespace

std::unique_ptr<EvictionUnit> make_evictor(EvictorImpl impl, const CosimConfig& cosim, const ParamRegistry& registry) {
    if (cosim.checks_evictor())
        return std::make_unique<LockstepEvictor>(make_rtl_evictor(registry, "cosim.lockstep"));
    if (impl == EvictorImpl::rtl) return make_rtl_evictor(registry, "pe.evictor_impl");
    return nullptr;
}

}  // namespace kelle
