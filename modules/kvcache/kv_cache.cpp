#include "kvcache/kv_cache.h"

#include <algorithm>
#include <numeric>

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
      policy_(make_eviction_policy(config.policy, config.budget_tokens, config.recent_tokens, config.kept_sinks(),
                                   evictor)),
      aerp_(config.policy == KvPolicy::aerp),
      layout_(header.model, budget.kv_slots, plan, spill_base_address, budget.important_slots, budget.x_entries,
              config.batch, config.placement),
      port_(kv_socket, dram_socket),
      slots_(layout_, port_, regions(header.model)),
      x_store_(layout_, port_, aerp_ ? header.model.layers : 0),
      heads_(regions(header.model)),
      class_ranks_(regions(header.model)) {
    // A head never holds more tokens than the context has: a budget past it reserves nothing more.
    const auto context_tokens = static_cast<std::uint64_t>(header.prompt_tokens) + header.decode_steps;
    for (HeadCache& head : heads_) head.reserve(std::min(budget.held_tokens, context_tokens));
    for (int region = 0; region < static_cast<int>(heads_.size()); ++region)
        region_onchip_.push_back(layout_.region_onchip(region));
    KELLE_LOG(msg::kvcache, LogLevel::info,
              kKvPolicies.name(config.policy) << " in " << kKvStores.name(config.store) << ": " << budget.held_tokens
                                              << " tokens per (layer, KV head), " << budget.kv_slots << " as K/V ("
                                              << budget.important_slots << " important), " << budget.x_tokens
                                              << " as x; " << layout_.slot_bytes() << " B a slot");
    const auto values_per_slot = static_cast<std::size_t>(2 * header.model.head_dim);
    for (auto* buffer : {&values_a_, &values_b_}) buffer->resize(values_per_slot);
    if (functional) check_ = std::make_unique<KvValueCheck>(header.model, heads_.size());
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
    report.set("retention.values_checked", kv.values_checked);
    report.set("retention.corrupted_values", kv.corrupted_values);
    report.set("retention.value_rel_error", kv.value_rel_error());
    const auto& errors = kv.output_rel_errors;
    report.set("kv.output_rel_error",
               {{"mean", errors.empty() ? 0.0 : std::accumulate(errors.begin(), errors.end(), 0.0) / static_cast<double>(errors.size())},
                {"p99", percentile(errors, 99)}});
}

void KvCache::trace(sc_core::sc_trace_file* file) {
    sc_core::sc_trace(file, resident_tokens_, "kv.resident_tokens");
}

void KvCache::admit(int region, std::uint32_t position, double t_ns, double importance) {
    HeadCache& head = heads_[static_cast<std::size_t>(region)];
    if (policy_->budget_tokens() != 0 && head.size() >= policy_->budget_tokens())
        evict(region, head.erase(policy_->victim(head)), position, t_ns);
    const KvToken token = take_place(region, position, head.kv_tokens(), t_ns);
    head.append(position, token.slot, importance, token.as_x);
    count_admitted(head.size());
}

void KvCache::evict(int region, const KvToken& victim, std::uint32_t for_position, double t_ns) {
    const int layer = region / header_.model.kv_heads;
    if (victim.as_x) x_store_.release(layer, victim.position, t_ns);
    else slots_.release(region, victim.slot, t_ns);
    ++stats_.evictions;
    KELLE_LOG(msg::kvcache, LogLevel::debug,
              "layer " << layer << " KV head " << region % header_.model.kv_heads << ": evicts position "
                       << victim.position << (victim.as_x ? " (x)" : "") << " for " << for_position);
    --resident_tokens_;
}

KvToken KvCache::take_place(int region, std::uint32_t position, std::size_t kv_tokens, double t_ns) {
    if (aerp_ && kv_tokens >= budget_.kv_slots)  // the K/V tier is full: keep x
        return KvToken{position, 1, x_store_.acquire(region / header_.model.kv_heads, position, t_ns), 0};
    // A new token has no attention yet: with two classes it starts unimportant.
    const KvToken token{position, 0, slots_.take(region, layout_.classes() - 1, t_ns), 0};
    if (check_) check_->add_to_full_cache(region, position);
    return token;
}

void KvCache::count_admitted(std::size_t head_tokens) {
    ++resident_tokens_;
    stats_.resident_tokens_max = std::max<std::uint64_t>(stats_.resident_tokens_max, head_tokens);
}

void KvCache::admit_replayed(int region, std::uint32_t position, double importance, PromptEvictions& evictions,
                             double t_ns) {
    PromptHead& prompt = prompt_head_;
    if (const std::optional<std::uint32_t> victim = evictions.admit(position, importance)) {
        const KvToken& token = prompt.tokens[*victim];
        evict(region, token, position, t_ns);
        prompt.held[*victim] = false;
        --prompt.held_tokens;
        if (!token.as_x) --prompt.kv_tokens;
    }
    const KvToken token = take_place(region, position, prompt.kv_tokens, t_ns);
    prompt.tokens[position] = token;
    prompt.held[position] = true;
    ++prompt.held_tokens;
    if (!token.as_x) ++prompt.kv_tokens;
    count_admitted(prompt.held_tokens);
}

void KvCache::record_footprint() {
    const std::uint64_t onchip = slots_.onchip_in_use() * layout_.slot_bytes() + x_store_.onchip_entries() * layout_.x_bytes();
    stats_.onchip_kv_bytes_max = std::max(stats_.onchip_kv_bytes_max, onchip);
}

void KvCache::prefill_importance(int layer, int kv_head, const StepScores& prefill) {
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

void KvCache::admit_prompt(int layer, int kv_head, const StepScores* prefill, double t_ns) {
    const int region = layout_.region(layer, kv_head);
    if (prefill) prefill_importance(layer, kv_head, *prefill);
    const auto importance = [&](std::uint32_t position) { return prefill ? prompt_importance_[position] : 0.0; };
    HeadCache& head = heads_[static_cast<std::size_t>(region)];
    // Every slot and stat is as admit() would leave it; only the head's tokens wait in
    // prompt_head_ until the prompt is in.
    const std::unique_ptr<PromptEvictions> evictions = head.fresh() ? policy_->prompt_evictions() : nullptr;
    const auto prompt_tokens = static_cast<std::uint32_t>(header_.prompt_tokens);
    if (evictions) prompt_head_.start(prompt_tokens);
    // The prompt's slots are taken in order: their liveness goes out as runs (kv_store_port.h).
    port_.with_hint_runs([&] {
        for (std::uint32_t position = 0; position < prompt_tokens; ++position) {
            if (evictions) admit_replayed(region, position, importance(position), *evictions, t_ns);
            else admit(region, position, t_ns, importance(position));
        }
    });
    if (!evictions) return;
    for (std::uint32_t position = 0; position < prompt_tokens; ++position) {
        const KvToken& token = prompt_head_.tokens[position];
        if (prompt_head_.held[position]) head.append(position, token.slot, importance(position), token.as_x);
    }
}

double KvCache::write_prompt(int layer, const StepScores* prefill, double t_ns) {
    if (config_.popularity()) return write_prompt_popular(layer, prefill, t_ns);
    double done_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        admit_prompt(layer, kv_head, prefill, t_ns);
        if (aerp_) x_store_.place_prompt(heads_[static_cast<std::size_t>(region)], layer, t_ns);
        place_prompt(region, t_ns);
        done_ns = std::max(done_ns, write_region(region, t_ns));
    }
    if (aerp_) done_ns = std::max(done_ns, x_store_.write_all(layer, t_ns));
    record_footprint();
    return done_ns;
}

double KvCache::write_prompt_popular(int layer, const StepScores* prefill, double t_ns) {
    // Popularity needs every head's choice of prompt tokens before any form is fixed.
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) admit_prompt(layer, kv_head, prefill, t_ns);
    keep_popular_as_x(layer, t_ns);
    double done_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        place_prompt(region, t_ns);
        done_ns = std::max(done_ns, write_region(region, t_ns));
    }
    done_ns = std::max(done_ns, x_store_.write_all(layer, t_ns));
    record_footprint();
    return done_ns;
}

void KvCache::count_holders(int layer, int min_heads) {
    holders_.assign(static_cast<std::size_t>(header_.prompt_tokens), 0);
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head)
        for (const KvToken& token : head(layer, kv_head).tokens()) ++holders_[token.position];
    for (const int holders : holders_) {
        if (holders < min_heads) continue;
        ++stats_.popular_tokens;
        if (!x_saves_bytes(header_.model, holders)) ++stats_.x_saves_nothing_tokens;
    }
}

void KvCache::cap_popular(int min_heads) {
    if (!budget_.popular_x_limit) return;
    std::vector<std::uint32_t> popular;
    for (std::uint32_t position = 0; position < holders_.size(); ++position)
        if (holders_[position] >= min_heads && x_saves_bytes(header_.model, holders_[position])) popular.push_back(position);
    if (popular.size() <= *budget_.popular_x_limit) return;
    // The most-held tokens save the most K/V; among equals the older (stable sort).
    std::stable_sort(popular.begin(), popular.end(),
                     [this](std::uint32_t a, std::uint32_t b) { return holders_[a] > holders_[b]; });
    for (std::size_t i = *budget_.popular_x_limit; i < popular.size(); ++i) holders_[popular[i]] = 0;
}

void KvCache::keep_popular_as_x(int layer, double t_ns) {
    const ModelShape& m = header_.model;
    const int min_heads = popular_min_heads(config_.popular_share, m.kv_heads);
    count_holders(layer, min_heads);
    cap_popular(min_heads);
    // Every holder of a popular token drops its K/V slot and shares the one x entry.
    for (int kv_head = 0; kv_head < m.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        HeadCache& head = heads_[static_cast<std::size_t>(region)];
        for (std::size_t i = 0; i < head.size(); ++i) {
            const KvToken token = head.tokens()[i];
            const int holders = holders_[token.position];
            if (holders < min_heads || !x_saves_bytes(m, holders)) continue;
            slots_.release(region, token.slot, t_ns);
            head.make_x(i, x_store_.acquire(layer, token.position, t_ns));
        }
    }
}

std::uint64_t KvCache::search_elements(int layer) const {
    if (!policy_->searches_importance()) return 0;
    std::uint64_t elements = 0;  // importance values of every head that must evict to admit the new token
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const HeadCache& head = heads_[static_cast<std::size_t>(layout_.region(layer, kv_head))];
        if (head.size() >= policy_->budget_tokens()) elements += head.size();
    }
    return elements;
}

std::uint64_t KvCache::prompt_search_elements() const {
    // One pass over each KV head's prompt importance picks the tokens the budget keeps.
    const std::uint64_t prompt = static_cast<std::uint64_t>(header_.prompt_tokens);
    if (!policy_->searches_importance() || prompt <= policy_->budget_tokens()) return 0;
    return static_cast<std::uint64_t>(header_.model.kv_heads) * prompt;
}

void KvCache::admit_token(int layer, std::uint32_t position, double t_ns) {
    // The prompt's tokens are ranked once they are all in (place_prompt); a decode token as it comes.
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        admit(region, position, t_ns);
        rank(region, heads_[static_cast<std::size_t>(region)].tokens().back());
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
        const KvToken& token = heads_[static_cast<std::size_t>(region)].tokens().back();
        if (token.as_x) continue;  // written once for the layer below
        if (check_) check_->pristine(region, token.position, values_a_.data());
        written_ns = std::max(written_ns, write_slot(region, token.slot, values_a_.data(), t_ns));
    }
    if (aerp_) written_ns = std::max(written_ns, x_store_.write_new(layer, t_ns));
    return written_ns;
}

double KvCache::read_resident(int layer, const StepScores& scores, double t_ns) {
    double read_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        read_ns = std::max(read_ns, check_ ? read_region_checked(region, scores, t_ns)
                                           : transfer_region(region, tlm::TLM_READ_COMMAND, t_ns));
    }
    return read_ns;
}

std::uint64_t KvCache::resident_tokens(int layer) const {
    std::uint64_t tokens = 0;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head)
        tokens += heads_[static_cast<std::size_t>(layout_.region(layer, kv_head))].size();
    return tokens;
}

void KvCache::update_importance(int layer, const StepScores& scores) {
    const ModelShape& m = header_.model;
    const int group = m.heads / m.kv_heads;
    for (int head = 0; head < m.heads; ++head) {
        const int region = layout_.region(layer, head / group);
        HeadCache& cache = heads_[static_cast<std::size_t>(region)];
        const double mass = cache.accumulate(scores.at(layer, head), scores.context_tokens,
                                             classed(region) ? &listed_ : nullptr);
        if (classed(region)) rank_listed(region);
        stats_.attention_mass_sum += mass;
        ++stats_.attention_mass_samples;
        stats_.attention_mass_min = std::min(stats_.attention_mass_min, mass);
    }
}

double KvCache::move_between_classes(int layer, double t_ns) {
    double moved_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head)
        if (classed(layout_.region(layer, kv_head)))
            moved_ns = std::max(moved_ns, reclassify(layout_.region(layer, kv_head), t_ns));
    return moved_ns;
}

}  // namespace kelle
