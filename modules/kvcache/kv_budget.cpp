#include "kvcache/kv_budget.h"

#include <algorithm>

#include "kvcache/kv_cache.h"

namespace kelle {

KvBudget KvBudget::of(const KvConfig& config, const TraceHeader& header,
                      std::optional<std::uint64_t> x_tier_limit_tokens, double important_share) {
    const std::uint64_t positions =
        static_cast<std::uint64_t>(header.prompt_tokens) + static_cast<std::uint64_t>(header.decode_steps);
    KvBudget budget;
    budget.held_tokens = config.policy == KvPolicy::full ? positions : std::min(config.budget_tokens, positions);
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
