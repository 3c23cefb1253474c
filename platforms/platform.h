// The Kelle virtual platform: every module, bound over TLM-2.0 sockets, chosen by configuration.
//
//   HostInterface --> LayerSequencer --pe--> PeArray --dram--> Dram <--spill-- KvCache
//                     LayerSequencer --calls--> KvCache --kv--> EdramController (kv.store = edram, Kelle)
//                                                            or Sram "kv_store" (kv.store = sram, the baselines)
//                     PeArray --buffer--> Sram "buffer" (activations)
//                     PeArray --weight_sram--> Sram "weight_sram" (sram.weight_kb > 0: weights pass through it)
//
// The platform only wires: it builds every module from the final configs of machine_config.h,
// binds their sockets, and turns the modules' stats structs into the stats JSON (docs/stats.md).
// Modules do not format output.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <systemc>

#include "common/observable.h"
#include "trace/trace.h"
#include "dram/dram.h"
#include "edram/edram_controller.h"
#include "execution/model_step_source.h"
#include "host/host_interface.h"
#include "kvcache/eviction_unit.h"
#include "kvcache/kv_cache.h"
#include "machine_config.h"
#include "pe_array/pe_array.h"
#include "sequencer/sequencer.h"
#include "sram/sram.h"

namespace kelle {

class Platform : public sc_core::sc_module {
public:
    // `machine` must outlive the platform: the modules keep references into it.
    Platform(sc_core::sc_module_name name, const MachineConfig& machine, StepSource& trace,
             HostInterface::Progress progress);
    ~Platform() override;  // forgets the mismatch context, which points into it

    // Execution-driven decode: `model` (the platform's StepSource) computes each decode layer
    // when the sequencer reaches it, over the KV cache's held tokens and stored values, and
    // reports its stats and signals with the modules'. Call before trace_signals and sc_start.
    void attach_model(ModelStepSource& model);

    // Every module's signals, and the RTL evictor's pins and registers (docs/cosim.md, "Waveforms").
    void trace_signals(sc_core::sc_trace_file* file);

    // Valid after the simulation has ended; wall_time_s is the only non-deterministic value.
    nlohmann::ordered_json stats(double wall_time_s) const;

    const HostInterface& host() const { return *host_; }
    // Energy by component (pJ) spent from the start to `at_ns`, with its total first.
    nlohmann::ordered_json energy_until(double at_ns) const;
    // The eDRAM retention monitor's verdict: empty unless a live row passed its deadline.
    std::string retention_violation() const { return edram_ ? edram_->retention_violation() : std::string(); }

private:
    // Every module brought up to now (Observable::settle: the eDRAM's refresh bursts due by now),
    // so that a snapshot's energy counts them; performs only what the next access would.
    void settle_modules();
    // energy_until(now), the modules settled first: the hooks' snapshots.
    nlohmann::ordered_json energy_now();
    // Every module of the platform that reports (a direct child in the SystemC hierarchy that is
    // Observable), in the order they were built.
    void for_each_module(const std::function<void(Observable&)>& visit) const;
    // The components a platform lacks (an SRAM platform's eDRAM, ...) report their zeros in both,
    // so every platform's stats have the same keys.
    StatsReport energy_report() const;  // energy.<category> (pJ) and static_mw.<component> (mW)

    const MachineConfig& machine_;
    StepSource& trace_;
    std::unique_ptr<Dram> dram_;
    std::unique_ptr<Sram> buffer_;
    std::unique_ptr<Sram> weight_sram_;  // sram.weight_kb > 0 only
    std::unique_ptr<Sram> sram_kv_;
    std::unique_ptr<EdramController> edram_;
    std::unique_ptr<PeArray> pe_;
    std::unique_ptr<EvictionUnit> evictor_;  // pe.evictor_impl / cosim.lockstep; none: the policy's own search
    std::unique_ptr<KvCache> kv_;
    std::unique_ptr<LayerSequencer> sequencer_;
    std::unique_ptr<HostInterface> host_;
    ModelStepSource* model_ = nullptr;
    nlohmann::ordered_json prefill_energy_;  // energy_until the end of the prefill
    nlohmann::ordered_json first_step_energy_;  // energy_until the end of the first decode step
    // Host wall clock at the ends of prefill and of the replay: decode's own wall time, which
    // the benchmark needs without the prompt's admission and trace parsing in it.
    std::chrono::steady_clock::time_point prefill_wall_end_, replay_wall_end_;
};

}  // namespace kelle
