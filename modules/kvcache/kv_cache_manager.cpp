#include "kvcache/kv_cache_manager.h"

#include <algorithm>
#include <stdexcept>

#include "common/config.h"
#include "common/error.h"
#include "common/units.h"

namespace kelle {

void KvConfig::declare(ParamRegistry& registry) {
    registry.declare(param(ParamType::text, "kv.policy", "h2o", "",
                          "eviction policy (docs/kv-policies.md); streaming, aep and aerp are not built yet").one_of({"full", "window", "h2o"}));
    registry.declare(param(ParamType::integer, "kv.budget_tokens", "256", "tokens",
                          "tokens kept per (layer, KV head) by window and h2o (assumption: kelle-paper.md, "
                          "a few hundred to 1K)").positive());
    registry.declare(param(ParamType::integer, "kv.recent_tokens", "128", "tokens",
                          "h2o: most recent tokens always kept; half the budget as in H2O (assumption)").non_negative());
    registry.declare(param(ParamType::text, "kv.store", "edram", "",
                          "on-chip KV store: edram (Kelle) or sram (the baselines)").one_of({"edram", "sram"}));
}

KvConfig KvConfig::from(const ParamRegistry& registry) {
    KvConfig config;
    config.policy = registry.get_text("kv.policy");
    config.budget_tokens = static_cast<std::uint64_t>(registry.get_int("kv.budget_tokens"));
    config.recent_tokens = static_cast<std::uint64_t>(registry.get_int("kv.recent_tokens"));
    config.store = registry.get_text("kv.store");
    if (config.policy == "h2o" && config.recent_tokens >= config.budget_tokens)
        throw InputError(registry.origin_of("kv.recent_tokens"), 0, "kv.recent_tokens",
                         "must be smaller than kv.budget_tokens (" + std::to_string(config.budget_tokens) + ")");
    return config;
}

namespace {
std::uint64_t region_slots_for(const EvictionPolicy& policy, const TraceHeader& header) {
    const std::uint64_t all_positions =
        static_cast<std::uint64_t>(header.prompt_tokens) + static_cast<std::uint64_t>(header.decode_steps);
    return policy.budget_tokens() == 0 ? all_positions : std::min<std::uint64_t>(policy.budget_tokens(), all_positions);
}
}  // namespace

KvCacheManager::KvCacheManager(sc_core::sc_module_name name, const KvConfig& config, const TraceHeader& header,
                               std::uint64_t onchip_capacity_bytes)
    : sc_core::sc_module(name),
      target_socket("target_socket"),
      pe_socket("pe_socket"),
      kv_socket("kv_socket"),
      dram_socket("dram_socket"),
      config_(config),
      header_(header),
      policy_(make_eviction_policy(config.policy, config.budget_tokens, config.recent_tokens)),
      layout_(header.model, region_slots_for(*policy_, header), onchip_capacity_bytes) {
    const std::size_t regions = static_cast<std::size_t>(header.model.layers) * static_cast<std::size_t>(header.model.kv_heads);
    heads_.resize(regions);
    free_slots_.resize(regions);
    fresh_slot_.assign(regions, 0);
    target_socket.register_b_transport(this, &KvCacheManager::b_transport);
}

void KvCacheManager::trace(sc_core::sc_trace_file* file) {
    sc_core::sc_trace(file, resident_tokens_, "kv.resident_tokens");
}

void KvCacheManager::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    const LayerCommand* command = payload.get_extension<LayerCommand>();
    if (command == nullptr) {
        payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    const double start_ns = now_ns() + to_ns(delay);
    const double done_ns = command->phase == LayerCommand::Phase::load_prompt
                               ? load_prompt(command->layer, start_ns)
                               : decode_layer(*command, start_ns);
    ++stats_.commands;
    // The manager may have waited (sync), so the delay left is measured from the new now.
    delay = from_ns(done_ns - now_ns());
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

double KvCacheManager::sync(double t_ns) {
    const double now = now_ns();
    if (t_ns > now) sc_core::wait(from_ns(t_ns - now));
    return std::max(t_ns, now_ns());
}

void KvCacheManager::hint_liveness(int region, std::uint32_t slot, bool live, double t_ns) {
    const SlotLocation where = layout_.locate(region, slot);
    if (!where.onchip) return;  // DRAM refreshes itself: no hint
    hint_.address = where.address;
    hint_.bytes = layout_.slot_bytes();
    hint_.live = live;
    issuer_.command(kv_socket, hint_, t_ns);
}

void KvCacheManager::admit(int region, std::uint32_t position, double t_ns) {
    HeadCache& head = heads_[static_cast<std::size_t>(region)];
    auto& free = free_slots_[static_cast<std::size_t>(region)];
    if (policy_->budget_tokens() != 0 && head.size() >= policy_->budget_tokens()) {
        const KvToken victim = head.erase(policy_->victim(head));
        hint_liveness(region, victim.slot, false, t_ns);
        free.push_back(victim.slot);
        ++stats_.evictions;
        --resident_tokens_;
    }
    std::uint32_t slot;
    if (!free.empty()) {
        slot = free.back();
        free.pop_back();
    } else {
        slot = fresh_slot_[static_cast<std::size_t>(region)]++;
    }
    head.append(position, slot);
    hint_liveness(region, slot, true, t_ns);
    ++resident_tokens_;
    stats_.resident_tokens_max = std::max<std::uint64_t>(stats_.resident_tokens_max, head.size());
}

void KvCacheManager::update_footprint() {
    std::uint64_t onchip = 0;
    for (std::size_t region = 0; region < heads_.size(); ++region)
        for (const KvToken& token : heads_[region].tokens())
            if (layout_.slot_onchip(static_cast<int>(region), token.slot)) onchip += layout_.slot_bytes();
    stats_.onchip_kv_bytes_max = std::max(stats_.onchip_kv_bytes_max, onchip);
}

double KvCacheManager::transfer_region(int region, tlm::tlm_command command, double t_ns) {
    std::uint64_t onchip = 0, spilled = 0;
    for (const KvToken& token : heads_[static_cast<std::size_t>(region)].tokens())
        ++(layout_.slot_onchip(region, token.slot) ? onchip : spilled);
    double done_ns = t_ns;
    if (onchip > 0)
        done_ns = std::max(done_ns, issuer_.memory(kv_socket, command, layout_.onchip_base(region).address,
                                                   onchip * layout_.slot_bytes(), t_ns));
    if (spilled > 0)
        done_ns = std::max(done_ns, issuer_.memory(dram_socket, command, layout_.spill_base(region).address,
                                                   spilled * layout_.slot_bytes(), t_ns));
    return done_ns;
}

double KvCacheManager::write_slots(int region, std::uint64_t slot, double t_ns) {
    const SlotLocation where = layout_.locate(region, slot);
    return where.onchip ? issuer_.memory(kv_socket, tlm::TLM_WRITE_COMMAND, where.address, layout_.slot_bytes(), t_ns)
                        : issuer_.memory(dram_socket, tlm::TLM_WRITE_COMMAND, where.address, layout_.slot_bytes(), t_ns);
}

double KvCacheManager::load_prompt(int layer, double t_ns) {
    t_ns = sync(t_ns);
    double done_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        for (int position = 0; position < header_.prompt_tokens; ++position)
            admit(region, static_cast<std::uint32_t>(position), t_ns);
        done_ns = std::max(done_ns, transfer_region(region, tlm::TLM_WRITE_COMMAND, t_ns));
    }
    update_footprint();
    return done_ns;
}

double KvCacheManager::gemv(const KvLayout::Matrix& matrix, const char* label, double t_ns) {
    const std::uint64_t dtype = static_cast<std::uint64_t>(header_.model.dtype_bytes);
    pe_command_ = PeCommand{};
    pe_command_.kind = PeCommand::Kind::gemv;
    pe_command_.label = label;
    pe_command_.out_rows = matrix.out_rows;
    pe_command_.in_cols = matrix.in_cols;
    pe_command_.weight_address = matrix.address;
    pe_command_.weight_bytes = matrix.bytes;
    pe_command_.input_bytes = matrix.in_cols * dtype;
    pe_command_.output_bytes = matrix.out_rows * dtype;
    return issuer_.command(pe_socket, pe_command_, t_ns);
}

double KvCacheManager::attention(int layer, double t_ns) {
    const ModelShape& m = header_.model;
    const int group = m.heads / m.kv_heads;
    std::uint64_t resident_keys = 0;  // summed over query heads
    for (int kv_head = 0; kv_head < m.kv_heads; ++kv_head)
        resident_keys += heads_[static_cast<std::size_t>(layout_.region(layer, kv_head))].size() *
                         static_cast<std::uint64_t>(group);
    pe_command_ = PeCommand{};
    pe_command_.kind = PeCommand::Kind::attention;
    pe_command_.label = "attention";
    pe_command_.macs = 2 * resident_keys * static_cast<std::uint64_t>(m.head_dim);  // q.k and p.v
    pe_command_.sfu_elements = resident_keys;
    pe_command_.input_bytes = static_cast<std::uint64_t>(m.hidden * m.dtype_bytes);   // q
    pe_command_.output_bytes = static_cast<std::uint64_t>(m.hidden * m.dtype_bytes);  // attention output
    return issuer_.command(pe_socket, pe_command_, t_ns);
}

void KvCacheManager::accumulate(int layer, const StepScores& scores) {
    const ModelShape& m = header_.model;
    const int group = m.heads / m.kv_heads;
    for (int head = 0; head < m.heads; ++head) {
        HeadCache& cache = heads_[static_cast<std::size_t>(layout_.region(layer, head / group))];
        const double mass = cache.accumulate(scores.at(layer, head), scores.context_tokens);
        stats_.attention_mass_sum += mass;
        ++stats_.attention_mass_samples;
        stats_.attention_mass_min = std::min(stats_.attention_mass_min, mass);
    }
}

double KvCacheManager::decode_layer(const LayerCommand& command, double t_ns) {
    const int layer = command.layer;
    const auto position = static_cast<std::uint32_t>(command.scores->context_tokens - 1);
    t_ns = gemv(layout_.qkv(layer), "qkv", t_ns);

    t_ns = sync(t_ns);
    double written_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        admit(region, position, t_ns);
        written_ns = std::max(written_ns, write_slots(region, heads_[static_cast<std::size_t>(region)].tokens().back().slot, t_ns));
    }
    t_ns = sync(written_ns);
    double read_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head)
        read_ns = std::max(read_ns, transfer_region(layout_.region(layer, kv_head), tlm::TLM_READ_COMMAND, t_ns));

    t_ns = attention(layer, read_ns);
    t_ns = gemv(layout_.out_proj(layer), "out_proj", t_ns);
    t_ns = gemv(layout_.ffn_in(layer), "ffn_in", t_ns);
    t_ns = gemv(layout_.ffn_out(layer), "ffn_out", t_ns);
    accumulate(layer, *command.scores);
    if (layer == header_.model.layers - 1) update_footprint();
    return t_ns;
}

}  // namespace kelle
