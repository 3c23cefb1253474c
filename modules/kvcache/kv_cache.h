// KvCache: the KV cache of every (layer, KV head), in the on-chip KV store and its DRAM spill.
//
// It decides which tokens stay (admission and eviction: eviction_policy.h), in which form
// (K/V, or AERP's layer input x: x_store.h), where they live (kv_layout.h), and moves them:
// the sequencer (sequencer/sequencer.h) calls its member functions in a layer's order, each
// with the absolute time to start at, and gets the absolute completion time back. It never
// waits: synchronising with simulated time is the sequencer's job.
//
// Budget: each head holds at most KvBudget::held_tokens (kv_budget.h); admitting a token into a
// full head evicts the policy's victim first (never a sink, with kv.keep_sinks). A prompt
// position is admitted with the attention the trace's prefill block says it received (none
// without one); after each decode step the step's attention scores add to each resident token's
// importance.
//
// 2DRP (two importance classes in the area plan): after the importance update the region's
// most-attended K/V tokens (important_share of its slots; older first on ties) belong in the
// important class; each token whose class changed moves (a read and a write of its slot,
// kv.class_moves). A decode token starts unimportant. The prompt's tokens are put in their
// classes by their prefill attention before they are written, so they never move for it: the
// same knowledge already picks which prompt tokens are kept at all.
//
// Liveness: whenever an on-chip slot or x entry starts or stops holding a token the cache tells
// the KV store (LivenessHint), so a lifetime-aware eDRAM refreshes only rows with live data.
//
// Batch (workload.batch = B): B sequences replay the same trace, so every policy decision is
// the same for all of them and one slot carries the token's K/V of all B (kv_layout.h).
//
// Timing mode moves a region's resident K/V as compacted bursts. Functional mode
// (edram.functional) writes real K/V values slot by slot at their exact addresses, reads each
// resident slot back the same way and checks it (kv_value_check.h); spilled slots are in DRAM,
// which loses nothing.
//
// AERP's x form (kv.x_selection): a per-head tier (x_store.h), or by popularity, the paper's rule:
// after a layer's prompt is admitted into every head, the prompt tokens held by more than
// kv.popular_share of its KV heads become x, once for the layer, where x is smaller than the
// K/V they replace; decode tokens stay K/V; an x entry lives while any head holds its token
// (docs/kv-policies.md).
//
// Placement (kv.placement): slot by slot, or whole layers first fit (kv_layout.h).
//
// Left out: AERP in functional mode (x values are not stored; the platform refuses it), and
// any effect of corrupted K on the attention scores (they are the trace's).
//
// Sockets: `kv_socket` (eDRAM or SRAM KV store), `dram_socket` (spill). Parameters: section [kv]
// (KvConfig::bind) but kv.recompute_sizing, which sizes the x tier from the PE array's idle
// compute and is the sequencer's; the batch is the workload's (SequencerConfig), which the
// platform hands over.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

#include "common/kv_areas.h"
#include "common/observable.h"
#include "common/trace.h"
#include "kvcache/eviction_policy.h"
#include "kvcache/kv_budget.h"
#include "kvcache/kv_layout.h"
#include "kvcache/kv_slots.h"
#include "kvcache/kv_store_port.h"
#include "kvcache/kv_value_check.h"
#include "kvcache/x_store.h"

namespace kelle {

enum class KvStore { edram, sram };
inline const Choices<KvStore> kKvStores{{"edram", KvStore::edram}, {"sram", KvStore::sram}};

// AERP: which tokens are kept as x (docs/kv-policies.md). tier: a per-head x tier sized by
// kv.recompute_sizing (the sequencer's); popularity: the paper's rule, the prompt tokens kept by
// more than kv.popular_share of a layer's KV heads, stored once as x where that saves bytes.
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
    std::uint64_t batch = 1;  // sequences decoded together: the workload's, set by the platform

    // Its rules check that the budget holds the recent window and the kept sinks (h2o, aep,
    // aerp) or the sinks (streaming), naming the key.
    void bind(ParamBinder& p);
    // The first positions the policy never evicts: streaming's sinks, or with keep_sinks those
    // of h2o, aep and aerp; 0 otherwise.
    std::uint64_t kept_sinks() const;
    bool popularity() const { return policy == KvPolicy::aerp && x_selection == XSelection::popularity; }
};

struct KvStats {
    std::uint64_t evictions = 0;
    std::uint64_t recomputes = 0;  // AERP: tokens whose K and V were recomputed from x, per layer and step
    std::uint64_t class_moves = 0; // 2DRP: token copies moved between importance-class areas
    std::uint64_t resident_tokens_max = 0;  // most tokens one (layer, KV head) held
    std::uint64_t onchip_kv_bytes_max = 0;  // largest on-chip KV footprint
    // AERP, popularity: prompt tokens found popular (summed over layers), and those of them left
    // as K/V because their x is not smaller than the K/V it would replace (grouped-query models).
    std::uint64_t popular_tokens = 0;
    std::uint64_t x_saves_nothing_tokens = 0;
    double attention_mass_sum = 0;
    std::uint64_t attention_mass_samples = 0;
    double attention_mass_min = std::numeric_limits<double>::infinity();
    // Functional mode: K/V values read back and compared with what was written.
    std::uint64_t values_checked = 0;
    std::uint64_t corrupted_values = 0;
    double value_error_sq = 0;
    double value_reference_sq = 0;
    // Per (step, layer, query head): relative L2 error of the attention output of the retained
    // values as read, against the full, error-free cache (one double a sample).
    std::vector<double> output_rel_errors;
    // RMS error of the values read relative to their RMS: 0 = every value intact.
    double value_rel_error() const { return value_reference_sq > 0 ? std::sqrt(value_error_sq / value_reference_sq) : 0.0; }
};

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
    // attention when `prefill` is given), fixes AERP's forms and writes what is kept.
    double write_prompt(int layer, const StepScores* prefill, double t_ns);
    // Importance values the eviction unit compares, per sequence: to admit one token into every
    // head of the layer, or to cut the prompt to the budget; 0 when the policy needs no search.
    std::uint64_t search_elements(int layer) const;
    std::uint64_t prompt_search_elements() const;

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
    std::uint64_t resident_tokens(int layer) const;
    // Adds the step's attention to each resident token's importance.
    void update_importance(int layer, const StepScores& scores);
    // 2DRP: moves tokens whose importance class changed.
    bool has_importance_classes() const { return layout_.classes() == 2; }
    // Whether a region's tokens are kept in their importance classes: only on chip, where the
    // classes are refresh groups. A region wholly in DRAM (refreshed by the DRAM itself) keeps its
    // tokens where they were written, as a real Kelle would not move them for nothing.
    bool classed(int region) const {
        return has_importance_classes() && region_onchip_[static_cast<std::size_t>(region)];
    }
    double move_between_classes(int layer, double t_ns);
    // Records the on-chip footprint (its largest is a stat) once a step's placement is final.
    void record_footprint();

    const KvStats& stats() const { return stats_; }
    // The tokens one (layer, KV head) holds, in position order, with their forms.
    const HeadCache& head(int layer, int kv_head) const {
        return heads_[static_cast<std::size_t>(layout_.region(layer, kv_head))];
    }
    // AERP: tokens each head keeps as x (the rest of its budget is K/V); 0 for other policies.
    std::uint64_t x_tier_tokens() const { return budget_.x_tokens; }
    // AERP: the most tokens one layer has held as x at once (each stored once for its heads).
    std::uint64_t x_tokens_max() const { return x_store_.layer_entries_max(); }
    // The cache's accesses are charged at the stores it talks to: no energy of its own.
    void report_energy(StatsReport&) const override {}
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file* file) override;

private:
    // Admits every prompt position into one KV head, in position order.
    void admit_prompt(int layer, int kv_head, const StepScores* prefill, double t_ns);
    // AERP by popularity: admits the layer's prompt into every head, then keeps the popular
    // tokens as x (keep_popular_as_x), then writes.
    double write_prompt_popular(int layer, const StepScores* prefill, double t_ns);
    void keep_popular_as_x(int layer, double t_ns);
    // 2DRP: ranks a region's prompt tokens and puts each in its class, before they are written.
    void place_prompt(int region, double t_ns);
    // kv.recompute_sizing = idle_compute: leaves only the budget's popular_x_limit most-held
    // popular positions in holders_ (the others count 0 from here on: they stay K/V).
    void cap_popular(int min_heads);
    // Fills holders_ with how many of the layer's KV heads keep each prompt position, and counts
    // the popular ones in the stats.
    void count_holders(int layer, int min_heads);
    void admit(int region, std::uint32_t position, double t_ns, double importance = 0);
    // admit()'s parts: a victim's release, a new token's slot (or x entry), the counts.
    void evict(int region, const KvToken& victim, std::uint32_t for_position, double t_ns);
    KvToken take_place(int region, std::uint32_t position, std::size_t kv_tokens, double t_ns);
    void count_admitted(std::size_t head_tokens);
    // admit() for a prompt position whose victim `evictions` names, the head kept in prompt_head_.
    void admit_replayed(int region, std::uint32_t position, double importance, PromptEvictions& evictions,
                        double t_ns);
    void prefill_importance(int layer, int kv_head, const StepScores& prefill);
    // Slot traffic (kv_slot_io.cpp).
    double write_slot(int region, std::uint32_t slot, const std::uint16_t* values, double t_ns);
    double read_slot(int region, const KvToken& token, std::uint16_t* values, double t_ns);
    double read_region_checked(int region, const StepScores& scores, double t_ns);
    double write_region(int region, double t_ns);
    double transfer_region(int region, tlm::tlm_command command, double t_ns);
    // 2DRP (kv_classes.cpp): each region's classes, ranked.
    struct ClassRanks {
        RankHeap<LeastYoungestFirst> important;  // class 0, its last-ranked token first
        RankHeap<MostOldestFirst> other;         // class 1, its first-ranked token first
    };
    double reclassify(int region, double t_ns);
    // How a class change is carried out: in decode the token's data moves (a read and a write,
    // counted in kv.class_moves) and the token is ranked in its new class; for a prompt not
    // written yet only its slot changes, and the caller ranks the region afresh afterwards.
    enum class ClassChange { move_data, slot_only };
    // Pushes a K/V token into its class's heap (2DRP only); the tokens of listed_ whose score
    // passed their bound; every token of the region, afresh.
    void rank(int region, const KvToken& token);
    void rank_listed(int region);
    void rerank(int region);
    // The entry's token's relative importance, or nothing when it is not a K/V token of the class.
    std::optional<double> ranked_importance(const HeadCache& head, int importance_class, const RankEntry& entry) const;
    // Into a free important slot; two tokens trading classes.
    double promote(int region, std::size_t index, double t_ns, ClassChange change);
    double swap_classes(int region, std::size_t up_index, std::size_t down_index, double t_ns, ClassChange change);

    KvConfig config_;
    TraceHeader header_;
    KvBudget budget_;
    std::unique_ptr<EvictionPolicy> policy_;
    bool aerp_;
    KvLayout layout_;
    KvStorePort port_;
    KvSlots slots_;
    XStore x_store_;
    std::vector<HeadCache> heads_;  // per region
    std::unique_ptr<KvValueCheck> check_;  // functional mode only
    std::vector<ClassRanks> class_ranks_;   // per region
    std::vector<bool> region_onchip_;        // per region: KvLayout::region_onchip, asked per score
    std::vector<HeadCache::ListedChange> listed_;  // one head's listed tokens at a step, reused
    // A head's prompt while it is admitted by replay (admit_prompt): each position's token and
    // whether it is still held; reused from head to head.
    struct PromptHead {
        std::vector<KvToken> tokens;
        std::vector<bool> held;
        std::size_t held_tokens = 0;
        std::size_t kv_tokens = 0;
        void start(std::uint32_t positions) {
            tokens.resize(positions);
            held.assign(positions, false);
            held_tokens = kv_tokens = 0;
        }
    };
    PromptHead prompt_head_;
    struct Placement {
        RankEntry rank;
        std::uint32_t index;  // of the token in its head
    };
    std::vector<Placement> placement_order_;  // place_prompt's K/V tokens, reused
    std::vector<double> prompt_importance_;  // one KV head's prefill attention per prompt position
    std::vector<int> holders_;               // popularity: KV heads of the layer keeping each prompt position
    std::vector<std::uint16_t> values_a_, values_b_;  // one slot's values, reused
    std::vector<unsigned char> piece_bytes_[2];
    KvStats stats_;
    int resident_tokens_ = 0;  // all heads, traced
};

}  // namespace kelle
