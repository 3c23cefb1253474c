// PeArray: the systolic MAC array with its SFU (softmax), as a TLM target of compute commands.
//
// A PeCommand (common/commands.h) is a GEMV or GEMM whose weights stream from DRAM, the
// attention of one layer over the resident KV, or the eviction unit's min search. Timing:
//   read the input activations from the buffer SRAM,
//   then max(weight stream, compute cycles / clock)  -- tiles are double-buffered,
//   then write the output activations to the buffer SRAM.
// The weight stream is the DRAM read alone, or, with a weight SRAM (sram.weight_kb > 0, paper
// sec. 2), the DRAM read, the weight SRAM's fill and its drain to the array side by side (its
// double buffer: one half fills while the other drains), so the slowest of the three sets it;
// every weight byte is then written into the weight SRAM and read out of it once (nothing stays
// resident between steps: the weights are GBs, the SRAM MBs).
// A matrix product is memory bound when its weight stream outlasts its compute: its time is
// weight bytes / DRAM bandwidth (+ latency); otherwise it is compute bound and takes the tile
// model's cycles (pe.tile_model, pe_timing.h): by default each tile's M vectors or its weight
// load, whichever is longer, the load hidden behind the previous tile (double buffering) at
// pe.weight_load_bytes_per_cycle, which the weight SRAM's port bounds. Every product is counted
// as one or the other (stats pe.memory_bound_gemvs / pe.compute_bound_gemvs; on the default
// platform decode GEMVs up to 16 vectors are memory bound, prefill GEMMs compute bound).
// Cycle counts: pe_timing.h. Energy: the array's (pe.recompute_energy, below) + softmax elements x
// sfu_pj_per_element + compares x compare_pj.
//
// The array's energy (pe.recompute_energy): `per_mac` charges mac_pj per MAC performed;
// `array_always_on` follows [paper sec. 8.3.2]: the array "remains active regardless of the number
// of input vectors, so the incremental energy cost of recomputation is negligible". Every PE then
// draws mac_pj each cycle a layer's product or attention holds the array (its weight stream or its
// compute, whichever is longer), whether it has a vector to multiply or not: AERP's recomputation
// inside the weight stream's idle cycles costs no energy, and one that outlasts the stream costs
// the time it adds. The eviction unit's search is not the array's and stays per compare.
//
// The eviction unit's latency (pe.evictor_latency): `search` takes its min search's cycles after
// the attention that produced the scores; `hidden` is the paper's systolic evictor [paper sec. 2,
// 8.1.4], a column beside the array that accumulates each logit as it leaves QK^T and passes the
// running min down, so the argmin is ready with the last logit: no time, the compares' energy
// still counts, and the evictor draws its own power over the whole run (pe.evictor_mw, the
// paper's 0.028 W [paper sec. 8.1.4]; the searching unit's leakage is part of pe.static_mw).
//
// Sockets: `target_socket` (commands), `dram_socket` (weights), `buffer_socket` (activations),
// `weight_sram_socket` (the weight SRAM; bound only when there is one).
// Parameters: clock_mhz and section [pe] (PeConfig::bind).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "waveform/activity_trace.h"
#include "common/commands.h"
#include "config/config.h"
#include "common/initiator.h"
#include "common/observable.h"
#include "pe_array/pe_timing.h"

namespace kelle {

// Who picks eviction victims beside the array (kvcache/eviction_unit.h): the TLM policy's own
// search, or the verilated systolic evictor (rtl/systolic_evictor.sv). Either takes the same
// eviction_search cycles.
enum class EvictorImpl { tlm, rtl };
const Choices<EvictorImpl>& evictor_impls();

// Whether the eviction unit's min search adds its cycles to the layer (search) or is hidden
// behind QK^T (hidden, the paper's systolic evictor).
enum class EvictorLatency { search, hidden };
const Choices<EvictorLatency>& evictor_latencies();

const Choices<TileModel>& tile_models();

// How the array's energy is counted (pe.recompute_energy; header comment).
enum class ArrayEnergy { per_mac, array_always_on };
const Choices<ArrayEnergy>& array_energies();

struct PeConfig {
    double clock_mhz = 0;
    PeGeometry geometry;
    double mac_pj = 0;
    double compare_pj = 0;
    double sfu_pj_per_element = 0;
    double static_mw = 0;
    double evictor_mw = 0;  // drawn only with evictor_latency = hidden: that unit is the systolic evictor
    EvictorImpl evictor_impl = EvictorImpl::tlm;
    EvictorLatency evictor_latency = EvictorLatency::search;
    ArrayEnergy array_energy = ArrayEnergy::per_mac;
    std::uint64_t buffer_bytes = 0;  // the activation buffer's size (the platform sets it from the
                                     // buffer SRAM's config): larger operands pass in pieces
    std::uint64_t weight_sram_bytes = 0;  // the weight SRAM's size, 0 for none (the platform sets it
                                          // from sram.weight_kb): weights pass half of it at a time

    double ns_per_cycle() const { return 1e3 / clock_mhz; }
    void bind(ParamBinder& p);
};

struct PeStats {
    std::uint64_t commands = 0;
    std::uint64_t macs = 0;
    std::uint64_t sfu_elements = 0;
    std::uint64_t compare_elements = 0;  // eviction unit
    double compute_energy_pj = 0;
    double compute_ns = 0;           // array + SFU busy time
    double weight_stream_ns = 0;     // time of the weights the GEMVs streamed (DRAM, and weight SRAM if any)
    std::uint64_t weight_bytes = 0;  // weight bytes streamed from DRAM (the rest of DRAM traffic is KV)
    std::uint64_t memory_bound_gemvs = 0;   // GEMVs whose weight stream outlasted the compute
    std::uint64_t compute_bound_gemvs = 0;
    // The same split per matrix of a layer (command label: qkv, ffn_in, prefill_qkv, ...), so an
    // architect sees which bound each part of a layer sits on.
    struct Bounds { std::uint64_t memory = 0, compute = 0; };
    std::map<std::string, Bounds, std::less<>> bounds_by_matrix;
    // AERP's recomputation on the array (Fig. 16a's roofline): GEMVs that also recompute K/V from
    // x, the array time that adds, and the GEMVs it makes compute bound (their weight stream
    // outlasts the compute without the recomputation, not with it).
    std::uint64_t recompute_gemvs = 0;
    double recompute_ns = 0;
    std::uint64_t compute_bound_by_recompute = 0;
};

class PeArray : public sc_core::sc_module, public Observable {
public:
    tlm_utils::simple_target_socket<PeArray> target_socket;
    tlm_utils::simple_initiator_socket<PeArray> dram_socket;
    tlm_utils::simple_initiator_socket<PeArray> buffer_socket;
    tlm_utils::simple_initiator_socket_optional<PeArray> weight_sram_socket;

    PeArray(sc_core::sc_module_name name, const PeConfig& config);

    const PeStats& stats() const { return stats_; }
    const PeConfig& config() const { return config_; }
    void report_energy(StatsReport& report) const override;
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file* file) override { activity_.trace(file, "pe.busy"); }

private:
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    double execute(const PeCommand& command, double start_ns);
    double buffer_access(tlm::tlm_command command, std::uint64_t bytes, double at_ns);
    double stream_weights(const PeCommand& command, double at_ns);
    double weight_sram_pass(tlm::tlm_command command, std::uint64_t half_address, std::uint64_t bytes, double at_ns);
    static MatrixProduct matrix_product(const PeCommand& command);
    std::string tiles_note(const MatrixProduct& product) const;
    std::uint64_t timed_cycles(const PeCommand& command, std::uint64_t cycles) const;
    double array_energy_pj(const PeCommand& command, std::uint64_t macs, double core_ns) const;
    void count_recompute(double recompute_ns, double compute_ns, double stream_ns);
    void count_bound(std::string_view label, bool memory_bound);

    PeConfig config_;
    PeStats stats_;
    TransactionIssuer issuer_;
    ActivityTrace activity_;
};

}  // namespace kelle
