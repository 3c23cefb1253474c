// PopularTokens: AERP's popularity rule (kv.x_selection = popularity, kelle-paper.md sec. 3),
// "a token retained by more than half of a layer's heads is stored once as x". Owned by KvCache,
// which asks it once per layer, after the layer's prompt is admitted into every KV head and
// before anything is written, and then turns the chosen tokens into x (x_store.h). Plain C++, no
// SystemC (testbenches/kvcache/test_popular_tokens.cpp).
//
// A prompt position is popular when at least popular_min_heads(kv.popular_share, KV heads) of the
// layer's KV heads hold it (kv_budget.h). It is kept as x only where one x entry is smaller than
// the K/V its holders would keep (x_saves_bytes; never under grouped-query attention), and, with
// a limit (kv.recompute_sizing = idle_compute: what the PE array recomputes while W_QKV streams),
// only the `limit` most-held of those, the older first among equals. Decode tokens stay K/V.
// Stats: popular_tokens and x_saves_nothing_tokens, summed over layers.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "trace/trace.h"
#include "kvcache/eviction_policy.h"
#include "kvcache/kv_stats.h"

namespace kelle {

class PopularTokens {
public:
    // limit: the most x tokens a layer keeps (KvBudget::popular_x_limit), none if uncapped.
    PopularTokens(const ModelShape& model, double popular_share, std::optional<std::uint64_t> limit);

    // One layer: start() with its prompt length, count() each of its KV heads, then choose().
    void start(std::uint32_t prompt_tokens);
    void count(const HeadCache& head);
    void choose(KvStats& stats);
    // After choose(): whether the layer keeps the prompt token at `position` as x.
    bool as_x(std::uint32_t position) const;

private:
    ModelShape model_;
    int min_heads_;
    std::optional<std::uint64_t> limit_;
    std::vector<int> holders_;  // KV heads of the layer holding each prompt position; 0 once capped out
    std::vector<std::uint32_t> popular_;  // choose()'s buffer, reused
};

}  // namespace kelle
