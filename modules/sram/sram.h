// Sram: an on-chip SRAM, used twice in a platform: as the PE array's activation buffer, and,
// in the SRAM baselines (kv.store = sram), as the KV cache store.
//
// Banked, with addresses interleaved across banks every `interleave_bytes`; each bank moves
// `bytes_per_cycle` per cycle of `clock_mhz` after `access_cycles` of latency. Energy per byte
// accessed, leakage per MB held. No refresh: that is what separates it from the eDRAM.
// Accesses beyond `capacity_bytes` are a model error (the KV manager spills to DRAM first).
//
// Sockets: `target_socket`. Parameters (section [sram]): banks, interleave_bytes, clock_mhz,
// bytes_per_cycle, access_cycles, pj_per_byte, static_mw_per_mb, buffer_kb, kv_capacity_mb.
#pragma once

#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "common/activity_trace.h"
#include "common/config.h"
#include "common/memory_port.h"
#include "common/observable.h"

namespace kelle {

struct SramConfig {
    int banks = 0;
    std::uint64_t interleave_bytes = 0;
    double clock_mhz = 0;
    double bytes_per_cycle = 0;
    double access_cycles = 0;
    double pj_per_byte = 0;
    double static_mw_per_mb = 0;
    std::uint64_t buffer_kb = 0;  // activation buffer of the PE array
    double kv_capacity_mb = 0;    // KV store when kv.store = sram

    std::uint64_t buffer_bytes() const { return buffer_kb * 1024; }
    std::uint64_t kv_capacity_bytes() const;
    void bind(ParamBinder& p);
};

class Sram : public sc_core::sc_module, public Observable {
public:
    tlm_utils::simple_target_socket<Sram> target_socket;

    // role: what this instance holds ("buffer", "kv"): names its static power (static_mw.sram_<role>)
    // and its busy flag (sram.<role>_busy).
    Sram(sc_core::sc_module_name name, const SramConfig& config, std::uint64_t capacity_bytes, std::string role);

    const MemoryStats& stats() const { return port_.stats(); }
    double static_mw() const;
    void report_energy(StatsReport& report) const override;
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file* file) override { activity_.trace(file, "sram." + role_ + "_busy"); }

private:
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);

    SramConfig config_;
    std::uint64_t capacity_bytes_;
    std::string role_;
    MemoryPort port_;
    ActivityTrace activity_;
};

}  // namespace kelle
