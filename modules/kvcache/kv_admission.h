// KvAdmission: which tokens each (layer, KV head) holds. It keeps every head's HeadCache
// (eviction_policy.h), admits tokens into them and evicts the eviction policy's victims when
// the budget says a head is full (KvBudget::full, the budget's one owner). Owned by KvCache,
// which decides when to admit; where a token's data goes is asked of the placement units it is
// given: a K/V slot (kv_slots.h) or, under AERP, once the head's K/V tier is full, an x entry
// (x_store.h). A new token has no attention yet, so with two importance classes (2DRP) its slot
// is taken in the unimportant class.
//
// Prompt: each position is admitted with the attention the trace's prefill block says the query
// heads sharing the KV head gave it (listed positions their score, the others an even share of
// the residual; none without a prefill block). A fresh head's evictions are replayed by the
// policy from positions and importances alone (PromptEvictions), so no victim is erased from the
// middle of a head; every slot and stat ends as admitting one by one would leave it.
//
// Functional mode: each admitted K/V token's pristine V joins the value check's full-cache sum
// (kv_value_check.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "trace/trace.h"
#include "kvcache/eviction_policy.h"
#include "kvcache/kv_budget.h"
#include "kvcache/kv_layout.h"
#include "kvcache/kv_slots.h"
#include "kvcache/kv_stats.h"
#include "kvcache/kv_value_check.h"
#include "kvcache/x_store.h"

namespace kelle {

struct KvConfig;

class KvAdmission {
public:
    // The placement units, `check` (functional mode only, else null), `stats` and `evictor`
    // (eviction_unit.h; null: the policy's own search) must outlive it. `context_tokens`: the
    // prompt and every decode step, the most a head can ever hold.
    KvAdmission(const KvConfig& config, const ModelShape& model, std::uint32_t prompt_tokens,
                std::uint64_t context_tokens, const KvBudget& budget,
                const KvLayout& layout, KvSlots& slots, XStore& x_store, KvValueCheck* check, KvStats& stats,
                EvictionUnit* evictor);

    HeadCache& head(int region) { return heads_[static_cast<std::size_t>(region)]; }
    const HeadCache& head(int region) const { return heads_[static_cast<std::size_t>(region)]; }

    // Admits `position` into a region, evicting the policy's victim first when the head is full.
    void admit(int region, std::uint32_t position, double t_ns, double importance = 0);
    // Admits every prompt position into one KV head, in position order (with its prefill
    // attention when `prefill` is given).
    void admit_prompt(int layer, int kv_head, const StepScores* prefill, double t_ns);

    // Importance values the eviction unit compares, per sequence: to admit one token into every
    // head of the layer, or to cut the prompt to the budget; 0 when the policy needs no search.
    std::uint64_t search_elements(int layer) const;
    std::uint64_t prompt_search_elements() const;
    // Tokens the layer's KV heads hold, summed over the heads.
    std::uint64_t held_tokens(int layer) const;
    // Tokens every head holds, summed (a traced signal: the reference stays valid).
    const int& held_tokens_all() const { return held_all_; }

private:
    void evict(int region, const KvToken& victim, std::uint32_t for_position, double t_ns);
    // A new token's slot (or x entry) for a head that keeps `kv_tokens` as K/V.
    KvToken take_place(int region, std::uint32_t position, std::size_t kv_tokens, double t_ns);
    void count_admitted(std::size_t head_tokens);
    // admit() for a prompt position whose victim `evictions` names, the head kept in prompt_.
    void admit_replayed(int region, std::uint32_t position, double importance, PromptEvictions& evictions,
                        double t_ns);
    void prefill_importance(int layer, int kv_head, const StepScores& prefill);

    ModelShape model_;
    std::uint32_t prompt_tokens_;
    const KvBudget& budget_;
    const KvLayout& layout_;
    KvSlots& slots_;
    XStore& x_store_;
    KvValueCheck* check_;
    KvStats& stats_;
    std::unique_ptr<EvictionPolicy> policy_;
    bool aerp_;
    ScoreRegisters registers_;
    std::vector<HeadCache> heads_;  // per region
    int held_all_ = 0;
    // A head's prompt while it is admitted by replay: each position's token and whether it is
    // still held; reused from head to head.
    struct PromptHead {
        std::vector<KvToken> tokens;
        std::vector<bool> held;
        std::size_t held_tokens = 0;
        std::size_t kv_tokens = 0;
    };
    PromptHead prompt_;
    std::vector<double> prompt_importance_;  // one KV head's prefill attention per prompt position
};

}  // namespace kelle
