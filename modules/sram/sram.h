// Sram: an on-chip SRAM, used up to three times in a platform: as the PE array's activation
// buffer; in the SRAM baselines (kv.store = sram), as the KV cache store; and, with
// sram.weight_kb > 0, as the weight SRAM between DRAM and the array [paper sec. 2: 2 MB at
// 128 GB/s]. The weight SRAM is double-buffered: the DRAM fills one half while the array drains
// the other, so it is two banks (the halves), each moving sram.weight_gbps; the PE array
// (pe_array.h) writes every weight byte into it and reads it back out. Nothing stays resident
// from one step to the next: a model's weights are GBs against its MBs.
//
// Banked, with addresses interleaved across banks every `interleave_bytes`; each bank moves
// `bytes_per_cycle` per cycle of `clock_mhz` after `access_cycles` of latency. Energy per byte
// accessed, leakage per MB held. No refresh: that is what separates it from the eDRAM.
// Accesses beyond `capacity_bytes` are a model error (the KV manager spills to DRAM first).
//
// Sockets: `target_socket`. Parameters (section [sram]): banks, interleave_bytes, clock_mhz,
// bytes_per_cycle, access_cycles, pj_per_byte, static_mw_per_mb, buffer_kb, kv_capacity_mb,
// weight_kb, weight_gbps.
#pragma once

#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "waveform/activity_trace.h"
#include "config/config.h"
#include "common/memory_port.h"
#include "common/observable.h"

namespace kelle {

// What sram.kv_capacity_mb counts: `kv`, the KV store alone (beside the buffer and the weight
// SRAM); `total`, all of an SRAM baseline's SRAM, the KV store getting what the buffer and the
// weight SRAM leave (platforms/machine_config.h derives it). The paper's area match, 7.3 mm2 of
// SRAM for 4 MB [paper Table 1] + the 24 x 24 array + SFU against Kelle's 9.5 mm2 [paper sec. 8.1.1],
// leaves no room for more SRAM than 4 MB in all.
enum class SramScope { kv, total };
inline const Choices<SramScope> kSramScopes{{"kv", SramScope::kv}, {"total", SramScope::total}};

struct SramConfig {
    int banks = 0;
    std::uint64_t interleave_bytes = 0;
    double clock_mhz = 0;
    double bytes_per_cycle = 0;
    double access_cycles = 0;
    double pj_per_byte = 0;
    double static_mw_per_mb = 0;
    double area_mm2_per_mb = 0;   // reported with the capacity assumption (platforms/platform.h)
    std::uint64_t buffer_kb = 0;  // activation buffer of the PE array
    double kv_capacity_mb = 0;    // KV store when kv.store = sram (the whole SRAM under capacity_scope = total)
    SramScope capacity_scope = SramScope::kv;
    std::uint64_t weight_kb = 0;  // weight SRAM; 0 = none, weights stream from DRAM to the array
    double weight_gbps = 0;       // weight SRAM bandwidth of each half (the fill and the drain)

    std::uint64_t buffer_bytes() const { return buffer_kb * 1024; }
    std::uint64_t kv_capacity_bytes() const;
    std::uint64_t weight_bytes() const { return weight_kb * 1024; }
    // The weight SRAM's own macro: the same technology, two banks of half the capacity each (the
    // double buffer's halves), each moving weight_gbps.
    SramConfig weight_sram() const;
    void bind(ParamBinder& p);
};

// What an instance holds. It names the instance's keys: static_mw.sram_<role> and the busy flag
// sram.<role>_busy; the buffer and the KV store share energy.sram and traffic_bytes.sram_*, while
// the weight SRAM reports energy.sram_weights and traffic_bytes.sram_weights_*, so the weight
// path's cost shows apart from the activations' and the KV cache's.
enum class SramRole { buffer, kv, weights };

class Sram : public sc_core::sc_module, public Observable {
public:
    tlm_utils::simple_target_socket<Sram> target_socket;

    Sram(sc_core::sc_module_name name, const SramConfig& config, std::uint64_t capacity_bytes, SramRole role);

    const MemoryStats& stats() const { return port_.stats(); }
    double static_mw() const;
    void report_energy(StatsReport& report) const override;
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file* file) override;
    // A platform without an SRAM of this role reports its zeros under the same keys.
    static void report_absent_energy(StatsReport& report, SramRole role);
    static void report_absent_stats(StatsReport& report, SramRole role);

private:
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    static void write_energy(StatsReport& report, SramRole role, const MemoryStats& memory, double static_mw);
    static void write_stats(StatsReport& report, SramRole role, const MemoryStats& memory);

    SramConfig config_;
    std::uint64_t capacity_bytes_;
    SramRole role_;
    MemoryPort port_;
    ActivityTrace activity_;
};

}  // namespace kelle
