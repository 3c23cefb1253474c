// The Kelle virtual platform: every module, bound over TLM-2.0 sockets, chosen by configuration.
//
//   HostInterface --> LayerSequencer --pe--> PeArray --dram--> Dram <--spill-- KvCache
//                     LayerSequencer --calls--> KvCache --kv--> EdramController (kv.store = edram, Kelle)
//                                                            or Sram "kv_store" (kv.store = sram, the baselines)
//                     PeArray --buffer--> Sram "buffer" (activations)
//                     PeArray --weight_sram--> Sram "weight_sram" (sram.weight_kb > 0: weights pass through it)
//
// The platform declares every module's parameters in one registry, builds the modules from
// it, and turns the modules' stats structs into the stats JSON (docs/stats.md). Modules do not
// format output.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <systemc>

#include "common/config.h"
#include "common/observable.h"
#include "common/trace.h"
#include "dram/dram.h"
#include "edram/edram_controller.h"
#include "host/host_interface.h"
#include "kvcache/eviction_unit.h"
#include "kvcache/kv_cache.h"
#include "pe_array/pe_array.h"
#include "sequencer/sequencer.h"
#include "sram/sram.h"

namespace kelle {

// How large the on-chip KV store is: as configured (edram.capacity_mb or sram.kv_capacity_mb),
// or, as a named assumption, large enough for the whole retained cache (KvBudget::
// retained_cache_bytes). The paper's headline appears to need the second (kelle-paper.md
// section 7); its leakage is charged like any capacity's and its size and area are in the
// stats (kv.onchip_capacity), never hidden. An eDRAM store grows by whole copies of the
// configured one, each refreshing its rows in parallel (edram.refresh_subarrays multiplies),
// with the same banks and bandwidth. `retained_uncharged` is the same store with the leakage and
// refresh energy of the stated capacity only: what the headline implicitly assumes if it
// counts a 4 MB chip's costs; the real leakage and area stay in the stats, marked uncharged.
enum class KvCapacityRule { stated, retained, retained_uncharged };
inline const Choices<KvCapacityRule> kKvCapacityRules{{"stated", KvCapacityRule::stated},
                                                      {"retained", KvCapacityRule::retained},
                                                      {"retained_uncharged", KvCapacityRule::retained_uncharged}};

// The platform's own parameters: its name, the optional `model.*` shape check, the transaction
// granularity every initiator follows, and the KV store's capacity rule.
struct PlatformConfig {
    std::string name;
    ModelShape model;  // 0 or empty: any
    std::uint64_t transaction_bytes = 0;
    KvCapacityRule kv_capacity = KvCapacityRule::stated;

    void bind(ParamBinder& p);
    static const std::vector<std::pair<std::string, int ModelShape::*>>& shape_fields();
};

// Declares every parameter of every module, plus the platform's own, in the order `--help`
// lists them.
void declare_platform_parameters(ParamRegistry& registry);

// Throws InputError when a `model.*` parameter set in the config disagrees with the trace.
void check_trace_against_config(const TraceHeader& header, const std::string& trace_path,
                                const ParamRegistry& registry);

class Platform : public sc_core::sc_module {
public:
    Platform(sc_core::sc_module_name name, const ParamRegistry& registry, TraceReader& trace,
             std::uint64_t seed, HostInterface::Progress progress);

    void trace_signals(sc_core::sc_trace_file* file);
    // An RTL block that keeps its own waveform (the evictor: cosim/, docs/cosim.md) writes it to
    // <vcd_stem>.<block>.vcd.
    void trace_rtl(const std::string& vcd_stem);

    // Valid after the simulation has ended; wall_time_s is the only non-deterministic value.
    nlohmann::ordered_json stats(double wall_time_s) const;

    const HostInterface& host() const { return *host_; }
    // Energy by component (pJ) spent from the start to `at_ns`, with its total first.
    nlohmann::ordered_json energy_until(double at_ns) const;
    // The eDRAM retention monitor's verdict: empty unless a live row passed its deadline.
    std::string retention_violation() const { return edram_ ? edram_->retention_violation() : std::string(); }

private:
    // The eDRAM's refresh brought up to now, so that its energy counts every burst due by now.
    void refresh_until_now();
    // energy_until(now), refresh brought up to now first: the hooks' snapshots.
    nlohmann::ordered_json energy_now();
    // Every module of the platform that reports (a direct child in the SystemC hierarchy that is
    // Observable), in the order they were built.
    void for_each_module(const std::function<void(Observable&)>& visit) const;
    StatsReport energy_report() const;  // energy.<category> (pJ) and static_mw.<component> (mW)

    const ParamRegistry& registry_;
    TraceReader& trace_;
    PlatformConfig config_;
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
    nlohmann::ordered_json kv_capacity_;   // the store's size, leakage and area under its rule
    nlohmann::ordered_json prefill_energy_;  // energy_until the end of the prefill
    nlohmann::ordered_json first_step_energy_;  // energy_until the end of the first decode step
    // Host wall clock at the ends of prefill and of the replay: decode's own wall time, which
    // the benchmark needs without the prompt's admission and trace parsing in it.
    std::chrono::steady_clock::time_point prefill_wall_end_, replay_wall_end_;
};

}  // namespace kelle
