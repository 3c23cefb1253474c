#include "platform.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/config.h"
#include "common/error.h"
#include "common/initiator.h"
#include "common/units.h"
#include "cosim/evictor_choice.h"
#include "memory_bound.h"

namespace kelle {

void PlatformConfig::bind(ParamBinder& p) {
    p.text("platform", name, "kelle", "name of the system this config describes");
    p.text("model.name", model.name, "", "if set, the trace's model name must match (empty: any)");
    for (const auto& [key, member] : shape_fields())
        p.integer("model." + key, model.*member, "0", "", "if > 0, the trace's " + key + " must match (0: any)")
            .non_negative();
    p.integer("sim.transaction_bytes", transaction_bytes, "0", "B",
              "largest TLM memory transaction: longer transfers go as several, issued together (0: one per "
              "transfer); timing and energy stay the same up to rounding, transaction counts and the "
              "per-transaction refresh.stall_ns sum change (docs/performance.md)")
        .non_negative().at_most(1ULL << 40);
    p.choice("kv.onchip_capacity", kv_capacity, "stated", kKvCapacityRules,
             "stated: the on-chip KV store is edram.capacity_mb or sram.kv_capacity_mb; retained: it holds the whole "
             "retained cache (an assumption the paper's headline needs, kelle-paper.md section 7; size, leakage and "
             "area in stats kv.onchip_capacity); retained_uncharged: that store, charged only the stated store's "
             "leakage and refresh energy (stats say charged = false)");
}

namespace {
// kv.onchip_capacity = retained: the smallest whole number of copies of the configured eDRAM
// that holds `needed_bytes`.
std::uint64_t edram_copies(const EdramConfig& edram, std::uint64_t needed_bytes) {
    const std::uint64_t stated = edram.capacity_bytes();
    return std::max<std::uint64_t>(1, (needed_bytes + stated - 1) / stated);
}

// Applies the capacity rule to the KV store's config (retained: large enough for
// `retained_bytes`; uncharged: at the stated store's leakage and refresh energy) and returns
// its stats entry: rule, size, the leakage and area that size really has, and whether they are
// charged.
nlohmann::ordered_json size_kv_store(KvCapacityRule rule, const KvConfig& kv, std::uint64_t retained_bytes,
                                     EdramConfig& edram, SramConfig& sram) {
    const bool on_edram = kv.store == KvStore::edram;
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
// checks every slot it reads, so it needs the new token's K/V written before the resident read.
void check_functional_mode(const ParamRegistry& registry, const KvConfig& kv, const EdramConfig& edram,
                           const SequencerConfig& sequencing) {
    if (!edram.functional) return;
    if (kv.store != KvStore::edram)
        throw registry.rule_error({"edram.functional", "kv.store"},
                                  "functional mode models eDRAM retention: it needs kv.store = edram");
    if (kv.policy == KvPolicy::aerp)
        throw registry.rule_error({"kv.policy", "edram.functional"},
                                  "aerp in functional mode is not built yet (x values are not stored)");
    if (kv.batch > 1)
        throw registry.rule_error({"workload.batch", "edram.functional"},
                                  "functional mode stores one sequence's values: it needs workload.batch = 1");
    if (sequencing.order == SchedOrder::overlap)
        throw registry.rule_error({"sched.order", "edram.functional"},
                                  "functional mode checks every slot read, the new token's too: it needs sched.order = "
                                  "serial (overlap reads the resident K/V before the new K/V is written)");
}

// cosim.lockstep = refresh|all: the eDRAM controller polls both schedulers (cosim/lockstep_refresh.h).
RefreshImpl lockstep_refresh_impl(const ParamRegistry& registry) {
    if (!has_refresh_impl(RefreshImpl::lockstep))
        throw InputError(registry.origin_of("cosim.lockstep"), 0, "cosim.lockstep",
                         "this build has no verilator (install it and re-run cmake; docs/cosim.md)");
    return RefreshImpl::lockstep;
}
}  // namespace

Platform::Platform(sc_core::sc_module_name name, const ParamRegistry& registry, TraceReader& trace,
                   std::uint64_t seed, HostInterface::Progress progress)
    : sc_core::sc_module(name), registry_(registry), trace_(trace), config_(load_params<PlatformConfig>(registry)) {
    check_time_resolution();
    TransactionIssuer::set_max_transaction_bytes(config_.transaction_bytes);
    SramConfig sram = load_params<SramConfig>(registry);
    const DramConfig dram = load_params<DramConfig>(registry);
    PeConfig pe = load_params<PeConfig>(registry);
    pe.buffer_bytes = sram.buffer_bytes();
    pe.weight_sram_bytes = sram.weight_bytes();
    SequencerConfig sequencing = load_params<SequencerConfig>(registry);
    sequencing.facts = {pe.geometry, pe.clock_mhz, dram.bandwidth_gbps, dram.latency_ns};
    if (pe.weight_sram_bytes > 0) {
        sequencing.facts.weight_sram_bytes_per_ns = sram.weight_gbps;
        sequencing.facts.weight_sram_latency_ns = sram.access_cycles * 1e3 / sram.clock_mhz;
    }
    KvConfig kv = load_params<KvConfig>(registry);
    kv.batch = sequencing.batch;
    EdramConfig edram = load_params<EdramConfig>(registry);
    edram.seed = seed;
    sequencing.act_edram = {sequencing.act_edram_kb * 1024, edram.row_bytes, edram.refresh_interval_us,
                            edram.refresh_pj_per_row, edram.static_mw_per_mb};
    check_functional_mode(registry, kv, edram, sequencing);
    dram_ = std::make_unique<Dram>("dram", dram);
    buffer_ = std::make_unique<Sram>("buffer", sram, sram.buffer_bytes(), SramRole::buffer);
    if (pe.weight_sram_bytes > 0)
        weight_sram_ =
            std::make_unique<Sram>("weight_sram", sram.weight_sram(), sram.weight_bytes(), SramRole::weights);
    pe_ = std::make_unique<PeArray>("pe_array", pe);

    // The KV store and the plan of its areas, which the KV cache places data by.
    const TraceHeader& header = trace.header();
    const double important_share = kv.store == KvStore::edram ? edram.important_share : 0;
    const KvBudget budget = KvBudget::of(kv, header, sequencing.x_tier_limit_tokens(header.model), important_share);
    kv_capacity_ = size_kv_store(config_.kv_capacity, kv, budget.retained_cache_bytes(header.model, kv.batch), edram, sram);
    KvAreaPlan plan;
    if (kv.store == KvStore::edram) {
        if (load_params<CosimConfig>(registry).checks_refresh()) edram.refresh_impl = lockstep_refresh_impl(registry);
        plan = refresh_area_plan(edram);
        edram_ = std::make_unique<EdramController>("edram", edram, plan);
    } else {
        plan = plain_area_plan(sram.kv_capacity_bytes(), sram.interleave_bytes);
        sram_kv_ = std::make_unique<Sram>("kv_store", sram, sram.kv_capacity_bytes(), SramRole::kv);
    }
    evictor_ = make_evictor(pe.evictor_impl, load_params<CosimConfig>(registry), registry);
    const std::uint64_t context_tokens = static_cast<std::uint64_t>(header.prompt_tokens) + header.decode_steps;
    check_memory_bound(input_sized_memory(header.model, context_tokens, budget.held_tokens, sequencing.weight_bytes),
                       usable_memory_bytes(), trace.path());
    const std::uint64_t spill_base_address = WeightMap(header.model, sequencing.weight_bytes).end_address();
    kv_ = std::make_unique<KvCache>("kv_cache", kv, header, plan, budget, spill_base_address, edram.functional,
                                    evictor_.get());
    sequencer_ = std::make_unique<LayerSequencer>("sequencer", sequencing, header, *kv_);
    host_ = std::make_unique<HostInterface>("host", trace, std::move(progress), sequencing.quantum_ns);
    host_->on_prefill_done([this] {
        prefill_energy_ = energy_now();
        prefill_wall_end_ = std::chrono::steady_clock::now();
    });
    host_->on_first_step_done([this] { first_step_energy_ = energy_now(); });
    host_->on_replay_end([this] {
        refresh_until_now();
        replay_wall_end_ = std::chrono::steady_clock::now();
    });

    host_->initiator_socket.bind(sequencer_->target_socket);
    sequencer_->pe_socket.bind(pe_->target_socket);
    kv_->dram_socket.bind(dram_->target_socket);
    if (edram_) kv_->kv_socket.bind(edram_->target_socket);
    else kv_->kv_socket.bind(sram_kv_->target_socket);
    pe_->dram_socket.bind(dram_->target_socket);
    pe_->buffer_socket.bind(buffer_->target_socket);
    if (weight_sram_) pe_->weight_sram_socket.bind(weight_sram_->target_socket);
}

void Platform::for_each_module(const std::function<void(Observable&)>& visit) const {
    for (sc_core::sc_object* child : get_child_objects())
        if (auto* module = dynamic_cast<Observable*>(child)) visit(*module);
}

void Platform::trace_rtl(const std::string& vcd_stem) {
    if (evictor_) evictor_->open_waveform(vcd_stem + ".evictor.vcd");
}

void Platform::trace_signals(sc_core::sc_trace_file* file) {
    for_each_module([file](Observable& module) { module.trace(file); });
}

namespace {
// The stats' key order and the zero of every component a platform may lack (docs/stats.md).
nlohmann::ordered_json energy_skeleton() {
    return {{"energy", {{"compute", 0.0}, {"sram", 0.0}, {"sram_weights", 0.0}, {"edram_access", 0.0},
                        {"edram_refresh", 0.0}, {"act_edram_refresh", 0.0}, {"dram", 0.0}}},
            {"static_mw", {{"pe_array", 0.0}, {"evictor", 0.0}, {"sram_buffer", 0.0}, {"sram_kv", 0.0}, {"sram_weights", 0.0},
                           {"edram", 0.0}, {"act_edram", 0.0}, {"dram", 0.0}}}};
}

nlohmann::ordered_json stats_skeleton() {
    using nlohmann::ordered_json;
    return {{"schema", "kelle-stats/1"}, {"platform", ""}, {"trace", ""}, {"model", ""}, {"prompt_tokens", 0},
            {"batch", 0}, {"tokens", 0}, {"sim_time_s", 0.0}, {"wall_time_s", 0.0}, {"decode_wall_time_s", 0.0},
            {"tlm_transactions", 0}, {"latency_per_token_ms", ordered_json::object()}, {"ttft_ms", 0.0},
            {"energy_pj", ordered_json::object()}, {"energy_pj_prefill", ordered_json::object()},
            {"energy_pj_first_step", ordered_json::object()}, {"static_mw", ordered_json::object()},
            {"refresh", {{"policy", "none"}, {"interval_us", 0.0}, {"bursts", 0}, {"rows_refreshed", 0},
                         {"rows_skipped", 0}, {"rows_refreshed_per_bank", ordered_json::array()},
                         {"groups", ordered_json::array()}, {"stall_ns", 0.0}}},
            {"kv", ordered_json::object()},
            {"retention", {{"expected_bit_flips", 0.0}, {"functional", false}, {"actual_bit_flips", 0},
                           {"values_checked", 0}, {"corrupted_values", 0}, {"value_rel_error", 0.0}}},
            {"traffic_bytes", {{"dram_read", 0}, {"dram_write", 0}, {"edram_read", 0}, {"edram_write", 0},
                               {"sram_read", 0}, {"sram_write", 0}, {"sram_weights_read", 0},
                               {"sram_weights_write", 0}}},
            {"pe", ordered_json::object()},
            {"sched", {{"order", "serial"}, {"qkv_ns", 0.0}, {"kv_read_ns", 0.0}, {"span_ns", 0.0}}},
            {"act", {{"edram_kb", 0}, {"lifetime_ns", 0.0}, {"rows_refreshed", 0}}}};
}

double sum_of(const nlohmann::ordered_json& parts) {
    double total = 0;
    for (const auto& item : parts.items()) total += item.value().get<double>();
    return total;
}
}  // namespace

StatsReport Platform::energy_report() const {
    StatsReport report(energy_skeleton());
    for_each_module([&report](Observable& module) { module.report_energy(report); });
    return report;
}

void Platform::refresh_until_now() {
    // Performs only what the next access would: no result changes.
    if (edram_) edram_->refresh_until(now_ns());
}

nlohmann::ordered_json Platform::energy_now() {
    refresh_until_now();
    return energy_until(now_ns());
}

nlohmann::ordered_json Platform::energy_until(double at_ns) const {
    const StatsReport report = energy_report();
    nlohmann::ordered_json energy = report.json()["energy"];
    energy["static"] = sum_of(report.json()["static_mw"]) * at_ns * kPjPerMwNs;
    nlohmann::ordered_json out;
    out["total"] = sum_of(energy);
    for (const auto& item : energy.items()) out[item.key()] = item.value();
    return out;
}

nlohmann::ordered_json Platform::stats(double wall_time_s) const {
    using nlohmann::ordered_json;
    StatsReport report(stats_skeleton());
    for_each_module([&report](Observable& module) { module.report_stats(report); });
    report.set("platform", config_.name);
    report.set("trace", trace_.path());
    report.set("model", trace_.header().model.name);
    report.set("prompt_tokens", trace_.header().prompt_tokens);
    report.set("wall_time_s", wall_time_s);
    report.set("decode_wall_time_s", std::chrono::duration<double>(replay_wall_end_ - prefill_wall_end_).count());
    report.set("kv.onchip_capacity", kv_capacity_);
    report.set("energy_pj", energy_until(host_->stats().end_ns));
    report.set("energy_pj_prefill", prefill_energy_);
    report.set("energy_pj_first_step", first_step_energy_);
    report.set("static_mw", energy_report().json()["static_mw"]);
    ordered_json out = report.json();
    out["config"] = ordered_json::parse(registry_.to_json().dump());  // sorted keys: stable bytes
    return out;
}

}  // namespace kelle
