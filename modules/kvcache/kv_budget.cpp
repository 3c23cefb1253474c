#include "kvcache/kv_budget.h"

#include <algorithm>
#include <string>

#include "common/config.h"
#include "common/error.h"
#include "kvcache/kv_cache.h"

namespace kelle {

void KvBudget::check(const KvConfig& config, const ParamRegistry& registry) {
    const auto fits = [&](const char* key, std::uint64_t tokens) {
        if (tokens >= config.budget_tokens)
            throw InputError(registry.origin_of(key), 0, key,
                             "must be smaller than kv.budget_tokens (" + std::to_string(config.budget_tokens) + ")");
    };
    if (config.policy == "streaming") fits("kv.sink_tokens", config.sink_tokens);
    if (config.policy == "h2o" || config.policy == "aep" || config.policy == "aerp")
        fits("kv.recent_tokens", config.recent_tokens);
}

KvBudget KvBudget::of(const KvConfig& config, const TraceHeader& header,
                      std::optional<std::uint64_t> x_tier_limit_tokens, double important_share) {
    const std::uint64_t positions =
        static_cast<std::uint64_t>(header.prompt_tokens) + static_cast<std::uint64_t>(header.decode_steps);
    KvBudget budget;
    budget.held_tokens = config.policy == "full" ? positions : std::min(config.budget_tokens, positions);
    if (config.policy == "aerp")
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
