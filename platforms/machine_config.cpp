#include "machine_config.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/error.h"
#include "common/units.h"
#include "edram/refresh_manager.h"
#include "kvcache/eviction_unit.h"
#include "memory_bound.h"
#include "sequencer/weight_map.h"

namespace kelle {

void PlatformConfig::bind(ParamBinder& p) {
    p.text("platform", name, "name of the system this config describes");
    p.text("model.name", model.name, "if set, the trace's model name must match (empty: any)");
    for (const auto& [key, member] : shape_fields())
        p.integer("model." + key, model.*member, "", "if > 0, the trace's " + key + " must match (0: any)")
            .non_negative();
    p.integer("sim.transaction_bytes", transaction_bytes, "B",
              "largest TLM memory transaction: longer transfers go as several, issued together (0: one per "
              "transfer); timing and energy stay the same up to rounding, transaction counts and the "
              "per-transaction refresh.stall_ns sum change (docs/performance.md)")
        .non_negative().at_most(1ULL << 40);
    p.choice("kv.onchip_capacity", kv_capacity, kKvCapacityRules,
             "stated: the on-chip KV store is edram.capacity_mb or sram.kv_capacity_mb; retained: it holds the whole "
             "retained cache (an assumption the paper's headline needs, kelle-paper.md section 7; size, leakage and "
             "area in stats kv.onchip_capacity); retained_uncharged: that store, charged only the stated store's "
             "leakage and refresh energy (stats say charged = false)");
}

const std::vector<std::pair<std::string, int ModelShape::*>>& PlatformConfig::shape_fields() {
    static const std::vector<std::pair<std::string, int ModelShape::*>> fields{
        {"layers", &ModelShape::layers}, {"heads", &ModelShape::heads},   {"kv_heads", &ModelShape::kv_heads},
        {"head_dim", &ModelShape::head_dim}, {"hidden", &ModelShape::hidden}, {"ffn", &ModelShape::ffn},
        {"dtype_bytes", &ModelShape::dtype_bytes}};
    return fields;
}

void declare_platform_parameters(ParamRegistry& registry) {
    declare_params<PlatformConfig>(registry);
    declare_params<PeConfig>(registry);
    declare_params<KvConfig>(registry);
    declare_params<SequencerConfig>(registry);
    declare_params<EdramConfig>(registry);
    declare_params<SramConfig>(registry);
    declare_params<DramConfig>(registry);
    declare_params<CosimConfig>(registry);
}

void check_trace_against_config(const TraceHeader& header, const std::string& trace_path,
                                const ParamRegistry& registry) {
    const PlatformConfig config = load_params<PlatformConfig>(registry);
    if (!config.model.name.empty() && config.model.name != header.model.name)
        throw InputError(trace_path, 0, "model.name",
                         "trace is for '" + header.model.name + "' but the config (" +
                             registry.origin_of("model.name") + ") says '" + config.model.name + "'");
    for (const auto& [key, member] : PlatformConfig::shape_fields()) {
        const int wanted = config.model.*member;
        const int actual = header.model.*member;
        if (wanted > 0 && wanted != actual)
            throw InputError(trace_path, 0, "model." + key,
                             "trace has " + std::to_string(actual) + " but the config (" +
                                 registry.origin_of("model." + key) + ") says " + std::to_string(wanted));
    }
}

namespace {
// The rules that span modules: functional mode stores one sequence's K/V values in the eDRAM, and
// checks every slot it reads, so it needs the new token's K/V written before the resident read;
// the values it stores are the trace's, so the store must hold them at the model's own width.
void check_functional_mode(const ParamRegistry& registry, const MachineConfig& m, const ModelShape& model) {
    if (!m.edram.functional) return;
    if (m.kv.store != KvStore::edram)
        throw registry.rule_error({"edram.functional", "kv.store"},
                                  "functional mode models eDRAM retention: it needs kv.store = edram");
    if (m.kv.policy == KvPolicy::aerp)
        throw registry.rule_error({"kv.policy", "edram.functional"},
                                  "aerp in functional mode is not built yet (x values are not stored)");
    if (m.kv_header.model.head_dim != model.head_dim)
        throw registry.rule_error({"kv.size_rule", "edram.functional"},
                                  "functional mode stores the trace's K/V values, head_dim wide: on this grouped-query "
                                  "trace it needs kv.size_rule = model");
    if (m.sequencing.batch > 1)
        throw registry.rule_error({"workload.batch", "edram.functional"},
                                  "functional mode stores one sequence's values: it needs workload.batch = 1");
    if (m.sequencing.order == SchedOrder::overlap)
        throw registry.rule_error({"sched.order", "edram.functional"},
                                  "functional mode checks every slot read, the new token's too: it needs sched.order = "
                                  "serial (overlap reads the resident K/V before the new K/V is written)");
}

// The array loads its weight tiles from the weight SRAM's read port (pe.tile_model =
// double_buffered): it cannot take them faster than that port gives them.
void check_weight_load(const ParamRegistry& registry, const MachineConfig& m) {
    const PeConfig& pe = m.pe;
    if (pe.weight_sram_bytes == 0 || pe.geometry.tile_model != TileModel::double_buffered) return;
    const double port_bytes_per_cycle = m.sram.weight_gbps * 1e3 / pe.clock_mhz;  // B/ns over GHz
    if (static_cast<double>(pe.geometry.weight_load_bytes_per_cycle) > port_bytes_per_cycle) {
        std::ostringstream message;
        message << pe.geometry.weight_load_bytes_per_cycle << " B/cycle is more than the weight SRAM's port gives: "
                << port_bytes_per_cycle << " B/cycle (sram.weight_gbps at clock_mhz)";
        throw registry.rule_error({"pe.weight_load_bytes_per_cycle", "sram.weight_gbps", "clock_mhz"}, message.str());
    }
}

// The one place that asks whether this build has the RTL blocks a run names (verilator found at
// build time and the block registered by main).
void check_rtl_blocks(const ParamRegistry& registry, const MachineConfig& m) {
    const auto missing = [&registry](const char* key, const std::string& what) {
        return InputError(registry.origin_of(key), 0, key,
                          what + " needs verilator, which this build has not (install it and re-run cmake; docs/cosim.md)");
    };
    if (m.edram.refresh_impl == RefreshImpl::rtl && !has_refresh_impl(RefreshImpl::rtl))
        throw missing("edram.refresh_impl", "the RTL refresh scheduler");
    if (m.cosim.checks_refresh() && m.kv.store == KvStore::edram && !has_refresh_impl(RefreshImpl::lockstep))
        throw missing("cosim.lockstep", "the refresh lockstep");
    if (m.cosim.checks_evictor() && !has_evictor_impl("rtl")) throw missing("cosim.lockstep", "the evictor lockstep");
    if (m.pe.evictor_impl == EvictorImpl::rtl && !has_evictor_impl("rtl"))
        throw missing("pe.evictor_impl", "the RTL evictor");
    const bool rtl_evictor = m.cosim.checks_evictor() || m.pe.evictor_impl == EvictorImpl::rtl;
    if (rtl_evictor && !has_evictor_impl("rtl", m.kv.registers.bits))
        throw registry.rule_error({"pe.score_bits", m.cosim.checks_evictor() ? "cosim.lockstep" : "pe.evictor_impl"},
                                  "the RTL evictor is built with 64-bit (exact) or 4-bit (the paper's) scores, not " +
                                      std::to_string(m.kv.registers.bits));
}

// sram.capacity_scope = total: sram.kv_capacity_mb is the SRAM baseline's whole SRAM, and its KV
// store what the activation buffer and the weight SRAM leave of it.
void apply_sram_scope(const ParamRegistry& registry, MachineConfig& m) {
    if (m.sram.capacity_scope != SramScope::total || m.kv.store != KvStore::sram) return;
    const double others_mb = static_cast<double>(m.sram.buffer_bytes() + m.sram.weight_bytes()) / kBytesPerMb;
    if (m.sram.kv_capacity_mb <= others_mb)
        throw InputError(registry.origin_of("sram.kv_capacity_mb"), 0, "sram.kv_capacity_mb",
                         "with sram.capacity_scope = total it must exceed the buffer and weight SRAM (" +
                             std::to_string(others_mb) + " MB) to leave room for the KV store");
    m.derived["sram.kv_capacity_mb"] = m.sram.kv_capacity_mb -= others_mb;
}

TraceHeader stored_kv_header(const ParamRegistry& registry, const TraceHeader& header, KvSizeRule rule) {
    TraceHeader stored = header;
    try {
        stored.model = stored_kv_shape(header.model, rule);
    } catch (const std::invalid_argument& error) {
        throw InputError(registry.origin_of("kv.size_rule"), 0, "kv.size_rule", error.what());
    }
    return stored;
}

// kv.onchip_capacity = retained: the smallest whole number of copies of the configured eDRAM
// that holds `needed_bytes`.
std::uint64_t edram_copies(const EdramConfig& edram, std::uint64_t needed_bytes) {
    const std::uint64_t stated = edram.capacity_bytes();
    return std::max<std::uint64_t>(1, (needed_bytes + stated - 1) / stated);
}

// Applies the capacity rule to the KV store's config (retained: large enough for the retained
// cache; uncharged: at the stated store's leakage and refresh energy) and returns its stats
// entry: rule, size, the leakage and area that size really has, and whether they are charged.
nlohmann::ordered_json size_kv_store(MachineConfig& m, const ModelShape& model) {
    const KvCapacityRule rule = m.platform.kv_capacity;
    EdramConfig& edram = m.edram;
    SramConfig& sram = m.sram;
    const bool on_edram = m.kv.store == KvStore::edram;
    const std::uint64_t retained_bytes = m.budget.retained_cache_bytes(model, m.kv.batch);
    const double stated_mb = on_edram ? edram.capacity_mb : sram.kv_capacity_mb;
    if (rule != KvCapacityRule::stated && on_edram) {
        const std::uint64_t copies = edram_copies(edram, retained_bytes);
        edram.capacity_mb *= static_cast<double>(copies);
        edram.refresh_subarrays *= copies;
    } else if (rule != KvCapacityRule::stated) {
        sram.kv_capacity_mb = std::max(sram.kv_capacity_mb, static_cast<double>(retained_bytes) / kBytesPerMb);
    }
    const double store_mb = on_edram ? edram.capacity_mb : sram.kv_capacity_mb;
    const double mw_per_mb = on_edram ? edram.static_mw_per_mb : sram.static_mw_per_mb;
    nlohmann::ordered_json entry = {{"rule", kKvCapacityRules.name(rule)},
                                    {"bytes", on_edram ? edram.capacity_bytes() : sram.kv_capacity_bytes()},
                                    {"leakage_mw", store_mb * mw_per_mb},
                                    {"area_mm2", store_mb * (on_edram ? edram.area_mm2_per_mb : sram.area_mm2_per_mb)},
                                    {"charged", rule != KvCapacityRule::retained_uncharged}};
    if (rule == KvCapacityRule::retained_uncharged) {
        const double stated_share = stated_mb / store_mb;  // every row and MB now costs this much
        (on_edram ? edram.static_mw_per_mb : sram.static_mw_per_mb) *= stated_share;
        if (on_edram) edram.refresh_pj_per_row *= stated_share;
    }
    return entry;
}
}  // namespace

MachineConfig load_machine(const ParamRegistry& registry, const TraceHeader& header, const std::string& trace_path,
                           std::uint64_t seed) {
    MachineConfig m;
    m.parameters = registry.to_json();
    m.platform = load_params<PlatformConfig>(registry);
    m.pe = load_params<PeConfig>(registry);
    m.sequencing = load_params<SequencerConfig>(registry);
    m.kv = load_params<KvConfig>(registry);
    m.edram = load_params<EdramConfig>(registry);
    m.sram = load_params<SramConfig>(registry);
    m.dram = load_params<DramConfig>(registry);
    m.cosim = load_params<CosimConfig>(registry);
    check_rtl_blocks(registry, m);
    nlohmann::ordered_json& d = m.derived;

    d["pe.buffer_bytes"] = m.pe.buffer_bytes = m.sram.buffer_bytes();
    d["pe.weight_sram_bytes"] = m.pe.weight_sram_bytes = m.sram.weight_bytes();
    check_weight_load(registry, m);
    IdleComputeFacts& facts = m.sequencing.facts;
    facts = {m.pe.geometry, m.pe.clock_mhz, m.dram.bandwidth_gbps, m.dram.latency_ns};
    if (m.pe.weight_sram_bytes > 0) {
        facts.weight_sram_bytes_per_ns = m.sram.weight_gbps;
        facts.weight_sram_latency_ns = m.sram.access_cycles * 1e3 / m.sram.clock_mhz;
    }
    d["sequencer.weight_sram_latency_ns"] = facts.weight_sram_latency_ns;
    d["kv.batch"] = m.kv.batch = m.sequencing.batch;
    d["edram.seed"] = m.edram.seed = seed;
    ActivationEdramConfig& act = m.sequencing.act_edram;
    act.capacity_bytes = m.sequencing.act_edram_kb * 1024;
    act.row_bytes = m.edram.row_bytes;
    act.refresh_pj_per_row = m.edram.refresh_pj_per_row;
    act.static_mw_per_mb = m.edram.static_mw_per_mb;
    d["act.capacity_bytes"] = act.capacity_bytes;
    d["act.row_bytes"] = act.row_bytes;
    d["act.refresh_pj_per_row"] = act.refresh_pj_per_row;
    d["act.static_mw_per_mb"] = act.static_mw_per_mb;

    apply_sram_scope(registry, m);
    m.kv_header = stored_kv_header(registry, header, m.kv.size_rule);
    d["kv.stored_head_dim"] = m.kv_header.model.head_dim;
    check_functional_mode(registry, m, header.model);
    const double important_share = m.kv.store == KvStore::edram ? m.edram.important_share : 0;
    // The x tier's size is what the array recomputes: the model's arithmetic, not the stored shape.
    m.budget = KvBudget::of(m.kv, m.kv_header, m.sequencing.x_tier_limit_tokens(header.model), important_share);
    const std::uint64_t context_tokens = static_cast<std::uint64_t>(header.prompt_tokens) + header.decode_steps;
    check_memory_bound(input_sized_memory(header.model, context_tokens, m.budget.held_tokens, m.sequencing.weight_bytes),
                       usable_memory_bytes(), trace_path);
    m.kv_capacity = size_kv_store(m, m.kv_header.model);
    if (m.platform.kv_capacity != KvCapacityRule::stated) {
        d["edram.capacity_mb"] = m.edram.capacity_mb;
        d["edram.refresh_subarrays"] = m.edram.refresh_subarrays;
        d["edram.static_mw_per_mb"] = m.edram.static_mw_per_mb;
        d["edram.refresh_pj_per_row"] = m.edram.refresh_pj_per_row;
        d["sram.kv_capacity_mb"] = m.sram.kv_capacity_mb;
        d["sram.static_mw_per_mb"] = m.sram.static_mw_per_mb;
    }
    if (m.kv.store == KvStore::edram) {
        if (m.cosim.checks_refresh()) m.edram.refresh_impl = RefreshImpl::lockstep;
        m.plan = refresh_area_plan(m.edram);
    } else {
        m.plan = plain_area_plan(m.sram.kv_capacity_bytes(), m.sram.interleave_bytes);
    }
    m.spill_base_address = WeightMap(header.model, m.sequencing.weight_bytes).end_address();
    return m;
}

}  // namespace kelle
