// KvCacheManager: runs one transformer layer of a decode step and owns the KV cache.
//
// It receives a LayerCommand from the host and, for the layer, issues in order:
//   eviction search (PE array's eviction unit) when a score-based policy must evict
//   admit the new token into every KV head's cache (the eviction policy picks victims)
//   AERP: read the layer's x entries
//   QKV projection GEMV (PE array, weights from DRAM; AERP's recomputation rides on it)
//   write the new K/V slots (or x), then read every resident K/V (KV store, spill from DRAM)
//   attention over the resident tokens (PE array, SFU softmax)
//   output projection and the two FFN GEMVs (PE array)
// and then adds the step's attention scores to each resident token's importance. With two
// importance classes (2DRP) it then puts the region's most-attended tokens (important_share of
// its slots) in the important class, moving each token whose class changed (a read and a
// write of its slot, counted in kv.class_moves); new tokens start unimportant. Whenever an
// on-chip slot starts or stops holding a token it tells the KV store (LivenessHint), so a
// lifetime-aware eDRAM refreshes only rows with live data. Phases run
// one after the other (no overlap between them; the PE array overlaps weights and compute
// inside a GEMV). Before touching the KV store the manager synchronises with simulated time,
// so refresh bursts that fall inside a layer delay the accesses they collide with; with
// sim.quantum_ns > 0 it waits only when a quantum or more ahead (QuantumKeeper, initiator.h).
//
// load_prompt runs one layer of the prefill: the QKV projection as a GEMM over every prompt
// token (weights stream once), the eviction unit's pass over the prompt's importance when the
// prompt exceeds the budget, the write of the retained K/V (each position is admitted through
// the policy with the attention the trace's prefill block says it received, none when the
// trace has no prefill block), causal attention (position i attends to 0..i, from the K/V the
// GEMM left in the buffer: heads x P(P+1)/2 keys), then W_O and the FFN as GEMMs. Prefill
// activations are taken to fit the buffer or to be tiled without DRAM traffic (assumption).
// With workload.prefill_compute = false only the K/V write is timed.
//
// Batch (workload.batch = B): B sequences replay the same trace, so every policy decision is
// the same for all of them and one slot carries the token's K/V of all B (kv_layout.h): KV
// traffic and footprint scale with B, weight traffic does not; each GEMV becomes a GEMM of B
// vectors and attention, softmax and eviction-search work scale with B.
//
// AERP (kv.policy = aerp, Kelle's recomputation): each head keeps at most
// budget x (1 - recompute_share) tokens as K/V; the others it keeps as the layer input x, one
// x entry per (layer, position) shared by every head that keeps that token (hidden x dtype
// bytes instead of 2 x head_dim x dtype per head). A token's form is fixed when it is written,
// because its x exists only then (its decode step, or prefill for prompt tokens): a new token
// takes the form the budget leaves room for (K/V first), and after the prompt is admitted each
// head keeps its least important prompt tokens as x. Each step, before the QKV projection, the
// layer's x entries are read, and the projection recomputes K and V for all heads of every x
// token while W_K and W_V stream by (x_tokens x 2 kv_dim x hidden more MACs, no more weight
// traffic).
//
// Functional mode (edram.functional): the manager writes real K/V values (kv_values.h), slot
// by slot at their exact addresses rather than in compacted bursts, reads each resident slot
// back the same way, and compares every value with its pristine one (stats: values_checked,
// corrupted_values, value_rel_error). Spilled slots are in DRAM, which loses nothing. It also
// measures the attention output: per query head, sum of score x V over the retained tokens
// (values as read, weights renormalised over them) against the full, error-free cache's sum
// over every position (kept as a running sum of pristine V per KV head, so memory stays
// bounded). The scores are the trace's: corrupted K would also change them, which this does
// not model.
//
// Sockets: `target_socket` (host), `pe_socket`, `kv_socket` (eDRAM or SRAM KV store),
// `dram_socket` (spill). Parameters: section [kv], workload.batch, workload.prefill_compute and
// sim.quantum_ns (KvConfig::declare).
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "common/commands.h"
#include "common/initiator.h"
#include "common/trace.h"
#include "kvcache/eviction_policy.h"
#include "kvcache/kv_layout.h"
#include "pe_array/pe_timing.h"

namespace kelle {

class ParamRegistry;

struct KvConfig {
    std::string policy;
    std::uint64_t budget_tokens = 0;
    std::uint64_t recent_tokens = 0;
    std::uint64_t sink_tokens = 0;
    double recompute_share = 0;  // aerp: part of the budget kept as x
    // aerp with kv.recompute_sizing = idle_compute: the x tier is as many tokens as the PE array
    // can recompute in the time it idles while W_QKV streams from DRAM. The platform fills
    // `hardware` from the PE array's and the DRAM's own configs.
    bool x_tier_fits_idle_compute = false;
    struct Hardware {
        PeGeometry pe;
        double clock_mhz = 0, dram_bytes_per_ns = 0, dram_latency_ns = 0;
    };
    Hardware hardware;
    std::string store;  // "edram" or "sram"
    std::uint64_t batch = 1;       // sequences decoded together (workload.batch)
    bool prefill_compute = true;   // time the prompt's prefill (workload.prefill_compute)
    double quantum_ns = 0;         // temporal decoupling (sim.quantum_ns); 0 = sync at every point

    static void declare(ParamRegistry& registry);
    static KvConfig from(const ParamRegistry& registry);
};

struct KvStats {
    std::uint64_t commands = 0;
    std::uint64_t evictions = 0;
    std::uint64_t recomputes = 0;  // AERP: tokens whose K and V were recomputed from x, per layer and step
    std::uint64_t class_moves = 0; // 2DRP: token copies moved between importance-class areas
    std::uint64_t resident_tokens_max = 0;  // most tokens one (layer, KV head) held
    std::uint64_t onchip_kv_bytes_max = 0;  // largest on-chip KV footprint
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

class KvCacheManager : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<KvCacheManager> target_socket;
    tlm_utils::simple_initiator_socket<KvCacheManager> pe_socket;
    tlm_utils::simple_initiator_socket<KvCacheManager> kv_socket;
    tlm_utils::simple_initiator_socket<KvCacheManager> dram_socket;

    // plan: how the on-chip store is cut into (importance class, bit plane) areas;
    // important_share: the part of each region's slots in the important class (2DRP only).
    // functional: write real K/V values (kv_values.h) and check every value read back against
    // its pristine value (retention flips in a functional eDRAM corrupt them).
    KvCacheManager(sc_core::sc_module_name name, const KvConfig& config, const TraceHeader& header,
                   const KvAreaPlan& plan, double important_share, bool functional);

    const KvStats& stats() const { return stats_; }
    // AERP: tokens each head keeps as x (the rest of its budget is K/V); 0 for other policies.
    std::uint64_t x_tier_tokens() const { return x_tier_tokens_; }
    const KvLayout& layout() const { return layout_; }
    void trace(sc_core::sc_trace_file* file);

private:
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    double load_prompt(int layer, const StepScores* prefill, double t_ns);
    // AERP's x store (kv_recompute.cpp).
    struct XEntry { std::uint32_t entry; int references; };
    std::uint32_t acquire_x(int layer, std::uint32_t position, double t_ns);
    void release_x(int layer, std::uint32_t position, double t_ns);
    void hint_x(int layer, std::uint32_t entry, bool live, double t_ns);
    void place_prompt_as_x(int region, int layer, double t_ns);
    double write_new_x(int layer, double t_ns);
    double write_all_x(int layer, double t_ns);
    double read_x(int layer, double t_ns);
    std::uint64_t x_to_recompute(int layer) const;
    void prefill_importance(int layer, int kv_head, const StepScores& prefill);
    double decode_layer(const LayerCommand& command, double t_ns);

    double gemv(const KvLayout::Matrix& matrix, const char* label, double t_ns, std::uint64_t vectors,
                std::uint64_t reuse_rows = 0, std::uint64_t reuse_vectors = 0);
    double attention(std::uint64_t keys, std::uint64_t query_vectors, double t_ns);
    std::uint64_t decode_keys(int layer) const;
    double search(std::uint64_t compare_elements, double t_ns);
    double eviction_search(int layer, double t_ns);
    double prefill_search(double t_ns);
    // frozen: the head's importances stay fixed from one call to the next (the prompt).
    void admit(int region, std::uint32_t position, double t_ns, double importance = 0, FrozenVictims* frozen = nullptr);
    void hint_extents(const Extent* pieces, int count, bool live, double t_ns);
    void hint_liveness(int region, std::uint32_t slot, bool live, double t_ns);
    std::uint32_t take_slot(int region, int preferred_class);
    void release_slot(int region, std::uint32_t slot, double t_ns);
    int values_per_slot() const { return 2 * header_.model.head_dim; }
    void pristine_values(int region, std::uint32_t position, std::uint16_t* values) const;
    double write_slot(int region, std::uint32_t slot, const std::uint16_t* values, double t_ns);
    double read_slot(int region, const KvToken& token, std::uint16_t* values, double t_ns);
    void check_values(int region, std::uint32_t position, const std::uint16_t* values);
    double read_region_checked(int region, const StepScores& scores, double t_ns);
    void add_to_full_cache(int region, std::uint32_t position);
    void measure_output_error(int region, const StepScores& scores);
    double write_region(int region, double t_ns);
    double reclassify(int region, double t_ns);
    bool classes_settled(const std::vector<KvToken>& tokens, std::size_t important) const;
    double transfer_region(int region, tlm::tlm_command command, double t_ns);
    double sync(double t_ns);
    void accumulate(int layer, const StepScores& scores);
    void update_footprint();

    KvConfig config_;
    TraceHeader header_;
    bool functional_;
    QuantumKeeper keeper_;
    std::unique_ptr<EvictionPolicy> policy_;
    bool aerp_ = false;
    std::uint64_t x_tier_tokens_ = 0;  // per head, aerp: tokens kept as x
    std::uint64_t kv_tier_slots_ = 0;  // per head: slots for K/V (aerp: the rest of the budget is x)
    KvLayout layout_;
    std::vector<HeadCache> heads_;                        // per region
    std::vector<std::array<std::vector<std::uint32_t>, 2>> free_slots_;  // per region and class
    std::vector<std::array<std::uint32_t, 2>> fresh_slot_;  // per region and class: next never-used slot
    std::vector<std::size_t> order_, promote_, demote_;      // reclassify's buffers, reused
    std::vector<bool> want_important_;
    std::vector<double> prompt_importance_;  // one KV head's prefill attention per prompt position
    FrozenVictims frozen_victims_;           // the prompt's victims, one head at a time
    std::vector<std::map<std::uint32_t, XEntry>> x_by_position_;  // per layer
    std::vector<std::uint32_t> x_free_;  // x entries free for reuse, any layer
    std::uint32_t x_fresh_ = 0;          // next never-used x entry
    std::vector<std::uint32_t> x_new_;  // entries acquired by the current layer command, to write
    std::vector<std::uint16_t> values_a_, values_b_, reference_;  // one slot's values, reused
    std::vector<unsigned char> piece_bytes_[2];
    std::vector<float> read_v_;            // V of one region's resident tokens as read, this step
    std::vector<float> full_cache_v_sum_;  // per region: sum of the pristine V of every position so far
    std::vector<double> output_, reference_output_;
    KvStats stats_;
    int resident_tokens_ = 0;  // all heads, traced
    // On-chip K/V slots and x entries in use, kept as they are taken and released: summing them
    // over every token at each step cost O(context) under `full`.
    std::uint64_t onchip_slots_ = 0;
    std::uint64_t onchip_x_ = 0;
    TransactionIssuer issuer_;
    PeCommand pe_command_;
    LivenessHint hint_;
};

}  // namespace kelle
