// LayerSequencer: runs one transformer layer of the prefill or of a decode step, in order.
//
// The host's TLM target: it receives a LayerCommand and, for a decode layer, issues in order:
//   eviction search (PE array's eviction unit) when a score-based policy must evict
//   admit the new token into every KV head's cache (the KV cache; its policy picks victims)
//   AERP: read the layer's x entries (the KV cache)
//   QKV projection GEMV (PE array, weights from DRAM; AERP's recomputation rides on it:
//     x_tokens x 2 kv_dim x hidden more MACs while W_K and W_V stream by, no more weight traffic)
//   write the new K/V slots (or x), then read every resident K/V (the KV cache)
//   attention over the resident tokens (PE array, SFU softmax)
//   output projection and the two FFN GEMVs (PE array)
// and then has the KV cache add the step's attention to each resident token's importance and,
// with two importance classes (2DRP), move the tokens whose class changed.
//
// Order of QKV and the KV traffic (sched.order):
//   serial   (today's order, the paper's baseline) QKV, then the new K/V write, then the read
//            of the resident K/V, each after the other;
//   overlap  (the Kelle scheduler, paper sec. 5, Eq. 4-8) the resident K/V read starts with the
//            QKV weight stream (separate memories: weights from DRAM and the weight SRAM, K/V
//            from the KV store), both issued at the same time; attention starts at
//            max(QKV done, read done); the new K/V, consumed by attention straight from the
//            array, is written to the store as QKV ends, beside attention, and the layer ends
//            no earlier than that write. Where both streams go to DRAM (spilled K/V) the DRAM's
//            busy-until makes them share it. The KV cache's read covers every resident slot,
//            the new token's included (kvcache has no read of the old tokens alone), so both
//            orders move the same bytes; functional mode, which would check that slot before
//            its write, needs serial (the platform's rule).
//   stats, summed over decode layers: sched.qkv_ns (the QKV projection), sched.kv_read_ns (the
//   resident read, from its issue: under overlap a read of spilled K/V that queued behind the
//   weights on the DRAM counts its wait) and sched.span_ns (QKV's start to attention's start:
//   the sum of the three phases under serial, max(QKV, read) under overlap). The span of two
//   runs differing only in sched.order is the time the overlap saved.
// The activation eDRAM (act.edram_kb > 0): each decode layer's QKV and read times give its
// activations' lifetime in either order, and the refresh over it (activation_edram.h).
// Other phases run one after the other; the PE array overlaps weights and compute inside a GEMV.
// Before each phase that touches the KV store the sequencer synchronises with simulated time,
// so refresh bursts that fall inside a layer delay the accesses they collide with; with
// sim.quantum_ns > 0 it waits only when a quantum or more ahead (QuantumKeeper, initiator.h).
//
// A prefill layer (LayerCommand load_prompt): the QKV projection as a GEMM over every prompt
// token (weights stream once), the eviction unit's pass over the prompt's importance when the
// prompt exceeds the budget, the KV cache's write of the retained K/V, causal attention
// (position i attends to 0..i, from the K/V the GEMM left in the buffer: heads x P(P+1)/2
// keys), then W_O and the FFN as GEMMs. Prefill activations are taken to fit the buffer or to
// be tiled without DRAM traffic (assumption). With workload.prefill_compute = false only the
// K/V write is timed.
//
// Batch (workload.batch = B): B sequences replay the same trace; weight traffic does not scale
// with B (weight_map.h), each GEMV becomes a GEMM of B vectors, and attention, softmax and
// eviction-search work scale with B (KV traffic scales in the KV cache's slots).
//
// Left out: overlap between a layer's phases beyond sched.order's (and the PE array's own
// weight/compute overlap inside a GEMV); AERP's x read stays before QKV (its input) in both
// orders; DRAM traffic of prefill activations.
//
// Sockets: `target_socket` (host), `pe_socket` (PE array). It talks to the KV cache by member
// calls (kvcache/kv_cache.h). Parameters: workload.batch, workload.prefill_compute,
// sim.quantum_ns, kv.recompute_sizing, sched.order, pe.weight_bytes and act.edram_kb
// (SequencerConfig::bind; the weight precision is the sequencer's because its weight map lays the
// weights out, the activation eDRAM's because its lifetime is the layer order's).
#pragma once

#include <cstdint>
#include <optional>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "common/commands.h"
#include "common/initiator.h"
#include "common/observable.h"
#include "common/trace.h"
#include "kvcache/kv_cache.h"
#include "sequencer/activation_edram.h"
#include "sequencer/weight_map.h"
#include "sequencer/x_tier_sizing.h"

namespace kelle {

// How AERP's x tier is sized: a share of the budget (kv.recompute_share), or as many tokens as
// the PE array can recompute while it idles during the W_QKV stream (x_tier_sizing.h).
enum class RecomputeSizing { share, idle_compute };
inline const Choices<RecomputeSizing> kRecomputeSizings{{"share", RecomputeSizing::share},
                                                        {"idle_compute", RecomputeSizing::idle_compute}};

// A decode layer's order of the QKV projection and the KV-cache traffic (see above).
enum class SchedOrder { serial, overlap };
inline const Choices<SchedOrder> kSchedOrders{{"serial", SchedOrder::serial}, {"overlap", SchedOrder::overlap}};

struct SequencerConfig {
    std::uint64_t batch = 1;      // sequences decoded together (workload.batch)
    bool prefill_compute = true;  // time the prompt's prefill (workload.prefill_compute)
    double quantum_ns = 0;        // temporal decoupling (sim.quantum_ns); 0 = sync at every point
    std::uint64_t weight_bytes = 2;  // bytes per weight element (pe.weight_bytes); K/V, activations: the trace's dtype
    SchedOrder order = SchedOrder::serial;  // sched.order
    std::uint64_t act_edram_kb = 0;         // act.edram_kb; 0 = no activation eDRAM
    // The activation eDRAM: its interval is act.refresh_interval_us; load_machine
    // (platforms/machine_config.h) fills the rest from act.edram_kb and the KV eDRAM's technology.
    ActivationEdramConfig act_edram;
    // aerp with idle_compute: size the x tier by x_tier_sizing.h from `facts`, which the platform
    // fills from the PE array's and the DRAM's configs.
    RecomputeSizing recompute_sizing = RecomputeSizing::share;
    IdleComputeFacts facts;

    void bind(ParamBinder& p);
    // The KV cache's x-tier limit: set only when the x tier fits the idle compute.
    std::optional<std::uint64_t> x_tier_limit_tokens(const ModelShape& model) const;
};

class LayerSequencer : public sc_core::sc_module, public Observable {
public:
    tlm_utils::simple_target_socket<LayerSequencer> target_socket;
    tlm_utils::simple_initiator_socket<LayerSequencer> pe_socket;

    LayerSequencer(sc_core::sc_module_name name, const SequencerConfig& config, const TraceHeader& header,
                   KvCache& kv);

    // Layer commands received (a stat: part of tlm_transactions).
    std::uint64_t commands() const { return commands_; }
    // The sequencer only orders work, whose energy is charged where it is done; it charges the
    // analytic activation eDRAM's refresh and leakage, which its layer order sets.
    void report_energy(StatsReport& report) const override;
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file*) override {}

private:
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    double load_prompt(int layer, const StepScores* prefill, double t_ns);
    double decode_layer(const LayerCommand& command, double t_ns);
    // QKV and the KV traffic of a decode layer from t_ns, in sched.order's order: returns when
    // attention may start and, in written_ns, when the new K/V is in the store.
    double qkv_and_kv(const LayerCommand& command, std::uint64_t recompute_tokens, double t_ns, double& written_ns);
    double qkv(int layer, std::uint64_t recompute_tokens, double t_ns);
    void record_phases(int layer, double qkv_ns, double kv_read_ns, double span_ns);
    double sync(double t_ns);
    double gemv(const WeightMap::Matrix& matrix, const char* label, double t_ns, std::uint64_t vectors,
                std::uint64_t reuse_rows = 0, std::uint64_t reuse_vectors = 0);
    double attention(std::uint64_t keys, std::uint64_t query_vectors, double t_ns);
    double search(std::uint64_t compare_elements, double t_ns);

    SequencerConfig config_;
    TraceHeader header_;
    KvCache& kv_;
    WeightMap weights_;
    QuantumKeeper keeper_;
    TransactionIssuer issuer_;
    PeCommand pe_command_;
    std::uint64_t commands_ = 0;
    struct PhaseTimes { double qkv_ns = 0, kv_read_ns = 0, span_ns = 0; };
    PhaseTimes phases_;  // sched.*, summed over decode layers
    ActivationEdram act_edram_;
};

}  // namespace kelle
