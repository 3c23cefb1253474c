// How many tokens one (layer, KV head) keeps, and in which form: the one place the budget and
// AERP's x tier are cut, and the one owner of the budget. The eviction policy keeps none: the
// cache asks full() before it asks the policy for a victim, and hands the budget to the
// policy's prompt replay (eviction_policy.h). KvConfig's rules check that the budget holds the
// recent window and the sinks, where the keys are loaded; of() checks it again.
//
// A head holds at most `held_tokens`: kv.budget_tokens, or every position of the trace under
// `full` (the trace's declared context standing for the server's maximum sequence length, so a
// `full` head never fills). Of those, `kv_slots` are K/V slots (its region in
// kvcache/kv_layout.h) and `x_tokens` (AERP's x tier) are kept as the layer input x. With two
// importance classes (2DRP) the first `important_slots` K/V slots are the important class.
//
// AERP by popularity (kv.x_selection = popularity) has no tier: any retained token may be K/V,
// so a head's region keeps the whole budget, and the x store is sized for the most popular
// tokens a layer can hold: each takes at least popular_min_heads of its H x budget slots. With
// kv.recompute_sizing = idle_compute the popular tokens a layer keeps as x are capped at what the
// array recomputes while W_QKV streams (`popular_x_limit`; the most-held first): popularity says
// which tokens, the roofline of the paper's Fig. 16a how many, so recompute never makes the
// projection compute bound.
#pragma once

#include <cstdint>
#include <optional>

#include "trace/trace.h"

namespace kelle {

struct KvConfig;

struct KvBudget {
    std::uint64_t held_tokens = 0;
    std::uint64_t kv_slots = 0;
    std::uint64_t x_tokens = 0;
    std::uint64_t important_slots = 0;
    std::uint64_t x_entries = 0;  // AERP: x entries of all layers (each KV head may keep other x tokens)
    std::optional<std::uint64_t> popular_x_limit;  // popularity: most x tokens a layer keeps, if capped

    // Whether a head holding `head_tokens` must evict before it admits another.
    bool full(std::uint64_t head_tokens) const { return head_tokens >= held_tokens; }

    // x_tier_limit_tokens (AERP, kv.recompute_sizing = idle_compute): the x tokens the PE array
    // can recompute for free (sequencer/x_tier_sizing.h); without it the x tier is
    // kv.recompute_share of the budget. important_share: the part of the K/V slots in the
    // important class (2DRP). Throws std::invalid_argument for a budget that cannot hold the
    // sinks and the recent window (check_budget_holds).
    static KvBudget of(const KvConfig& config, const TraceHeader& header,
                       std::optional<std::uint64_t> x_tier_limit_tokens, double important_share);

    // The bytes the whole retained cache takes when it is served on chip: every layer's regions
    // at this budget (kv_slots per KV head, both classes) and every x entry, for `batch`
    // sequences (the capacity kelle-paper.md sec. 7 finds the headline results need).
    std::uint64_t retained_cache_bytes(const ModelShape& model, std::uint64_t batch) const;
};

// AERP by popularity: the fewest of a layer's `kv_heads` that make a token popular, more than
// popular_share of them (strictly: 2 of 4 at 0.5 are not).
int popular_min_heads(double popular_share, int kv_heads);
// Whether one x entry (hidden x dtype bytes) is smaller than the K/V that `holders` KV heads keep
// of a token (2 x head_dim x dtype each): only then does keeping x save bytes. The batch scales
// both alike. Multi-head attention: hidden = kv_dim, so any popular token (holders > H/2 at the
// paper's share) saves; grouped-query attention (LLaMA-3.2-1B: 2048 against 2 x 64 x 8 = 1024)
// never does, and AERP keeps everything as K/V, as AEP.
bool x_saves_bytes(const ModelShape& model, int holders);

}  // namespace kelle
