// PeArray: the systolic MAC array with its SFU (softmax), as a TLM target of compute commands.
//
// A PeCommand (common/commands.h) is a GEMV or GEMM whose weights stream from DRAM, the
// attention of one layer over the resident KV, or the eviction unit's min search. Timing:
//   read the input activations from the buffer SRAM,
//   then max(weight stream from DRAM, compute cycles / clock)  -- tiles are double-buffered,
//   then write the output activations to the buffer SRAM.
// A matrix product is memory bound when its weight stream outlasts its compute: its time is
// weight bytes / DRAM bandwidth (+ latency); otherwise it is compute bound and takes
// MACs / (rows x cols) cycles on whole tiles. Every product is counted as one or the other
// (stats pe.memory_bound_gemvs / pe.compute_bound_gemvs; decode GEMVs at batch 1 are memory
// bound, prefill GEMMs compute bound on the default platform).
// Cycle counts: pe_timing.h. Energy: MACs x mac_pj + softmax elements x sfu_pj_per_element +
// compares x compare_pj.
//
// Sockets: `target_socket` (commands), `dram_socket` (weights), `buffer_socket` (activations).
// Parameters: clock_mhz and section [pe] (PeConfig::bind).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "common/activity_trace.h"
#include "common/commands.h"
#include "common/config.h"
#include "common/initiator.h"
#include "common/observable.h"
#include "pe_array/pe_timing.h"

namespace kelle {

// Who picks eviction victims beside the array (kvcache/eviction_unit.h): the TLM policy's own
// search, or the verilated systolic evictor (rtl/systolic_evictor.sv). Either takes the same
// eviction_search cycles.
enum class EvictorImpl { tlm, rtl };
const Choices<EvictorImpl>& evictor_impls();

struct PeConfig {
    double clock_mhz = 0;
    PeGeometry geometry;
    double mac_pj = 0;
    double compare_pj = 0;
    double sfu_pj_per_element = 0;
    double static_mw = 0;
    EvictorImpl evictor_impl = EvictorImpl::tlm;
    std::uint64_t buffer_bytes = 0;  // the activation buffer's size (the platform sets it from the
                                     // buffer SRAM's config): larger operands pass in pieces

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
    double weight_stream_ns = 0;     // DRAM time of the weights the GEMVs streamed
    std::uint64_t weight_bytes = 0;  // weight bytes streamed from DRAM (the rest of DRAM traffic is KV)
    std::uint64_t memory_bound_gemvs = 0;   // GEMVs whose weight stream outlasted the compute
    std::uint64_t compute_bound_gemvs = 0;
    // The same split per matrix of a layer (command label: qkv, ffn_in, prefill_qkv, ...), so an
    // architect sees which bound each part of a layer sits on.
    struct Bounds { std::uint64_t memory = 0, compute = 0; };
    std::map<std::string, Bounds, std::less<>> bounds_by_matrix;
};

class PeArray : public sc_core::sc_module, public Observable {
public:
    tlm_utils::simple_target_socket<PeArray> target_socket;
    tlm_utils::simple_initiator_socket<PeArray> dram_socket;
    tlm_utils::simple_initiator_socket<PeArray> buffer_socket;

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
    void count_bound(std::string_view label, bool memory_bound);

    PeConfig config_;
    PeStats stats_;
    TransactionIssuer issuer_;
    ActivityTrace activity_;
};

}  // namespace kelle
