#include "kvcache/kv_budget.h"

#include <algorithm>

#include "kvcache/kv_cache.h"

namespace kelle {

KvBudget KvBudget::of(const KvConfig& config, const TraceHeader& header,
                      std::optional<std::uint64_t> x_tier_limit_tokens, double important_share) {
    const std::uint64_t positions =
        static_cast<std::uint64_t>(header.prompt_tokens) + static_cast<std::uint64_t>(header.decode_steps);
    KvBudget budget;
    // A budgeted head is sized by its budget alone, never by the trace's length: a step must not
    // depend on how many steps follow it. `full` keeps every position, so its regions are sized
    // by the context the trace declares, as a server sizes them by its maximum sequence length.
    budget.held_tokens = config.policy == KvPolicy::full ? positions : config.budget_tokens;
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
