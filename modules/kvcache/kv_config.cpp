#include "kvcache/kv_cache.h"

#include <stdexcept>
#include <string>

namespace kelle {

void KvConfig::bind(ParamBinder& p) {
    p.choice("kv.policy", policy, kKvPolicies, "eviction policy (docs/kv-policies.md)");
    p.integer("kv.budget_tokens", budget_tokens, "tokens",
              "tokens kept per (layer, KV head), N', by every policy but full")
        .positive().at_most(1 << 24);
    p.integer("kv.recent_tokens", recent_tokens, "tokens",
              "h2o, aep and aerp: most recent tokens always kept (the paper's window: N'/2)")
        .non_negative().at_most(1 << 24);
    p.real("kv.recompute_share", recompute_share, "",
           "aerp with x_selection = tier and recompute_sizing = share: part of each head's budget kept as the "
           "layer input x, K/V recomputed")
        .non_negative().at_most(1);
    p.integer("kv.sink_tokens", sink_tokens, "tokens",
              "streaming, and h2o/aep/aerp with kv.keep_sinks: first positions always kept (attention sinks)")
        .non_negative().at_most(1 << 24);
    p.flag("kv.keep_sinks", keep_sinks, "h2o, aep, aerp: also never evict the first kv.sink_tokens positions (kelle-paper.md sec. 3: Kelle "
           "keeps 10 sinks; false is H2O's rule, no sinks)");
    p.choice("kv.x_selection", x_selection, kXSelections,
             "aerp: which tokens are kept as x; tier: a per-head tier sized by kv.recompute_sizing; popularity: "
             "the paper's rule (kelle-paper.md sec. 3), prompt tokens kept by more than kv.popular_share of a "
             "layer's KV heads, stored once as x where x is smaller than their K/V (kv.recompute_sizing and "
             "kv.recompute_share unused)");
    p.real("kv.popular_share", popular_share, "",
           "aerp with popularity: a token kept by more than this share of a layer's KV heads is popular "
           "(kelle-paper.md sec. 3: more than 50%)")
        .between(0, 1);
    p.choice("kv.placement", placement, kKvPlacements,
             "where KV that does not fit on chip goes; slot_spill: every slot beyond the on-chip areas spills to "
             "DRAM; first_fit_layers: whole layers on chip in layer order while all their regions fit, the rest "
             "in DRAM (kelle-paper.md sec. 2: 'a subset of layers' in eDRAM, rule not given; first fit is our "
             "assumption)");
    p.choice("kv.store", store, kKvStores, "on-chip KV store: edram (Kelle) or sram (the baselines)");
    p.choice("kv.size_rule", size_rule, kKvSizeRules,
             "bytes of a token's K/V in the store; model: the trace's 2 x kv_heads x head_dim per layer; per_head_c: "
             "2 x hidden on every model, as the paper describes k and v (1 x C each, paper sec. 2.2), so a "
             "grouped-query model stores what a multi-head one would (weights and MACs stay the model's)");
    // The registers sit in the systolic evictor beside the PE array, hence the key's group; what
    // they hold is the cache's importance, hence bound here.
    p.integer("pe.score_bits", registers.bits, "bits",
              "the evictor's importance register per held token, which h2o, aep, aerp and 2DRP's classes rank by: "
              "64 keeps the attention received exactly (a double); 1 to 16 is a saturating register each query "
              "head's attention adds its count of 2^-bits to, rounded down (paper sec. 5.1: 4 bits; "
              "docs/kv-policies.md, \"Score registers\")")
        .positive().at_most(ScoreRegisters::kExactBits);
    p.rule("pe.score_bits",
           [this] {
               return registers.bits <= ScoreRegisters::kMaxFixedBits || registers.exact()
                          ? std::string()
                          : "must be 1 to 16 (a fixed-point register) or 64 (exact)";
           },
           {});

    const auto smaller_than_budget = [this](std::uint64_t tokens) {
        return tokens < budget_tokens ? "" : "must be smaller than kv.budget_tokens (" + std::to_string(budget_tokens) + ")";
    };
    p.rule("kv.sink_tokens", [=] { return policy == KvPolicy::streaming ? smaller_than_budget(sink_tokens) : ""; },
           {"kv.budget_tokens", "kv.policy"});
    p.rule("kv.recent_tokens",
           [=] {
               if (!ranks_by_importance(policy)) return std::string();
               const std::string broken = smaller_than_budget(recent_tokens + kept_sinks());
               return broken.empty() || kept_sinks() == 0 ? broken : "plus kv.sink_tokens (kv.keep_sinks) " + broken;
           },
           {"kv.budget_tokens", "kv.policy", "kv.sink_tokens", "kv.keep_sinks"});
}

std::uint64_t KvConfig::kept_sinks() const {
    if (policy == KvPolicy::streaming || (keep_sinks && ranks_by_importance(policy))) return sink_tokens;
    return 0;
}

ModelShape stored_kv_shape(const ModelShape& model, KvSizeRule rule) {
    if (rule == KvSizeRule::model) return model;
    if (model.kv_heads <= 0 || model.hidden % model.kv_heads != 0)
        throw std::invalid_argument("kv.size_rule = per_head_c needs kv_heads (" + std::to_string(model.kv_heads) +
                                    ") to divide hidden (" + std::to_string(model.hidden) + ")");
    ModelShape stored = model;
    stored.head_dim = model.hidden / model.kv_heads;
    return stored;
}

}  // namespace kelle
