// KvCache: the KV cache of every (layer, KV head), in the on-chip KV store and its DRAM spill.
//
// The sequencer (sequencer/sequencer.h) calls its member functions in a layer's order, each with
// the absolute time to start at, and gets the absolute completion time back. It never waits:
// synchronising with simulated time is the sequencer's job. The cache composes units that each
// own one responsibility, and only says when each acts:
//   KvAdmission (kv_admission.h)        which tokens each head holds: admission, eviction (the
//                                       policy: eviction_policy.h), the prompt's prefill attention
//   KvBudget (kv_budget.h)              how many tokens a head holds, in which form; the one owner
//                                       of the budget
//   KvLayout, KvSlots (kv_layout.h, kv_slots.h)  placement: where a slot lives, which are free
//   XStore (x_store.h)                  AERP's tokens kept as the layer input x
//   PopularTokens (kv_popularity.h)     AERP's popularity rule: which prompt tokens become x
//   ImportanceClasses (kv_classes.h)    2DRP: which K/V tokens belong in the important class
//   KvTraffic (kv_traffic.h)            the K/V bytes' movement, bursts or slot-exact values
//   KvValueCheck (kv_value_check.h)     functional mode's checks of the values read back
//   KvStorePort (kv_store_port.h)       the two sockets and the liveness hints
//
// After each decode step the step's attention scores add to each resident token's importance;
// under 2DRP each token whose class changed then moves (a read and a write, kv.class_moves). A
// decode token starts unimportant; the prompt's tokens are put in their classes by their prefill
// attention before they are written. Whenever a slot or x entry starts or stops holding a token
// the KV store is told (LivenessHint), so a lifetime-aware eDRAM refreshes only live rows.
// Batch (workload.batch = B): B sequences replay one trace, so every decision is the same for
// all of them and one slot carries the token's K/V of all B (kv_layout.h).
//
// Left out: AERP in functional mode (x values are not stored; the platform refuses it). Under a
// trace the scores are the trace's, so corrupted K changes nothing but the checks; in an
// execution-driven run (execution/model_step_source.h) the model writes its own K/V through
// set_value_source and its attention reads them back through stored_values, flips included.
// Rules and definitions: docs/kv-policies.md.
//
// Sockets: `kv_socket` (eDRAM or SRAM KV store), `dram_socket` (spill). Parameters: section [kv]
// (KvConfig::bind) but kv.recompute_sizing, which sizes the x tier from the PE array's idle
// compute and is the sequencer's; the batch is the workload's (SequencerConfig), which the
// platform hands over.
#pragma once

#include <cstdint>
#include <memory>
#include <tlm_utils/simple_initiator_socket.h>

#include "common/kv_areas.h"
#include "common/observable.h"
#include "trace/trace.h"
#include "kvcache/eviction_policy.h"
#include "kvcache/kv_admission.h"
#include "kvcache/kv_budget.h"
#include "kvcache/kv_classes.h"
#include "kvcache/kv_layout.h"
#include "kvcache/kv_popularity.h"
#include "kvcache/kv_slots.h"
#include "kvcache/kv_stats.h"
#include "kvcache/kv_store_port.h"
#include "kvcache/kv_traffic.h"
#include "kvcache/kv_value_check.h"
#include "kvcache/x_store.h"

namespace kelle {

enum class KvStore { edram, sram };
inline const Choices<KvStore> kKvStores{{"edram", KvStore::edram}, {"sram", KvStore::sram}};

// AERP: which tokens are kept as x (docs/kv-policies.md). tier: a per-head x tier sized by
// kv.recompute_sizing (the sequencer's); popularity: the paper's rule, the prompt tokens kept by
// more than kv.popular_share of a layer's KV heads, stored once as x where that saves bytes.
// How many bytes a token's K/V takes in the store (kv.size_rule): `model`, the trace's shape,
// 2 x kv_heads x head_dim per layer; `per_head_c`, 2 x C (the hidden size) on every model, as the
// paper describes k and v, 1 x C each per token [paper sec. 2.2], so a grouped-query model stores
// what its multi-head sibling would. Only the stored bytes follow the rule (stored_kv_shape,
// below): the weights, the MACs and the attention's arithmetic stay the model's.
enum class KvSizeRule { model, per_head_c };
inline const Choices<KvSizeRule> kKvSizeRules{{"model", KvSizeRule::model}, {"per_head_c", KvSizeRule::per_head_c}};

enum class XSelection { tier, popularity };
inline const Choices<XSelection> kXSelections{{"tier", XSelection::tier}, {"popularity", XSelection::popularity}};

struct KvConfig {
    KvPolicy policy = KvPolicy::h2o;
    std::uint64_t budget_tokens = 0;
    std::uint64_t recent_tokens = 0;
    std::uint64_t sink_tokens = 0;
    double recompute_share = 0;  // aerp: part of the budget kept as x (kv.recompute_sizing = share)
    bool keep_sinks = false;     // h2o, aep, aerp: also never evict the first sink_tokens positions
    XSelection x_selection = XSelection::tier;
    double popular_share = 0.5;  // popularity: a token kept by more than this share of the heads is x
    KvPlacement placement = KvPlacement::slot_spill;
    KvStore store = KvStore::edram;
    KvSizeRule size_rule = KvSizeRule::model;
    std::uint64_t batch = 1;  // sequences decoded together: the workload's, set by the platform
    ScoreRegisters registers;  // the evictor's (pe.score_bits)

    // Its rules check that the budget holds the recent window and the kept sinks (h2o, aep,
    // aerp) or the sinks (streaming), naming the key.
    void bind(ParamBinder& p);
    // The first positions the policy never evicts: streaming's sinks, or with keep_sinks those
    // of h2o, aep and aerp; 0 otherwise.
    std::uint64_t kept_sinks() const;
    bool popularity() const { return policy == KvPolicy::aerp && x_selection == XSelection::popularity; }
};

// The shape the KV store sizes its slots by under kv.size_rule: the model's, or under per_head_c
// the same KV heads each hidden / kv_heads wide, so a token's K/V per layer is 2 x hidden. Throws
// std::invalid_argument when kv_heads does not divide hidden.
ModelShape stored_kv_shape(const ModelShape& model, KvSizeRule rule);

class KvCache : public sc_core::sc_module, public Observable {
public:
    tlm_utils::simple_initiator_socket<KvCache> kv_socket;
    tlm_utils::simple_initiator_socket<KvCache> dram_socket;

    // plan: how the on-chip store is cut into (importance class, bit plane) areas;
    // spill_base_address: the first DRAM byte above the weights; functional: write real values
    // and check every value read back (retention flips in a functional eDRAM corrupt them);
    // evictor: the unit that picks the victims of a searching policy (eviction_unit.h), none for
    // the policy's own search; it must outlive the cache.
    KvCache(sc_core::sc_module_name name, const KvConfig& config, const TraceHeader& header, const KvAreaPlan& plan,
            const KvBudget& budget, std::uint64_t spill_base_address, bool functional,
            EvictionUnit* evictor = nullptr);

    // Prefill of one layer: admits every prompt position into each KV head (with its prefill
    // attention when `prefill` is given), fixes AERP's forms and 2DRP's classes, and writes what
    // is kept.
    double write_prompt(int layer, const StepScores* prefill, double t_ns);
    // Importance values the eviction unit compares, per sequence: to admit one token into every
    // head of the layer, or to cut the prompt to the budget; 0 when the policy needs no search.
    std::uint64_t search_elements(int layer) const { return admission_.search_elements(layer); }
    std::uint64_t prompt_search_elements() const { return admission_.prompt_search_elements(); }

    // A decode step of one layer, in this order (sequencer.h):
    // admits the token at `position` into every KV head of the layer (evicting first if full).
    void admit_token(int layer, std::uint32_t position, double t_ns);
    // AERP: reads the layer's x entries; recompute_tokens are the x tokens whose K/V the QKV
    // projection must recompute (counted in kv.recomputes).
    struct XRead { double done_ns; std::uint64_t recompute_tokens; };
    bool keeps_x() const { return aerp_; }
    XRead read_x(int layer, double t_ns);
    // Writes the admitted token's K/V slots (or its x entry).
    double write_new(int layer, double t_ns);
    // Reads every resident K/V of the layer (checked against `scores` in functional mode).
    double read_resident(int layer, const StepScores& scores, double t_ns);
    // Tokens the layer's KV heads hold, summed over the heads (attention's keys per query head group).
    std::uint64_t resident_tokens(int layer) const { return admission_.held_tokens(layer); }
    // Adds the step's attention to each resident token's importance.
    void update_importance(int layer, const StepScores& scores);
    // 2DRP: moves tokens whose importance class changed (kv_classes.h).
    bool has_importance_classes() const { return classes_.enabled(); }
    double move_between_classes(int layer, double t_ns);
    // Records the on-chip footprint (its largest is a stat) once a step's placement is final.
    void record_footprint();

    // Functional mode: the K/V values written come from `source` (default: kv_values.h's).
    bool functional() const { return check_ != nullptr; }
    void set_value_source(KvValueCheck::ValueSource source) {
        if (check_) check_->set_value_source(std::move(source));
    }
    // Functional mode: `token`'s K then V (binary16) as a read issued now would return them,
    // without time or traffic; `token` must be a K/V token of head(layer, kv_head).
    void stored_values(int layer, int kv_head, const KvToken& token, std::uint16_t* values) {
        traffic_.peek(layout_.region(layer, kv_head), token, values);
    }

    const KvStats& stats() const { return stats_; }
    // The tokens one (layer, KV head) holds, in position order, with their forms.
    const HeadCache& head(int layer, int kv_head) const { return admission_.head(layout_.region(layer, kv_head)); }
    // AERP: tokens each head keeps as x (the rest of its budget is K/V); 0 for other policies.
    std::uint64_t x_tier_tokens() const { return budget_.x_tokens; }
    // AERP: the most tokens one layer has held as x at once (each stored once for its heads).
    std::uint64_t x_tokens_max() const { return x_store_.layer_entries_max(); }
    // The cache's accesses are charged at the stores it talks to: no energy of its own.
    void report_energy(StatsReport&) const override {}
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file* file) override;

private:
    // AERP by popularity: admits the layer's prompt into every head, then keeps the popular
    // tokens as x (keep_popular_as_x), then writes.
    double write_prompt_popular(int layer, const StepScores* prefill, double t_ns);
    void keep_popular_as_x(int layer, double t_ns);
    // 2DRP: puts a region's unwritten prompt in its classes (slots only, no data moves).
    void place_prompt(int region, double t_ns);
    // Carries out one class change: in decode (move_data) the tokens' data move and are ranked
    // in their new classes; for a prompt not written yet only their slots change.
    double change_class(int region, const ClassChange& change, bool move_data, double t_ns);

    KvConfig config_;
    TraceHeader header_;
    KvBudget budget_;
    bool aerp_;
    KvStats stats_;
    KvLayout layout_;
    KvStorePort port_;
    KvSlots slots_;
    XStore x_store_;
    std::unique_ptr<KvValueCheck> check_;  // functional mode only
    KvTraffic traffic_;
    KvAdmission admission_;
    ImportanceClasses classes_;
    PopularTokens popular_;
};

}  // namespace kelle
