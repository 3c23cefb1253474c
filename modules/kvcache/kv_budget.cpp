#include "kvcache/kv_budget.h"

#include <algorithm>
#include <cmath>

#include "kvcache/kv_cache.h"

namespace kelle {

namespace {
// Popularity keeps no x tier: the region holds the whole budget as K/V slots, and the x store
// the most tokens that can be popular at once in each layer (none when x never saves bytes).
KvBudget popular_budget(KvBudget budget, const KvConfig& config, const ModelShape& model, double important_share,
                        std::optional<std::uint64_t> x_limit_tokens) {
    const int min_heads = popular_min_heads(config.popular_share, model.kv_heads);
    budget.kv_slots = budget.held_tokens;
    budget.important_slots = static_cast<std::uint64_t>(important_share * static_cast<double>(budget.kv_slots));
    const bool can_save = min_heads <= model.kv_heads && x_saves_bytes(model, model.kv_heads);
    std::uint64_t per_layer =
        can_save ? budget.held_tokens * static_cast<std::uint64_t>(model.kv_heads) / static_cast<std::uint64_t>(min_heads) : 0;
    if (x_limit_tokens) per_layer = std::min(per_layer, *x_limit_tokens);
    budget.popular_x_limit = x_limit_tokens;
    budget.x_entries = per_layer * static_cast<std::uint64_t>(model.layers);
    return budget;
}
}  // namespace

std::uint64_t KvBudget::retained_cache_bytes(const ModelShape& model, std::uint64_t batch) const {
    const auto u64 = [](int v) { return static_cast<std::uint64_t>(v); };
    const std::uint64_t slot_bytes = batch * 2 * u64(model.head_dim) * u64(model.dtype_bytes);
    const std::uint64_t x_bytes = batch * u64(model.hidden) * u64(model.dtype_bytes);
    return u64(model.layers) * u64(model.kv_heads) * kv_slots * slot_bytes + x_entries * x_bytes;
}

int popular_min_heads(double popular_share, int kv_heads) {
    return static_cast<int>(std::floor(popular_share * kv_heads)) + 1;
}

bool x_saves_bytes(const ModelShape& model, int holders) {
    return model.hidden < 2 * model.head_dim * holders;
}

KvBudget KvBudget::of(const KvConfig& config, const TraceHeader& header,
                      std::optional<std::uint64_t> x_tier_limit_tokens, double important_share) {
    const std::uint64_t positions =
        static_cast<std::uint64_t>(header.prompt_tokens) + static_cast<std::uint64_t>(header.decode_steps);
    check_budget_holds(config.policy, config.budget_tokens, config.recent_tokens, config.kept_sinks());
    KvBudget budget;
    // A budgeted head is sized by its budget alone, never by the trace's length: a step must not
    // depend on how many steps follow it. `full` keeps every position, so its regions are sized
    // by the context the trace declares, as a server sizes them by its maximum sequence length.
    budget.held_tokens = config.policy == KvPolicy::full ? positions : config.budget_tokens;
    if (config.popularity())
        return popular_budget(budget, config, header.model, important_share, x_tier_limit_tokens);
    if (config.policy == KvPolicy::aerp)
        budget.x_tokens = x_tier_limit_tokens
                              ? std::min(budget.held_tokens, *x_tier_limit_tokens)
                              : static_cast<std::uint64_t>(config.recompute_share * static_cast<double>(budget.held_tokens));
    budget.kv_slots = budget.held_tokens - budget.x_tokens;
    budget.important_slots = static_cast<std::uint64_t>(important_share * static_cast<double>(budget.kv_slots));
    budget.x_entries = budget.x_tokens * static_cast<std::uint64_t>(header.model.kv_heads) *
                       static_cast<std::uint64_t>(header.model.layers);
    return budget;
}

}  // namespace kelle
