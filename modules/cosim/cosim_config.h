// CosimConfig: lockstep checking of RTL blocks against their TLM models inside kelle-sim
// (cosim.lockstep, docs/cosim.md). A checked block runs both models on the same inputs, the TLM
// model's answer drives the platform, and the first difference ends the run with a
// CosimMismatch (rtl_fault.h): one line with the time, the block and both values, exit status 5.
//   off      no checking (each block runs the impl its own parameter chose)
//   refresh  the eDRAM refresh scheduler: every burst (time, group, bank) both models pop
//   evictor  the systolic evictor: every victim of a searching KV policy
//   all      both
#pragma once

#include "config/config.h"

namespace kelle {

enum class LockstepMode { off, refresh, evictor, all };

struct CosimConfig {
    LockstepMode lockstep = LockstepMode::off;

    bool checks_refresh() const { return lockstep == LockstepMode::refresh || lockstep == LockstepMode::all; }
    bool checks_evictor() const { return lockstep == LockstepMode::evictor || lockstep == LockstepMode::all; }
    void bind(ParamBinder& p);
};

}  // namespace kelle
