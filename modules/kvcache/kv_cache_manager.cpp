#include "kvcache/kv_cache_manager.h"

#include <algorithm>
#include <stdexcept>

#include "common/config.h"
#include "common/error.h"
#include "common/units.h"

namespace kelle {

void KvConfig::declare(ParamRegistry& registry) {
    registry.declare(param(ParamType::text, "kv.policy", "h2o", "",
                          "eviction policy (docs/kv-policies.md)")
                         .one_of({"full", "window", "streaming", "h2o", "aep", "aerp"}));
    registry.declare(param(ParamType::integer, "kv.budget_tokens", "256", "tokens",
                          "tokens kept per (layer, KV head) by every policy but full (assumption: kelle-paper.md, "
                          "a few hundred to 1K)").positive());
    registry.declare(param(ParamType::integer, "kv.recent_tokens", "128", "tokens",
                          "h2o and aep: most recent tokens always kept; half the budget as in H2O (assumption)")
                         .non_negative());
    registry.declare(param(ParamType::real, "kv.recompute_share", "0.5", "",
                          "aerp: part of each head's budget kept as the layer input x, K/V recomputed "
                          "(assumption: kelle-paper.md, 'part of the retained tokens')")
                         .non_negative().at_most(1));
    registry.declare(param(ParamType::text, "kv.recompute_sizing", "share", "",
                          "aerp: share keeps kv.recompute_share of the budget as x; idle_compute keeps as many "
                          "tokens as the PE array can recompute while it waits for W_QKV to stream "
                          "(from pe.*, clock_mhz, dram.*, the model and the batch; kv.recompute_share unused)")
                         .one_of({"share", "idle_compute"}));
    registry.declare(param(ParamType::integer, "kv.sink_tokens", "4", "tokens",
                          "streaming: first positions always kept, as StreamingLLM's 4 attention sinks")
                         .non_negative());
    registry.declare(param(ParamType::integer, "workload.batch", "1", "sequences",
                          "sequences decoded together: each has its own KV cache, all share every weight "
                          "stream (assumption: the trace drives all of them, docs/kv-policies.md)").positive());
    registry.declare(param(ParamType::boolean, "workload.prefill_compute", "true", "",
                          "time the prompt's prefill (GEMMs and causal attention) before decode; false puts "
                          "the prompt's K/V in the store with only the write's time, for decode-only studies"));
    // Declared here because the KV cache manager is the initiator whose syncs meet the refresh;
    // the host follows the same quantum.
    registry.declare(param(ParamType::real, "sim.quantum_ns", "0", "ns",
                          "temporal decoupling: the KV cache manager and the host run up to this far ahead of "
                          "simulated time before they sync; 0 syncs at every point (exact); larger values let "
                          "refresh bursts yield to accesses (tolerances in docs/performance.md)").non_negative());
    registry.declare(param(ParamType::text, "kv.store", "edram", "",
                          "on-chip KV store: edram (Kelle) or sram (the baselines)").one_of({"edram", "sram"}));
}

KvConfig KvConfig::from(const ParamRegistry& registry) {
    KvConfig config;
    config.policy = registry.get_text("kv.policy");
    config.budget_tokens = static_cast<std::uint64_t>(registry.get_int("kv.budget_tokens"));
    config.recent_tokens = static_cast<std::uint64_t>(registry.get_int("kv.recent_tokens"));
    config.store = registry.get_text("kv.store");
    config.sink_tokens = static_cast<std::uint64_t>(registry.get_int("kv.sink_tokens"));
    config.recompute_share = registry.get_real("kv.recompute_share");
    config.x_tier_fits_idle_compute = registry.get_text("kv.recompute_sizing") == "idle_compute";
    config.batch = static_cast<std::uint64_t>(registry.get_int("workload.batch"));
    config.prefill_compute = registry.get_bool("workload.prefill_compute");
    config.quantum_ns = registry.get_real("sim.quantum_ns");
    if (config.policy == "streaming" && config.sink_tokens >= config.budget_tokens)
        throw InputError(registry.origin_of("kv.sink_tokens"), 0, "kv.sink_tokens",
                         "must be smaller than kv.budget_tokens (" + std::to_string(config.budget_tokens) + ")");
    if ((config.policy == "h2o" || config.policy == "aep" || config.policy == "aerp") &&
        config.recent_tokens >= config.budget_tokens)
        throw InputError(registry.origin_of("kv.recent_tokens"), 0, "kv.recent_tokens",
                         "must be smaller than kv.budget_tokens (" + std::to_string(config.budget_tokens) + ")");
    return config;
}

namespace {
std::uint64_t all_positions(const TraceHeader& header) {
    return static_cast<std::uint64_t>(header.prompt_tokens) + static_cast<std::uint64_t>(header.decode_steps);
}
std::uint64_t region_slots_for(const EvictionPolicy& policy, const TraceHeader& header) {
    return policy.budget_tokens() == 0 ? all_positions(header)
                                       : std::min<std::uint64_t>(policy.budget_tokens(), all_positions(header));
}
// 2DRP's ranking for the important class: more accumulated attention first, older on ties.
bool ranks_before(const KvToken& a, const KvToken& b) {
    return a.importance != b.importance ? a.importance > b.importance : a.position < b.position;
}
std::uint64_t budget_for(const KvConfig& config, const TraceHeader& header) {
    return std::min<std::uint64_t>(config.budget_tokens, all_positions(header));
}
// x tokens per layer whose K and V the array can recompute while it would otherwise wait for
// W_QKV (the decode QKV projection is memory bound at small batches): the stream's time less
// the projection's own compute, over one x token's 2 kv_dim x hidden MACs, all for `batch`
// sequences (pe_timing.h's tile counts, pe_array.h's timing).
std::uint64_t idle_compute_x_tokens(const KvConfig& config, const ModelShape& m) {
    const KvConfig::Hardware& hw = config.hardware;
    const PeGeometry& pe = hw.pe;
    const auto d = static_cast<std::uint64_t>(m.hidden);
    const auto qkv_rows = d + 2 * static_cast<std::uint64_t>(m.kv_dim());
    const double ns_per_cycle = 1e3 / hw.clock_mhz;
    const double stream_ns =
        static_cast<double>(qkv_rows * d * static_cast<std::uint64_t>(m.dtype_bytes)) / hw.dram_bytes_per_ns + hw.dram_latency_ns;
    const double projection_ns = static_cast<double>(gemm_cycles(pe, qkv_rows, d, config.batch)) * ns_per_cycle;
    const double per_x_ns =
        static_cast<double>(gemm_cycles(pe, 2 * static_cast<std::uint64_t>(m.kv_dim()), d, config.batch)) * ns_per_cycle;
    return stream_ns > projection_ns ? static_cast<std::uint64_t>((stream_ns - projection_ns) / per_x_ns) : 0;
}
// AERP: the x tier and the K/V tier of each head, and the x entries of all layers (every head
// could keep a different x token, so a layer may need x for kv_heads x the x tier).
std::uint64_t x_share_tokens(const KvConfig& config, const TraceHeader& header) {
    const std::uint64_t budget = budget_for(config, header);
    if (config.x_tier_fits_idle_compute) return std::min(budget, idle_compute_x_tokens(config, header.model));
    return static_cast<std::uint64_t>(config.recompute_share * static_cast<double>(budget));
}
std::uint64_t kv_tier_for(const KvConfig& config, const TraceHeader& header) {
    return budget_for(config, header) - x_share_tokens(config, header);
}
std::uint64_t x_entries_for(const KvConfig& config, const TraceHeader& header) {
    return x_share_tokens(config, header) * static_cast<std::uint64_t>(header.model.kv_heads) *
           static_cast<std::uint64_t>(header.model.layers);
}
}  // namespace

KvCacheManager::KvCacheManager(sc_core::sc_module_name name, const KvConfig& config, const TraceHeader& header,
                               const KvAreaPlan& plan, double important_share, bool functional)
    : sc_core::sc_module(name),
      target_socket("target_socket"),
      pe_socket("pe_socket"),
      kv_socket("kv_socket"),
      dram_socket("dram_socket"),
      config_(config),
      header_(header),
      functional_(functional),
      keeper_(config.quantum_ns),
      policy_(make_eviction_policy(config.policy, config.budget_tokens, config.recent_tokens, config.sink_tokens)),
      aerp_(config.policy == "aerp"),
      x_tier_tokens_(aerp_ ? x_share_tokens(config, header) : 0),
      kv_tier_slots_(aerp_ ? kv_tier_for(config, header) : region_slots_for(*policy_, header)),
      layout_(header.model, kv_tier_slots_, plan,
              static_cast<std::uint64_t>(important_share * static_cast<double>(kv_tier_slots_)),
              aerp_ ? x_entries_for(config, header) : 0, config.batch) {
    const std::size_t regions = static_cast<std::size_t>(header.model.layers) * static_cast<std::size_t>(header.model.kv_heads);
    heads_.resize(regions);
    for (HeadCache& head : heads_) head.reserve(region_slots_for(*policy_, header));
    free_slots_.resize(regions);
    if (aerp_) x_by_position_.resize(static_cast<std::size_t>(header.model.layers));
    const auto first_of = [this](int c) { return static_cast<std::uint32_t>(layout_.first_slot(c)); };
    fresh_slot_.assign(regions, {first_of(0), first_of(1)});
    for (auto* buffer : {&values_a_, &values_b_, &reference_}) buffer->resize(static_cast<std::size_t>(values_per_slot()));
    if (functional_) {
        full_cache_v_sum_.assign(regions * static_cast<std::size_t>(header.model.head_dim), 0.0f);
        reference_output_.resize(static_cast<std::size_t>(header.model.head_dim));
    }
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
                               ? load_prompt(command->layer, command->scores, start_ns)
                               : decode_layer(*command, start_ns);
    ++stats_.commands;
    // The manager may have waited (sync), so the delay left is measured from the new now.
    delay = from_ns(done_ns - now_ns());
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

double KvCacheManager::sync(double t_ns) {
    if (!keeper_.may_run_ahead(t_ns)) QuantumKeeper::wait_until(t_ns);
    return std::max(t_ns, now_ns());
}

void KvCacheManager::hint_extents(const Extent* pieces, int count, bool live, double t_ns) {
    for (int i = 0; i < count; ++i) {
        if (!pieces[i].onchip) continue;  // DRAM refreshes itself: no hint
        hint_.address = pieces[i].address;
        hint_.bytes = pieces[i].bytes;
        hint_.live = live;
        issuer_.command(kv_socket, hint_, t_ns);
    }
}

void KvCacheManager::hint_liveness(int region, std::uint32_t slot, bool live, double t_ns) {
    Extent pieces[2];
    hint_extents(pieces, layout_.pieces(region, slot, pieces), live, t_ns);
}

std::uint32_t KvCacheManager::take_slot(int region, int preferred_class) {
    const auto r = static_cast<std::size_t>(region);
    for (const int c : {preferred_class, 1 - preferred_class}) {
        if (c >= layout_.classes()) continue;
        auto& free = free_slots_[r][static_cast<std::size_t>(c)];
        std::uint32_t slot;
        if (!free.empty()) {
            slot = free.back();
            free.pop_back();
        } else {
            std::uint32_t& fresh = fresh_slot_[r][static_cast<std::size_t>(c)];
            if (fresh >= layout_.first_slot(c) + layout_.class_slots(c)) continue;
            slot = fresh++;
        }
        if (layout_.slot_onchip(region, slot)) ++onchip_slots_;
        return slot;
    }
    throw std::logic_error("KV region has no free slot: the budget and the region size disagree");
}

void KvCacheManager::release_slot(int region, std::uint32_t slot, double t_ns) {
    hint_liveness(region, slot, false, t_ns);
    if (layout_.slot_onchip(region, slot)) --onchip_slots_;
    free_slots_[static_cast<std::size_t>(region)][static_cast<std::size_t>(layout_.class_of(slot))].push_back(slot);
}

void KvCacheManager::admit(int region, std::uint32_t position, double t_ns, double importance, FrozenVictims* frozen) {
    HeadCache& head = heads_[static_cast<std::size_t>(region)];
    const int layer = region / header_.model.kv_heads;
    if (policy_->budget_tokens() != 0 && head.size() >= policy_->budget_tokens()) {
        const KvToken victim = head.erase(frozen ? policy_->victim(head, *frozen) : policy_->victim(head));
        if (victim.as_x) release_x(layer, victim.position, t_ns);
        else release_slot(region, victim.slot, t_ns);
        ++stats_.evictions;
        --resident_tokens_;
    }
    if (aerp_ && head.kv_tokens() >= kv_tier_slots_) {  // the K/V tier is full: keep x
        head.append(position, acquire_x(layer, position, t_ns), importance, true);
        ++resident_tokens_;
        stats_.resident_tokens_max = std::max<std::uint64_t>(stats_.resident_tokens_max, head.size());
        return;
    }
    // A new token has no attention yet: with two classes it starts unimportant.
    const std::uint32_t slot = take_slot(region, layout_.classes() - 1);
    head.append(position, slot, importance);
    hint_liveness(region, slot, true, t_ns);
    if (functional_) add_to_full_cache(region, position);
    ++resident_tokens_;
    stats_.resident_tokens_max = std::max<std::uint64_t>(stats_.resident_tokens_max, head.size());
}

void KvCacheManager::update_footprint() {
    const std::uint64_t onchip = onchip_slots_ * layout_.slot_bytes() + onchip_x_ * layout_.x_bytes();
    stats_.onchip_kv_bytes_max = std::max(stats_.onchip_kv_bytes_max, onchip);
}

bool KvCacheManager::classes_settled(const std::vector<KvToken>& tokens, std::size_t important) const {
    // Moves happen only for wanted tokens outside class 0; class 0 never holds more than
    // `important`, so it must hold exactly that many, all ranked before every class-1 token.
    // Checking this costs one pass; most steps it holds and the sort below is skipped.
    const KvToken* worst_important = nullptr;
    const KvToken* best_other = nullptr;
    std::size_t in_class_0 = 0;
    for (const std::size_t i : order_) {
        const KvToken& token = tokens[i];
        if (layout_.class_of(token.slot) == 0) {
            ++in_class_0;
            if (!worst_important || ranks_before(*worst_important, token)) worst_important = &token;
        } else if (!best_other || ranks_before(token, *best_other)) {
            best_other = &token;
        }
    }
    if (in_class_0 != important) return false;
    return !worst_important || !best_other || ranks_before(*worst_important, *best_other);
}

double KvCacheManager::reclassify(int region, double t_ns) {
    HeadCache& head = heads_[static_cast<std::size_t>(region)];
    auto& tokens = head.tokens_for_placement();
    // The `important` K/V tokens of highest accumulated attention (older first on ties) belong in
    // class 0; tokens kept as x (AERP) have no K/V slot and take no part.
    order_.clear();
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (!tokens[i].as_x) order_.push_back(i);
    const std::size_t important = std::min<std::size_t>(layout_.class_slots(0), order_.size());
    if (classes_settled(tokens, important)) return t_ns;
    std::partial_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(important), order_.end(),
                      [&](std::size_t a, std::size_t b) { return ranks_before(tokens[a], tokens[b]); });
    want_important_.assign(tokens.size(), false);
    for (std::size_t i = 0; i < important; ++i) want_important_[order_[i]] = true;
    promote_.clear();
    demote_.clear();
    for (const std::size_t i : order_) {
        const bool is_important = layout_.class_of(tokens[i].slot) == 0;
        if (want_important_[i] && !is_important) promote_.push_back(i);
        if (!want_important_[i] && is_important) demote_.push_back(i);
    }
    double done_ns = t_ns;
    for (std::size_t k = 0; k < promote_.size(); ++k) {
        KvToken& up = tokens[promote_[k]];
        if (k < demote_.size()) {  // swap places with a token leaving the class: read both, write both
            KvToken& down = tokens[demote_[k]];
            const double read_ns = std::max(read_slot(region, up, values_a_.data(), t_ns),
                                            read_slot(region, down, values_b_.data(), t_ns));
            done_ns = std::max({done_ns, write_slot(region, down.slot, values_a_.data(), read_ns),
                                write_slot(region, up.slot, values_b_.data(), read_ns)});
            std::swap(up.slot, down.slot);
            stats_.class_moves += 2;
        } else {  // a free important slot
            const std::uint32_t slot = take_slot(region, 0);
            hint_liveness(region, slot, true, t_ns);
            const double read_ns = read_slot(region, up, values_a_.data(), t_ns);
            done_ns = std::max(done_ns, write_slot(region, slot, values_a_.data(), read_ns));
            release_slot(region, up.slot, t_ns);
            up.slot = slot;
            ++stats_.class_moves;
        }
    }
    return done_ns;
}

void KvCacheManager::prefill_importance(int layer, int kv_head, const StepScores& prefill) {
    // What the query heads sharing this KV head gave each prompt position during prefill:
    // listed positions their score, the others an even share of the head's residual.
    const int group = header_.model.heads / header_.model.kv_heads;
    prompt_importance_.assign(static_cast<std::size_t>(header_.prompt_tokens), 0.0);
    for (int head = kv_head * group; head < (kv_head + 1) * group; ++head) {
        const HeadScores& scores = prefill.at(layer, head);
        const std::size_t unlisted = static_cast<std::size_t>(header_.prompt_tokens) - scores.top.size();
        const double share = unlisted > 0 ? scores.residual / static_cast<double>(unlisted) : 0.0;
        for (double& importance : prompt_importance_) importance += share;
        for (const ScoreEntry& entry : scores.top) prompt_importance_[entry.position] += entry.score - share;
    }
}

double KvCacheManager::load_prompt(int layer, const StepScores* prefill, double t_ns) {
    t_ns = sync(t_ns);
    const std::uint64_t prompt_vectors = static_cast<std::uint64_t>(header_.prompt_tokens) * config_.batch;
    if (config_.prefill_compute) {
        t_ns = gemv(layout_.qkv(layer), "prefill_qkv", t_ns, prompt_vectors);
        t_ns = prefill_search(t_ns);
        t_ns = sync(t_ns);
    }
    double done_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        if (prefill) prefill_importance(layer, kv_head, *prefill);
        frozen_victims_.reset();
        for (int position = 0; position < header_.prompt_tokens; ++position)
            admit(region, static_cast<std::uint32_t>(position), t_ns,
                  prefill ? prompt_importance_[static_cast<std::size_t>(position)] : 0.0, &frozen_victims_);
        if (aerp_) place_prompt_as_x(region, layer, t_ns);
        done_ns = std::max(done_ns, write_region(region, t_ns));
    }
    if (aerp_) done_ns = std::max(done_ns, write_all_x(layer, t_ns));
    update_footprint();
    if (!config_.prefill_compute) return done_ns;
    // Causal attention: prompt position i attends to positions 0..i, from K/V the QKV GEMM left
    // in the buffer; then the rest of the layer as GEMMs over every prompt token.
    const std::uint64_t p = static_cast<std::uint64_t>(header_.prompt_tokens);
    done_ns = attention(static_cast<std::uint64_t>(header_.model.heads) * p * (p + 1) / 2 * config_.batch,
                        prompt_vectors, done_ns);
    done_ns = gemv(layout_.out_proj(layer), "prefill_out_proj", done_ns, prompt_vectors);
    done_ns = gemv(layout_.ffn_in(layer), "prefill_ffn_in", done_ns, prompt_vectors);
    return gemv(layout_.ffn_out(layer), "prefill_ffn_out", done_ns, prompt_vectors);
}

double KvCacheManager::gemv(const KvLayout::Matrix& matrix, const char* label, double t_ns, std::uint64_t vectors,
                            std::uint64_t reuse_rows, std::uint64_t reuse_vectors) {
    const std::uint64_t dtype = static_cast<std::uint64_t>(header_.model.dtype_bytes);
    pe_command_ = PeCommand{};
    pe_command_.kind = PeCommand::Kind::gemv;
    pe_command_.label = label;
    pe_command_.out_rows = matrix.out_rows;
    pe_command_.in_cols = matrix.in_cols;
    pe_command_.vectors = vectors;
    pe_command_.weight_address = matrix.address;
    pe_command_.weight_bytes = matrix.bytes;
    pe_command_.reuse_rows = reuse_rows;
    pe_command_.reuse_vectors = reuse_vectors;
    pe_command_.input_bytes = matrix.in_cols * dtype * vectors;
    pe_command_.output_bytes = matrix.out_rows * dtype * vectors;
    return issuer_.command(pe_socket, pe_command_, t_ns);
}

double KvCacheManager::search(std::uint64_t compare_elements, double t_ns) {
    if (compare_elements == 0) return t_ns;
    pe_command_ = PeCommand{};
    pe_command_.kind = PeCommand::Kind::eviction_search;
    pe_command_.label = "eviction_search";
    pe_command_.compare_elements = compare_elements;
    return issuer_.command(pe_socket, pe_command_, t_ns);
}

double KvCacheManager::eviction_search(int layer, double t_ns) {
    if (!policy_->searches_importance()) return t_ns;
    std::uint64_t elements = 0;  // importance values of every head that must evict to admit the new token
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const HeadCache& head = heads_[static_cast<std::size_t>(layout_.region(layer, kv_head))];
        if (head.size() >= policy_->budget_tokens()) elements += head.size();
    }
    return search(elements * config_.batch, t_ns);
}

double KvCacheManager::prefill_search(double t_ns) {
    // One pass over each KV head's prompt importance picks the tokens the budget keeps.
    const std::uint64_t prompt = static_cast<std::uint64_t>(header_.prompt_tokens);
    if (!policy_->searches_importance() || prompt <= policy_->budget_tokens()) return t_ns;
    return search(static_cast<std::uint64_t>(header_.model.kv_heads) * prompt * config_.batch, t_ns);
}

double KvCacheManager::attention(std::uint64_t keys, std::uint64_t query_vectors, double t_ns) {
    const ModelShape& m = header_.model;
    const std::uint64_t activation_bytes = static_cast<std::uint64_t>(m.hidden * m.dtype_bytes) * query_vectors;
    pe_command_ = PeCommand{};
    pe_command_.kind = PeCommand::Kind::attention;
    pe_command_.label = "attention";
    pe_command_.macs = 2 * keys * static_cast<std::uint64_t>(m.head_dim);  // q.k and p.v
    pe_command_.sfu_elements = keys;
    pe_command_.input_bytes = activation_bytes;   // q
    pe_command_.output_bytes = activation_bytes;  // attention output
    return issuer_.command(pe_socket, pe_command_, t_ns);
}

std::uint64_t KvCacheManager::decode_keys(int layer) const {
    const int group = header_.model.heads / header_.model.kv_heads;
    std::uint64_t keys = 0;  // summed over query heads and sequences
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head)
        keys += heads_[static_cast<std::size_t>(layout_.region(layer, kv_head))].size() * static_cast<std::uint64_t>(group);
    return keys * config_.batch;
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
    t_ns = eviction_search(layer, t_ns);

    // Admission first: the victims and the new token's form (K/V or x) decide what the QKV
    // projection must recompute and where the new token is written.
    t_ns = sync(t_ns);
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) admit(layout_.region(layer, kv_head), position, t_ns);
    std::uint64_t recompute_tokens = 0;
    if (aerp_) {
        recompute_tokens = x_to_recompute(layer);
        stats_.recomputes += recompute_tokens;
        t_ns = sync(read_x(layer, t_ns));
    }
    t_ns = gemv(layout_.qkv(layer), "qkv", t_ns, config_.batch, 2 * static_cast<std::uint64_t>(header_.model.kv_dim()),
                recompute_tokens * config_.batch);

    t_ns = sync(t_ns);
    double written_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        const KvToken& token = heads_[static_cast<std::size_t>(region)].tokens().back();
        if (token.as_x) continue;  // written once for the layer below
        if (functional_) pristine_values(region, token.position, values_a_.data());
        written_ns = std::max(written_ns, write_slot(region, token.slot, values_a_.data(), t_ns));
    }
    if (aerp_) written_ns = std::max(written_ns, write_new_x(layer, t_ns));
    t_ns = sync(written_ns);
    double read_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head)
        read_ns = std::max(read_ns, functional_ ? read_region_checked(layout_.region(layer, kv_head), *command.scores, t_ns)
                                                : transfer_region(layout_.region(layer, kv_head), tlm::TLM_READ_COMMAND, t_ns));

    t_ns = attention(decode_keys(layer), config_.batch, read_ns);
    t_ns = gemv(layout_.out_proj(layer), "out_proj", t_ns, config_.batch);
    t_ns = gemv(layout_.ffn_in(layer), "ffn_in", t_ns, config_.batch);
    t_ns = gemv(layout_.ffn_out(layer), "ffn_out", t_ns, config_.batch);
    accumulate(layer, *command.scores);
    if (layout_.classes() == 2) {  // 2DRP: tokens whose importance class changed move rows
        t_ns = sync(t_ns);
        double moved_ns = t_ns;
        for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head)
            moved_ns = std::max(moved_ns, reclassify(layout_.region(layer, kv_head), t_ns));
        t_ns = moved_ns;
    }
    if (layer == header_.model.layers - 1) update_footprint();
    return t_ns;
}

}  // namespace kelle
