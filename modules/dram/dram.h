// Dram: the off-chip LPDDR channel that holds the model weights and the KV cache spill.
//
// Models one channel as a single port: an access of B bytes occupies the port for
// B / bandwidth and returns after a fixed access latency (activate + CAS + interface).
// Energy is per bit moved, interface included. Left out on purpose: banks, row hits and
// DRAM refresh (DRAMSys models those; at decode's streaming access pattern the channel
// bandwidth is what bounds), and power-down states (static power is one constant).
//
// Sockets: `target_socket` (multi): the PE array (weights) and the KV cache (spill).
// Parameters (section [dram]): bandwidth_gbps, latency_ns, pj_per_bit, static_mw.
#pragma once

#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "waveform/activity_trace.h"
#include "config/config.h"
#include "common/memory_port.h"
#include "common/observable.h"

namespace kelle {

struct DramConfig {
    double bandwidth_gbps = 0;  // GB/s = bytes per ns
    double latency_ns = 0;
    double pj_per_bit = 0;
    double static_mw = 0;

    void bind(ParamBinder& p);
};

class Dram : public sc_core::sc_module, public Observable {
public:
    tlm_utils::multi_passthrough_target_socket<Dram> target_socket;

    Dram(sc_core::sc_module_name name, const DramConfig& config);

    const MemoryStats& stats() const { return port_.stats(); }
    const DramConfig& config() const { return config_; }
    void report_energy(StatsReport& report) const override;
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file* file) override { activity_.trace(file, "dram.busy"); }

private:
    void b_transport(int initiator, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);

    DramConfig config_;
    MemoryPort port_;
    ActivityTrace activity_;
};

}  // namespace kelle
