// The per-token floor: what a decode step's KV bookkeeping costs written as a plain loop, with
// no SystemC, no TLM and no timing, so kelle-bench can show what the platform's structure adds.
//
// The loop reads the same trace step by step (TraceReader) and, for every (layer, KV head),
// does what the policy must do whatever models it: admit the step's token into the head's
// HeadCache, evicting the policy's victim when the head is full (eviction_policy.h, the same
// heap the platform uses), and add every query head's scores to its importance. It leaves out
// what only the platform has: 2DRP's classes, slots and addresses, traffic, refresh, energy.
// The prompt is admitted untimed (without its prefill scores); the decode loop is timed, the
// trace's reading included, as the platform reads it too.
#pragma once

#include <string>

#include "kvcache/eviction_policy.h"

namespace kelle_bench {

struct TokenFloor {
    int decode_steps = 0;
    double decode_wall_s = 0;
};

TokenFloor measure_token_floor(const std::string& trace_path, kelle::KvPolicy policy, std::size_t budget_tokens,
                               std::size_t recent_tokens, std::size_t sink_tokens);

}  // namespace kelle_bench
