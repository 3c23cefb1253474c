#include "kvcache/kv_cache.h"

namespace kelle {

void KvConfig::bind(ParamBinder& p) {
    p.choice("kv.policy", policy, "h2o", kKvPolicies, "eviction policy (docs/kv-policies.md)");
    p.integer("kv.budget_tokens", budget_tokens, "256", "tokens",
              "tokens kept per (layer, KV head) by every policy but full (assumption: kelle-paper.md, a few "
              "hundred to 1K)")
        .positive().at_most(1 << 24);
    p.integer("kv.recent_tokens", recent_tokens, "128", "tokens",
              "h2o and aep: most recent tokens always kept; half the budget as in H2O (assumption)")
        .non_negative().at_most(1 << 24);
    p.real("kv.recompute_share", recompute_share, "0.5", "",
           "aerp: part of each head's budget kept as the layer input x, K/V recomputed (assumption: "
           "kelle-paper.md, 'part of the retained tokens')")
        .non_negative().at_most(1);
    p.integer("kv.sink_tokens", sink_tokens, "4", "tokens",
              "streaming: first positions always kept, as StreamingLLM's 4 attention sinks")
        .non_negative().at_most(1 << 24);
    p.choice("kv.store", store, "edram", kKvStores, "on-chip KV store: edram (Kelle) or sram (the baselines)");

    const auto smaller_than_budget = [this](std::uint64_t tokens) {
        return tokens < budget_tokens ? "" : "must be smaller than kv.budget_tokens (" + std::to_string(budget_tokens) + ")";
    };
    p.rule("kv.sink_tokens", [=] { return policy == KvPolicy::streaming ? smaller_than_budget(sink_tokens) : ""; },
           {"kv.budget_tokens", "kv.policy"});
    p.rule("kv.recent_tokens", [=] { return ranks_by_importance(policy) ? smaller_than_budget(recent_tokens) : ""; },
           {"kv.budget_tokens", "kv.policy"});
}

}  // namespace kelle
