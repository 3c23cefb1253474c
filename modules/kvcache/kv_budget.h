// How many tokens one (layer, KV head) keeps, and in which form: the one place the budget and
// AERP's x tier are cut (KvConfig's rules check that the budget holds the recent window and the
// sinks, where the keys are loaded).
//
// A head holds at most `held_tokens`: kv.budget_tokens, or every position of the trace under
// `full` (the trace's declared context standing for the server's maximum sequence length). Of those, `kv_slots` are K/V slots (its region in
// kvcache/kv_layout.h) and `x_tokens` (AERP only) are kept as the layer input x. With two
// importance classes (2DRP) the first `important_slots` K/V slots are the important class.
#pragma once

#include <cstdint>
#include <optional>

#include "common/trace.h"

namespace kelle {

struct KvConfig;

struct KvBudget {
    std::uint64_t held_tokens = 0;
    std::uint64_t kv_slots = 0;
    std::uint64_t x_tokens = 0;
    std::uint64_t important_slots = 0;
    std::uint64_t x_entries = 0;  // AERP: x entries of all layers (each KV head may keep other x tokens)

    // x_tier_limit_tokens (AERP, kv.recompute_sizing = idle_compute): the x tokens the PE array
    // can recompute for free (sequencer/x_tier_sizing.h); without it the x tier is
    // kv.recompute_share of the budget. important_share: the part of the K/V slots in the
    // important class (2DRP).
    static KvBudget of(const KvConfig& config, const TraceHeader& header,
                       std::optional<std::uint64_t> x_tier_limit_tokens, double important_share);
};

}  // namespace kelle
