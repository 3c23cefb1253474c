// LayerSequencer: runs one transformer layer of the prefill or of a decode step, in order.
//
// The host's TLM target: for each LayerCommand it issues the layer's phases: the eviction search
// (PE array), the new token's admission into the KV cache, AERP's x read, the QKV projection
// (PE array, weights streamed; AERP's recomputation rides on it), the new K/V write and the
// resident K/V read (KV cache), attention and softmax, W_O and the FFN (PE array), then the
// importance update and 2DRP's class moves. `sched.order` runs QKV and the KV traffic serial
// (the paper's baseline) or overlapped (the Kelle scheduler, paper §5, Eq. 4-8); the activation
// eDRAM's lifetime follows the order (activation_edram.h). Before each phase that touches the
// KV store it synchronises with simulated time (or runs up to sim.quantum_ns ahead), so refresh
// bursts delay the accesses they collide with. A prefill layer runs the same matrices as GEMMs
// over the prompt, with causal attention. workload.batch = B makes every GEMV a GEMM of B
// vectors; weight traffic does not scale with B.
//
// The phases, the two orders, prefill and what is left out: docs/architecture.md ("One decode
// step", "Prefill"); stats sched.* and act.*: docs/stats.md.
//
// Sockets: `target_socket` (host), `pe_socket` (PE array); the KV cache by member calls
// (kvcache/kv_cache.h). Parameters: SequencerConfig::bind.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "common/commands.h"
#include "common/initiator.h"
#include "common/observable.h"
#include "trace/trace.h"
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

    // Execution-driven decode: called in each decode layer once the new token is admitted (and
    // AERP's x read), before the QKV projection: the model computes the layer there, reading the
    // K/V the cache holds, and fills the layer's scores in the command's StepScores, which the
    // layer's K/V read, importance update and class moves then use.
    using LayerHook = std::function<void(int layer)>;
    void on_decode_layer(LayerHook hook) { layer_hook_ = std::move(hook); }

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
    LayerHook layer_hook_;
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
