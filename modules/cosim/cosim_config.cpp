#include "cosim/cosim_config.h"

namespace kelle {

void CosimConfig::bind(ParamBinder& p) {
    static const Choices<LockstepMode> modes{{"off", LockstepMode::off},
                                             {"refresh", LockstepMode::refresh},
                                             {"evictor", LockstepMode::evictor},
                                             {"all", LockstepMode::all}};
    p.choice("cosim.lockstep", lockstep, modes,
             "run these RTL blocks beside their TLM models and stop at the first difference, exit status 5 "
             "(needs verilator; docs/cosim.md)");
}

}  // namespace kelle
