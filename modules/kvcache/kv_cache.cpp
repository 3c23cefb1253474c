#include "kvcache/kv_cache.h"

#include <algorithm>
#include <stdexcept>

namespace kelle {

KvCache::KvCache(sc_core::sc_module_name name, const KvConfig& config, const TraceHeader& header,
                 const KvAreaPlan& plan, const KvBudget& budget, std::uint64_t spill_base_address, bool functional)
    : sc_core::sc_module(name),
      kv_socket("kv_socket"),
      dram_socket("dram_socket"),
      header_(header),
      budget_(budget),
      policy_(make_eviction_policy(config.policy, config.budget_tokens, config.recent_tokens, config.sink_tokens)),
      aerp_(config.policy == "aerp"),
      layout_(header.model, budget.kv_slots, plan, spill_base_address, budget.important_slots, budget.x_entries,
              config.batch),
      port_(kv_socket, dram_socket),
      x_store_(layout_, port_, aerp_ ? header.model.layers : 0) {
    const std::size_t regions = static_cast<std::size_t>(header.model.layers) * static_cast<std::size_t>(header.model.kv_heads);
    heads_.resize(regions);
    for (HeadCache& head : heads_) head.reserve(budget.held_tokens);
    free_slots_.resize(regions);
    const auto first_of = [this](int c) { return static_cast<std::uint32_t>(layout_.first_slot(c)); };
    fresh_slot_.assign(regions, {first_of(0), first_of(1)});
    const auto values_per_slot = static_cast<std::size_t>(2 * header.model.head_dim);
    for (auto* buffer : {&values_a_, &values_b_}) buffer->resize(values_per_slot);
    if (functional) check_ = std::make_unique<KvValueCheck>(header.model, regions);
}

void KvCache::trace(sc_core::sc_trace_file* file) {
    sc_core::sc_trace(file, resident_tokens_, "kv.resident_tokens");
}

void KvCache::hint_liveness(int region, std::uint32_t slot, bool live, double t_ns) {
    Extent pieces[2];
    port_.hint(pieces, layout_.pieces(region, slot, pieces), live, t_ns);
}

std::uint32_t KvCache::take_slot(int region, int preferred_class) {
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

void KvCache::release_slot(int region, std::uint32_t slot, double t_ns) {
    hint_liveness(region, slot, false, t_ns);
    if (layout_.slot_onchip(region, slot)) --onchip_slots_;
    free_slots_[static_cast<std::size_t>(region)][static_cast<std::size_t>(layout_.class_of(slot))].push_back(slot);
}

void KvCache::admit(int region, std::uint32_t position, double t_ns, double importance, FrozenVictims* frozen) {
    HeadCache& head = heads_[static_cast<std::size_t>(region)];
    const int layer = region / header_.model.kv_heads;
    if (policy_->budget_tokens() != 0 && head.size() >= policy_->budget_tokens()) {
        const KvToken victim = head.erase(frozen ? policy_->victim(head, *frozen) : policy_->victim(head));
        if (victim.as_x) x_store_.release(layer, victim.position, t_ns);
        else release_slot(region, victim.slot, t_ns);
        ++stats_.evictions;
        --resident_tokens_;
    }
    if (aerp_ && head.kv_tokens() >= budget_.kv_slots) {  // the K/V tier is full: keep x
        head.append(position, x_store_.acquire(layer, position, t_ns), importance, true);
        ++resident_tokens_;
        stats_.resident_tokens_max = std::max<std::uint64_t>(stats_.resident_tokens_max, head.size());
        return;
    }
    // A new token has no attention yet: with two classes it starts unimportant.
    const std::uint32_t slot = take_slot(region, layout_.classes() - 1);
    head.append(position, slot, importance);
    hint_liveness(region, slot, true, t_ns);
    if (check_) check_->add_to_full_cache(region, position);
    ++resident_tokens_;
    stats_.resident_tokens_max = std::max<std::uint64_t>(stats_.resident_tokens_max, head.size());
}

void KvCache::record_footprint() {
    const std::uint64_t onchip = onchip_slots_ * layout_.slot_bytes() + x_store_.onchip_entries() * layout_.x_bytes();
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

double KvCache::write_prompt(int layer, const StepScores* prefill, double t_ns) {
    double done_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) {
        const int region = layout_.region(layer, kv_head);
        if (prefill) prefill_importance(layer, kv_head, *prefill);
        frozen_victims_.reset();
        for (int position = 0; position < header_.prompt_tokens; ++position)
            admit(region, static_cast<std::uint32_t>(position), t_ns,
                  prefill ? prompt_importance_[static_cast<std::size_t>(position)] : 0.0, &frozen_victims_);
        if (aerp_) x_store_.place_prompt(heads_[static_cast<std::size_t>(region)], layer, t_ns);
        done_ns = std::max(done_ns, write_region(region, t_ns));
    }
    if (aerp_) done_ns = std::max(done_ns, x_store_.write_all(layer, t_ns));
    record_footprint();
    return done_ns;
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
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head) admit(layout_.region(layer, kv_head), position, t_ns);
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
        HeadCache& cache = heads_[static_cast<std::size_t>(layout_.region(layer, head / group))];
        const double mass = cache.accumulate(scores.at(layer, head), scores.context_tokens);
        stats_.attention_mass_sum += mass;
        ++stats_.attention_mass_samples;
        stats_.attention_mass_min = std::min(stats_.attention_mass_min, mass);
    }
}

double KvCache::move_between_classes(int layer, double t_ns) {
    double moved_ns = t_ns;
    for (int kv_head = 0; kv_head < header_.model.kv_heads; ++kv_head)
        moved_ns = std::max(moved_ns, reclassify(layout_.region(layer, kv_head), t_ns));
    return moved_ns;
}

}  // namespace kelle
