// The machine a run builds, final before any module exists: every module's config loaded from
// the registry, then the values one module's config takes from another's (the derived values)
// computed in one place, load_machine(). Modules receive these configs const; stats.json echoes
// them, the derived values marked (docs/stats.md, `config_derived`).
//
// Derived values: the PE array's buffer and weight-SRAM sizes (sram.*), the x-tier sizing facts
// (pe.*, dram.*, sram.*), the KV cache's batch (workload.batch), the activation eDRAM's size and
// technology (act.*, edram.*), the seed, the KV store's size under kv.onchip_capacity and
// sram.capacity_scope, and the shape a token's K/V is stored in under kv.size_rule.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"
#include "common/kv_areas.h"
#include "trace/trace.h"
#include "cosim/cosim_config.h"
#include "dram/dram.h"
#include "edram/edram_config.h"
#include "kvcache/kv_budget.h"
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

struct MachineConfig {
    PlatformConfig platform;
    PeConfig pe;
    SequencerConfig sequencing;
    KvConfig kv;
    EdramConfig edram;
    SramConfig sram;
    DramConfig dram;
    CosimConfig cosim;
    TraceHeader kv_header;                 // the trace's header with the shape the KV store sizes by (kv.size_rule)
    KvBudget budget;                       // per (layer, KV head), from kv.* and the trace
    KvAreaPlan plan;                       // the KV store's areas, which the KV cache places data by
    std::uint64_t spill_base_address = 0;  // DRAM above the weights, where K/V that does not fit goes
    nlohmann::ordered_json kv_capacity;    // the store's size, leakage and area under its rule
    nlohmann::json parameters;             // every parameter as the files and --set gave it
    // Each derived value as the modules run with it, under its parameter's key where one holds it
    // (edram.capacity_mb under kv.onchip_capacity = retained), else under its module's section
    // and the config member it fills (pe.buffer_bytes).
    nlohmann::ordered_json derived = nlohmann::ordered_json::object();
};

// Loads every config and derives what spans modules. InputError for a rule across modules
// (functional mode's needs, the weight-load port), an RTL block this build lacks, naming the key
// and its origin, or a trace (`trace_path`) that would make the model reserve more memory than
// the process may use (memory_bound.h).
MachineConfig load_machine(const ParamRegistry& registry, const TraceHeader& header, const std::string& trace_path,
                           std::uint64_t seed);

}  // namespace kelle
