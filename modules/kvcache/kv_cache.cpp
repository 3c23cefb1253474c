#include "kvcache/kv_cache.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include "common/log.h"

namespace kelle {

namespace {
std::size_t regions(const ModelShape& model) {
    return static_cast<std::size_t>(model.layers) * static_cast<std::size_t>(model.kv_heads);
}
}  // namespace

KvCache::KvCache(sc_core::sc_module_name name, const KvConfig& config, const TraceHeader& header,
                 const KvAreaPlan& plan, const KvBudget& budget, std::uint64_t spill_base_address, bool functional,
                 EvictionUnit* evictor)
    : sc_core::sc_module(name),
      kv_socket("kv_socket"),
      dram_socket("dram_socket"),
      config_(config),
      header_(header),
      budget_(budget),
      aerp_(config.policy == KvPolicy::aerp),
      layout_(header.model, budget.kv_slots, plan, spill_base_address, budget.important_slots, budget.x_entries,
              config.batch, config.placement),
      port_(kv_socket, dram_socket),
      slots_(layout_, port_, regions(header.model)),
      x_store_(layout_, port_, aerp_ ? header.model.layers : 0),
      check_(functional ? std::make_unique<KvValueCheck>(header.model, regions(header.model)) : nullptr),
      traffic_(layout_, port_, slots_, check_.get(), header.model),
      admission_(config, header.model, static_cast<std::uint32_t>(header.prompt_tokens),
                 static_cast<std::uint64_t>(header.prompt_tokens) + static_cast<std::uint64_t>(header.decode_steps), budget_,
                 layout_, slots_,
                 x_store_, check_.get(), stats_, evictor),
      classes_(layout_, regions(header.model)),
      popular_(header.model, config.popular_share, budget.popular_x_limit) {
    KELLE_LOG(msg::kvcache, LogLevel::info,
              kKvPolicies.name(config.policy) << " in " << kKvStores.name(config.store) << ": " << budget.held_tokens
                                              << " tokens per (layer, KV head), " << budget.kv_slots << " as K/V ("
                                              << budget.important_slots << " important), " << budget.x_tokens
                                              << " as x; " << layout_.slot_bytes() << " B a slot");
}

void KvCache::report_stats(StatsReport& report) const {
    const KvStats& kv = stats_;
    const double mass_samples = static_cast<double>(kv.attention_mass_samples);
    report.set("kv", {{"policy", kKvPolicies.name(config_.policy)},
                      {"store", kKvStores.name(config_.store)},
                      {"evictions", kv.evictions},
                      {"recomputes", kv.recomputes},
                      {"x_tier_tokens", x_tier_tokens()},
                      {"class_moves", kv.class_moves},
                      {"resident_tokens_max", kv.resident_tokens_max},
                      {"onchip_bytes_max", kv.onchip_kv_bytes_max},
                      {"attention_mass_retained",
                       {{"mean", kv.attention_mass_samples ? kv.attention_mass_sum / mass_samples : 1.0},
                        {"min", kv.attention_mass_samples ? kv.attention_mass_min : 1.0}}},
                      {"x_selection", kXSelections.name(config_.x_selection)},
                      {"x_tokens_max", x_tokens_max()},
                      {"popular_tokens", kv.popular_tokens},
                      {"x_saves_nothing_tokens", kv.x_saves_nothing_tokens},
                      {"placement", kKvPlacements.name(config_.placement)},
                      {"onchip_layers", layout_.onchip_layers()}});
    report.set("kv.values_checked", kv.values_checked);
    report.set("kv.corrupted_values", kv.corrupted_values);
    report.set("kv.value_rel_error", kv.value_rel_error());
    const auto& errors = kv.output_rel_errors;
    report.set("kv.output_rel_error",
               {{"mean", errors.empty() ? 0.0 : std::accumulate(errors.begin(), errors.end(), 0.0) / static_cast<double>(errors.size())},
                {"p99", percentile(errors, 99)}});
}

void KvCache::trace(sc_core::sc_trace_file* file) {
    sc_core::sc_trace(file, admission_.held_tokens_all(), "kv.resident_tokens");
}

void KvCache::record_footprint() {
    const std::uint64_t onchip = slots_.onchip_in_use() * layout_.slot_bytes() + x_store_.onchip_entries() * layout_.x_bytes();
    stats_.onchip_kv_bytes_max = std::max(stats_.onchip_kv_bytes_max, onchip);
}

double KvCache::write_prompt(int layer, const StepScores* prefill, double t_ns) {
    if (config_.popularity()) return write_prompt_popular(layer, prefill, t_ns);
    double done_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        // The prompt's slots are taken in order: their liveness goes out as runs (kv_store_port.h).
        port_.with_hint_runs([&] { admission_.admit_prompt(layer, kv_head, prefill, t_ns); });
        if (aerp_) x_store_.place_prompt(admission_.head(region), layer, t_ns);
        place_prompt(region, t_ns);
        done_ns = std::max(done_ns, traffic_.write_region(region, admission_.head(region), t_ns));
    }
    if (aerp_) done_ns = std::max(done_ns, x_store_.write_all(layer, t_ns));
    record_footprint();
    return done_ns;
}

double KvCache::write_prompt_popular(int layer, const StepScores* prefill, double t_ns) {
    // Popularity needs every head's choice of prompt tokens before any form is fixed.
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head)
        port_.with_hint_runs([&] { admission_.admit_prompt(layer, kv_head, prefill, t_ns); });
    keep_popular_as_x(layer, t_ns);
    double done_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        place_prompt(region, t_ns);
        done_ns = std::max(done_ns, traffic_.write_region(region, admission_.head(region), t_ns));
    }
    done_ns = std::max(done_ns, x_store_.write_all(layer, t_ns));
    record_footprint();
    return done_ns;
}

void KvCache::keep_popular_as_x(int layer, double t_ns) {
    popular_.start(static_cast<std::uint32_t>(header_.prompt_tokens));
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) popular_.count(head(layer, kv_head));
    popular_.choose(stats_);
    // Every holder of a popular token drops its K/V slot and shares the one x entry.
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        HeadCache& cache = admission_.head(region);
        for (std::size_t i = 0; i < cache.size(); ++i) {
            const KvToken token = cache.tokens()[i];
            if (!popular_.as_x(token.position)) continue;
            slots_.release(region, token.slot, t_ns);
            cache.make_x(i, x_store_.acquire(layer, token.position, t_ns));
        }
    }
}

void KvCache::place_prompt(int region, double t_ns) {
    for (const ClassChange& change : classes_.place_prompt(region, admission_.head(region)))
        change_class(region, change, false, t_ns);
}

double KvCache::change_class(int region, const ClassChange& change, bool move_data, double t_ns) {
    auto& tokens = admission_.head(region).tokens_for_placement();
    KvToken& up = tokens[change.up];
    double done_ns = t_ns;
    if (!change.down) {  // into a free slot of class 0
        const std::uint32_t slot = slots_.take(region, 0, t_ns);
        if (move_data) {
            done_ns = traffic_.move(region, up, slot, t_ns);
            ++stats_.class_moves;
        }
        slots_.release(region, up.slot, t_ns);
        up.slot = slot;
        if (move_data) classes_.rank(region, up);
        return done_ns;
    }
    KvToken& down = tokens[*change.down];
    if (move_data) {
        done_ns = traffic_.swap(region, up, down, t_ns);
        stats_.class_moves += 2;
    }
    std::swap(up.slot, down.slot);
    if (!move_data) return done_ns;
    classes_.rank(region, up);
    classes_.rank(region, down);
    return done_ns;
}

void KvCache::admit_token(int layer, std::uint32_t position, double t_ns) {
    // The prompt's tokens are ranked once they are all in (place_prompt); a decode token as it comes.
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        admission_.admit(region, position, t_ns);
        classes_.rank(region, admission_.head(region).tokens().back());
    }
}

KvCache::XRead KvCache::read_x(int layer, double t_ns) {
    const std::uint64_t recompute_tokens = x_store_.to_recompute(layer);
    stats_.recomputes += recompute_tokens;
    return {x_store_.read(layer, t_ns), recompute_tokens};
}

double KvCache::write_new(int layer, double t_ns) {
    double written_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        const KvToken& token = admission_.head(region).tokens().back();
        if (token.as_x) continue;  // written once for the layer below
        written_ns = std::max(written_ns, traffic_.write_token(region, token, t_ns));
    }
    if (aerp_) written_ns = std::max(written_ns, x_store_.write_new(layer, t_ns));
    return written_ns;
}

double KvCache::read_resident(int layer, const StepScores& scores, double t_ns) {
    double read_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        read_ns = std::max(read_ns, traffic_.read_region(region, admission_.head(region), scores, stats_, t_ns));
    }
    return read_ns;
}

void KvCache::update_importance(int layer, const StepScores& scores) {
    const ModelShape& m = header_.model;
    const int group = m.heads / m.kv_heads;
    for (int kv_head = 0; kv_head < m.kv_heads; ++kv_head) admission_.head(layout_.region(layer, kv_head)).begin_step();
    for (int q = 0; q < m.heads; ++q) {
        const int region = layout_.region(layer, q / group);
        HeadCache& cache = admission_.head(region);
        const double mass = cache.accumulate(scores.at(layer, q), scores.context_tokens, classes_.listing(region));
        if (classes_.classed(region)) classes_.rank_listed(region, cache);
        stats_.attention_mass_sum += mass;
        ++stats_.attention_mass_samples;
        stats_.attention_mass_min = std::min(stats_.attention_mass_min, mass);
    }
}

double KvCache::move_between_classes(int layer, double t_ns) {
    double moved_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        if (!classes_.classed(region)) continue;
        const HeadCache& cache = admission_.head(region);
        while (const std::optional<ClassChange> change = classes_.next_change(region, cache, slots_.in_use(region, 0)))
            moved_ns = std::max(moved_ns, change_class(region, *change, true, t_ns));
    }
    return moved_ns;
}

}  // namespace kelle
