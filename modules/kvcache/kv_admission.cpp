#include "kvcache/kv_admission.h"

#include <algorithm>

#include "common/log.h"
#include "kvcache/kv_cache.h"

namespace kelle {

KvAdmission::KvAdmission(const KvConfig& config, const ModelShape& model, std::uint32_t prompt_tokens,
                         std::uint64_t context_tokens, const KvBudget& budget, const KvLayout& layout, KvSlots& slots, XStore& x_store,
                         KvValueCheck* check, KvStats& stats, EvictionUnit* evictor)
    : model_(model),
      prompt_tokens_(prompt_tokens),
      budget_(budget),
      layout_(layout),
      slots_(slots),
      x_store_(x_store),
      check_(check),
      stats_(stats),
      policy_(make_eviction_policy(config.policy, config.recent_tokens, config.kept_sinks(), evictor)),
      aerp_(config.policy == KvPolicy::aerp),
      registers_(config.registers),
      heads_(static_cast<std::size_t>(model.layers) * static_cast<std::size_t>(model.kv_heads)) {
    // A head never holds more tokens than the context has: a budget past it reserves nothing more.
    for (HeadCache& head : heads_) {
        head.reserve(std::min<std::uint64_t>(budget.held_tokens, context_tokens));
        head.use_registers(config.registers);
    }
}

void KvAdmission::admit(int region, std::uint32_t position, double t_ns, double importance) {
    HeadCache& cache = head(region);
    if (budget_.full(cache.size())) evict(region, cache.erase(policy_->victim(cache)), position, t_ns);
    const KvToken token = take_place(region, position, cache.kv_tokens(), t_ns);
    cache.append(position, token.slot, importance, token.as_x);
    count_admitted(cache.size());
}

void KvAdmission::evict(int region, const KvToken& victim, std::uint32_t for_position, double t_ns) {
    const int layer = region / model_.kv_heads;
    if (victim.as_x) x_store_.release(layer, victim.position, t_ns);
    else slots_.release(region, victim.slot, t_ns);
    ++stats_.evictions;
    KELLE_LOG(msg::kvcache, LogLevel::debug,
              "layer " << layer << " KV head " << region % model_.kv_heads << ": evicts position "
                       << victim.position << (victim.as_x ? " (x)" : "") << " for " << for_position);
    --held_all_;
}

KvToken KvAdmission::take_place(int region, std::uint32_t position, std::size_t kv_tokens, double t_ns) {
    if (aerp_ && kv_tokens >= budget_.kv_slots)  // the K/V tier is full: keep x
        return KvToken{position, 1, x_store_.acquire(region / model_.kv_heads, position, t_ns), 0};
    const KvToken token{position, 0, slots_.take(region, layout_.classes() - 1, t_ns), 0};
    if (check_) check_->add_to_full_cache(region, position);
    return token;
}

void KvAdmission::count_admitted(std::size_t head_tokens) {
    ++held_all_;
    stats_.resident_tokens_max = std::max<std::uint64_t>(stats_.resident_tokens_max, head_tokens);
}

void KvAdmission::admit_replayed(int region, std::uint32_t position, double importance, PromptEvictions& evictions,
                                 double t_ns) {
    if (const std::optional<std::uint32_t> victim = evictions.admit(position, importance)) {
        const KvToken& token = prompt_.tokens[*victim];
        evict(region, token, position, t_ns);
        prompt_.held[*victim] = false;
        --prompt_.held_tokens;
        if (!token.as_x) --prompt_.kv_tokens;
    }
    const KvToken token = take_place(region, position, prompt_.kv_tokens, t_ns);
    prompt_.tokens[position] = token;
    prompt_.held[position] = true;
    ++prompt_.held_tokens;
    if (!token.as_x) ++prompt_.kv_tokens;
    count_admitted(prompt_.held_tokens);
}

void KvAdmission::prefill_importance(int layer, int kv_head, const StepScores& prefill) {
    const int group = model_.heads / model_.kv_heads;
    prompt_importance_.assign(prompt_tokens_, 0.0);
    for (int q = kv_head * group; q < (kv_head + 1) * group; ++q) {
        const HeadScores& scores = prefill.at(layer, q);
        const std::size_t unlisted = prompt_tokens_ - scores.top.size();
        const double share = unlisted > 0 ? scores.residual / static_cast<double>(unlisted) : 0.0;
        for (double& importance : prompt_importance_) importance += share;
        for (const ScoreEntry& entry : scores.top) prompt_importance_[entry.position] += entry.score - share;
    }
    // A fixed-point register takes the prompt's attention once, as one increment [assumption:
    // the paper does not say how prefill fills the registers].
    if (!registers_.exact())
        for (double& importance : prompt_importance_) importance = registers_.add(0, registers_.increment(importance));
}

void KvAdmission::admit_prompt(int layer, int kv_head, const StepScores* prefill, double t_ns) {
    const int region = layout_.region(layer, kv_head);
    if (prefill) prefill_importance(layer, kv_head, *prefill);
    const auto importance = [&](std::uint32_t position) { return prefill ? prompt_importance_[position] : 0.0; };
    HeadCache& cache = head(region);
    // Every slot and stat is as admit() would leave it; only the head's tokens wait in prompt_
    // until the prompt is in.
    const std::unique_ptr<PromptEvictions> evictions =
        cache.fresh() ? policy_->prompt_evictions(budget_.held_tokens) : nullptr;
    if (evictions) {
        prompt_.tokens.resize(prompt_tokens_);
        prompt_.held.assign(prompt_tokens_, false);
        prompt_.held_tokens = prompt_.kv_tokens = 0;
    }
    for (std::uint32_t position = 0; position < prompt_tokens_; ++position) {
        if (evictions) admit_replayed(region, position, importance(position), *evictions, t_ns);
        else admit(region, position, t_ns, importance(position));
    }
    if (!evictions) return;
    for (std::uint32_t position = 0; position < prompt_tokens_; ++position) {
        const KvToken& token = prompt_.tokens[position];
        if (prompt_.held[position]) cache.append(position, token.slot, importance(position), token.as_x);
    }
}

std::uint64_t KvAdmission::search_elements(int layer) const {
    if (!policy_->searches_importance()) return 0;
    std::uint64_t elements = 0;  // importance values of every head that must evict to admit the new token
    for (int kv_head = 0; kv_head < model_.kv_heads; ++kv_head) {
        const HeadCache& cache = head(layout_.region(layer, kv_head));
        if (budget_.full(cache.size())) elements += cache.size();
    }
    return elements;
}

std::uint64_t KvAdmission::prompt_search_elements() const {
    // One pass over each KV head's prompt importance picks the tokens the budget keeps.
    if (!policy_->searches_importance() || prompt_tokens_ <= budget_.held_tokens) return 0;
    return static_cast<std::uint64_t>(model_.kv_heads) * prompt_tokens_;
}

std::uint64_t KvAdmission::held_tokens(int layer) const {
    std::uint64_t tokens = 0;
    for (int kv_head = 0; kv_head < model_.kv_heads; ++kv_head) tokens += head(layout_.region(layer, kv_head)).size();
    return tokens;
}

}  // namespace kelle
