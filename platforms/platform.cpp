#include "platform.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/config.h"
#include "common/error.h"
#include "common/initiator.h"
#include "common/units.h"

namespace kelle {

namespace {
const char* const kShapeKeys[] = {"layers", "heads", "kv_heads", "head_dim", "hidden", "ffn", "dtype_bytes"};

int shape_field(const ModelShape& m, const std::string& key) {
    if (key == "layers") return m.layers;
    if (key == "heads") return m.heads;
    if (key == "kv_heads") return m.kv_heads;
    if (key == "head_dim") return m.head_dim;
    if (key == "hidden") return m.hidden;
    if (key == "ffn") return m.ffn;
    return m.dtype_bytes;
}
}  // namespace

void declare_platform_parameters(ParamRegistry& registry) {
    registry.declare(param(ParamType::text, "platform", "kelle", "",
                          "name of the system this config describes"));
    registry.declare(param(ParamType::text, "model.name", "", "",
                          "if set, the trace's model name must match (empty: any)"));
    for (const char* key : kShapeKeys)
        registry.declare(param(ParamType::integer, std::string("model.") + key, "0", "",
                          std::string("if > 0, the trace's ") + key + " must match (0: any)").non_negative());
    registry.declare(param(ParamType::integer, "sim.transaction_bytes", "0", "B",
                          "largest TLM memory transaction: longer transfers go as several, issued together "
                          "(0: one per transfer); timing and energy stay the same up to rounding, transaction "
                          "counts and the per-transaction refresh.stall_ns sum change (docs/performance.md)")
                         .non_negative());
    PeConfig::declare(registry);
    KvConfig::declare(registry);
    EdramConfig::declare(registry);
    SramConfig::declare(registry);
    DramConfig::declare(registry);
}

void check_trace_against_config(const TraceHeader& header, const std::string& trace_path,
                                const ParamRegistry& registry) {
    const std::string& name = registry.get_text("model.name");
    if (!name.empty() && name != header.model.name)
        throw InputError(trace_path, 0, "model.name",
                         "trace is for '" + header.model.name + "' but the config (" +
                             registry.origin_of("model.name") + ") says '" + name + "'");
    for (const char* key : kShapeKeys) {
        const std::string full = std::string("model.") + key;
        const long long wanted = registry.get_int(full);
        const int actual = shape_field(header.model, key);
        if (wanted > 0 && wanted != actual)
            throw InputError(trace_path, 0, full,
                             "trace has " + std::to_string(actual) + " but the config (" +
                                 registry.origin_of(full) + ") says " + std::to_string(wanted));
    }
}

Platform::Platform(sc_core::sc_module_name name, const ParamRegistry& registry, TraceReader& trace,
                   std::uint64_t seed, HostInterface::Progress progress)
    : sc_core::sc_module(name), registry_(registry), trace_(trace), name_(registry.get_text("platform")) {
    check_time_resolution();
    TransactionIssuer::set_max_transaction_bytes(static_cast<std::uint64_t>(registry.get_int("sim.transaction_bytes")));
    const SramConfig sram = SramConfig::from(registry);
    const DramConfig dram = DramConfig::from(registry);
    PeConfig pe = PeConfig::from(registry);
    pe.buffer_bytes = sram.buffer_bytes;
    KvConfig kv = KvConfig::from(registry);
    kv.hardware = {pe.geometry, pe.clock_mhz, dram.bandwidth_gbps, dram.latency_ns};
    dram_ = std::make_unique<Dram>("dram", dram);
    buffer_ = std::make_unique<Sram>("buffer", sram, sram.buffer_bytes);
    pe_ = std::make_unique<PeArray>("pe_array", pe);

    // The KV store and the plan of its areas, which the KV cache manager places data by.
    KvAreaPlan plan;
    double important_share = 0;
    bool functional = false;
    if (kv.store == "edram") {
        EdramConfig edram = EdramConfig::from(registry);
        edram.seed = seed;
        functional = edram.functional;
        if (functional && kv.policy == "aerp")
            throw InputError(registry.origin_of("kv.policy"), 0, "kv.policy",
                             "aerp in functional mode is not built yet (x values are not stored)");
        if (functional && kv.batch > 1)
            throw InputError(registry.origin_of("workload.batch"), 0, "workload.batch",
                             "functional mode stores one sequence's values: it needs workload.batch = 1");
        plan = EdramController::area_plan(edram);
        important_share = edram.important_share;
        edram_ = std::make_unique<EdramController>("edram", edram, plan);
    } else {
        if (registry.get_bool("edram.functional"))
            throw InputError(registry.origin_of("edram.functional"), 0, "edram.functional",
                             "functional mode models eDRAM retention: it needs kv.store = edram");
        plan = plain_area_plan(sram.kv_capacity_bytes, sram.interleave_bytes);
        sram_kv_ = std::make_unique<Sram>("kv_store", sram, sram.kv_capacity_bytes);
    }
    kv_ = std::make_unique<KvCacheManager>("kv_cache", kv, trace.header(), plan, important_share, functional);
    host_ = std::make_unique<HostInterface>("host", trace, std::move(progress), kv.quantum_ns);
    host_->on_prefill_done([this] {
        if (edram_) edram_->refresh_until(now_ns());
        prefill_energy_ = energy_until(now_ns());
        prefill_wall_end_ = std::chrono::steady_clock::now();
    });
    host_->on_replay_end([this] {
        if (edram_) edram_->refresh_until(now_ns());
        replay_wall_end_ = std::chrono::steady_clock::now();
    });

    host_->initiator_socket.bind(kv_->target_socket);
    kv_->pe_socket.bind(pe_->target_socket);
    kv_->dram_socket.bind(dram_->target_socket);
    if (edram_) kv_->kv_socket.bind(edram_->target_socket);
    else kv_->kv_socket.bind(sram_kv_->target_socket);
    pe_->dram_socket.bind(dram_->target_socket);
    pe_->buffer_socket.bind(buffer_->target_socket);
}

void Platform::trace_signals(sc_core::sc_trace_file* file) {
    host_->trace(file);
    kv_->trace(file);
    pe_->trace(file);
    dram_->trace(file);
    buffer_->trace(file, "sram.buffer_busy");
    if (edram_) edram_->trace(file);
    if (sram_kv_) sram_kv_->trace(file, "sram.kv_busy");
}

namespace {
nlohmann::ordered_json group_stats(const std::vector<RefreshGroupStats>& groups) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const RefreshGroupStats& g : groups)
        out.push_back({{"name", g.name},
                       {"interval_us", g.interval_us},
                       {"rows", g.rows},
                       {"bursts", g.bursts},
                       {"rows_refreshed", g.rows_refreshed},
                       {"rows_skipped", g.rows_skipped},
                       {"energy_pj", g.refresh_energy_pj},
                       {"expected_bit_flips", g.expected_bit_flips},
                       {"actual_bit_flips", g.actual_bit_flips}});
    return out;
}
}  // namespace

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    return values[std::max<std::size_t>(rank, 1) - 1];
}

nlohmann::ordered_json Platform::energy_until(double at_ns) const {
    const PeStats& pe = pe_->stats();
    const MemoryStats& buffer = buffer_->stats();
    const MemoryStats sram_kv = sram_kv_ ? sram_kv_->stats() : MemoryStats{};
    const EdramStats edram = edram_ ? edram_->stats() : EdramStats{};
    nlohmann::ordered_json energy;
    energy["compute"] = pe.compute_energy_pj;
    energy["sram"] = buffer.access_energy_pj + sram_kv.access_energy_pj;
    energy["edram_access"] = edram.access.access_energy_pj;
    energy["edram_refresh"] = edram.refresh_energy_pj;
    energy["dram"] = dram_->stats().access_energy_pj;
    energy["static"] = static_mw()["total"].get<double>() * at_ns * kPjPerMwNs;
    double total = 0;
    for (const auto& item : energy.items()) total += item.value().get<double>();
    nlohmann::ordered_json out;
    out["total"] = total;
    for (const auto& item : energy.items()) out[item.key()] = item.value();
    return out;
}

nlohmann::ordered_json Platform::static_mw() const {
    nlohmann::ordered_json mw;
    mw["pe_array"] = pe_->config().static_mw;
    mw["sram_buffer"] = buffer_->static_mw();
    mw["sram_kv"] = sram_kv_ ? sram_kv_->static_mw() : 0.0;
    mw["edram"] = edram_ ? edram_->static_mw() : 0.0;
    mw["dram"] = dram_->config().static_mw;
    double total = 0;
    for (const auto& item : mw.items()) total += item.value().get<double>();
    mw["total"] = total;
    return mw;
}

nlohmann::ordered_json Platform::stats(double wall_time_s) const {
    using nlohmann::ordered_json;
    const HostStats& host = host_->stats();
    const PeStats& pe = pe_->stats();
    const KvStats& kv = kv_->stats();
    const MemoryStats& dram = dram_->stats();
    const MemoryStats& buffer = buffer_->stats();
    const MemoryStats sram_kv = sram_kv_ ? sram_kv_->stats() : MemoryStats{};
    const EdramStats edram = edram_ ? edram_->stats() : EdramStats{};
    const double sim_ns = host.end_ns;
    ordered_json static_mw_out = static_mw();
    static_mw_out.erase("total");

    const auto& latencies = host.token_latency_ns;
    const double mean_ns = latencies.empty() ? 0.0
                           : std::accumulate(latencies.begin(), latencies.end(), 0.0) / static_cast<double>(latencies.size());

    ordered_json out;
    out["schema"] = "kelle-stats/1";
    out["platform"] = name_;
    out["trace"] = trace_.path();
    out["model"] = trace_.header().model.name;
    out["prompt_tokens"] = trace_.header().prompt_tokens;
    out["batch"] = registry_.get_int("workload.batch");
    out["tokens"] = host.tokens;
    out["sim_time_s"] = sim_ns * 1e-9;
    out["wall_time_s"] = wall_time_s;
    out["decode_wall_time_s"] = std::chrono::duration<double>(replay_wall_end_ - prefill_wall_end_).count();
    out["tlm_transactions"] = kv.commands + pe.commands + dram.transactions + buffer.transactions +
                              sram_kv.transactions + edram.access.transactions;
    out["latency_per_token_ms"] = {{"mean", mean_ns * 1e-6},
                                   {"p50", percentile(latencies, 50) * 1e-6},
                                   {"p99", percentile(latencies, 99) * 1e-6},
                                   {"max", percentile(latencies, 100) * 1e-6}};
    out["ttft_ms"] = host.prefill_ns * 1e-6;
    out["energy_pj"] = energy_until(sim_ns);
    out["energy_pj_prefill"] = prefill_energy_;
    out["static_mw"] = static_mw_out;
    out["refresh"] = {{"policy", edram_ ? edram_->config().refresh_policy : "none"},
                      {"interval_us", edram_ ? edram_->config().refresh_interval_us : 0.0},
                      {"bursts", edram.refresh_bursts},
                      {"rows_refreshed", edram.rows_refreshed},
                      {"rows_skipped", edram.rows_skipped},
                      {"rows_refreshed_per_bank", edram.rows_refreshed_per_bank},
                      {"groups", group_stats(edram.groups)},
                      {"stall_ns", edram.refresh_stall_ns}};
    out["kv"] = {{"policy", registry_.get_text("kv.policy")},
                 {"store", registry_.get_text("kv.store")},
                 {"evictions", kv.evictions},
                 {"recomputes", kv.recomputes},
                 {"x_tier_tokens", kv_->x_tier_tokens()},
                 {"class_moves", kv.class_moves},
                 {"resident_tokens_max", kv.resident_tokens_max},
                 {"onchip_bytes_max", kv.onchip_kv_bytes_max},
                 {"attention_mass_retained",
                  {{"mean", kv.attention_mass_samples ? kv.attention_mass_sum / static_cast<double>(kv.attention_mass_samples) : 1.0},
                   {"min", kv.attention_mass_samples ? kv.attention_mass_min : 1.0}}}};
    out["retention"] = {{"expected_bit_flips", edram.expected_bit_flips},
                        {"functional", edram_ && edram_->config().functional},
                        {"actual_bit_flips", edram.actual_bit_flips},
                        {"values_checked", kv.values_checked},
                        {"corrupted_values", kv.corrupted_values},
                        {"value_rel_error", kv.value_rel_error()}};
    const auto& errors = kv.output_rel_errors;
    out["kv"]["output_rel_error"] = {
        {"mean", errors.empty() ? 0.0 : std::accumulate(errors.begin(), errors.end(), 0.0) / static_cast<double>(errors.size())},
        {"p99", percentile(errors, 99)}};
    out["traffic_bytes"] = {{"dram_read", dram.read_bytes},       {"dram_write", dram.write_bytes},
                            {"edram_read", edram.access.read_bytes}, {"edram_write", edram.access.write_bytes},
                            {"sram_read", buffer.read_bytes + sram_kv.read_bytes},
                            {"sram_write", buffer.write_bytes + sram_kv.write_bytes}};
    out["pe"] = {{"macs", pe.macs},
                 {"sfu_elements", pe.sfu_elements},
                 {"compare_elements", pe.compare_elements},
                 {"compute_s", pe.compute_ns * 1e-9},
                 {"weight_stream_s", pe.weight_stream_ns * 1e-9},
                 {"weight_bytes", pe.weight_bytes},
                 {"memory_bound_gemvs", pe.memory_bound_gemvs},
                 {"compute_bound_gemvs", pe.compute_bound_gemvs}};
    for (const auto& [matrix, bounds] : pe.bounds_by_matrix)
        out["pe"]["bound_by_matrix"][matrix] = {{"memory", bounds.memory}, {"compute", bounds.compute}};
    out["config"] = ordered_json::parse(registry_.to_json().dump());  // sorted keys: stable bytes
    return out;
}

}  // namespace kelle
