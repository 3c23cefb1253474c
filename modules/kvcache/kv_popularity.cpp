#include "kvcache/kv_popularity.h"

#include <algorithm>

#include "kvcache/kv_budget.h"

namespace kelle {

PopularTokens::PopularTokens(const ModelShape& model, double popular_share, std::optional<std::uint64_t> limit)
    : model_(model), min_heads_(popular_min_heads(popular_share, model.kv_heads)), limit_(limit) {}

void PopularTokens::start(std::uint32_t prompt_tokens) { holders_.assign(prompt_tokens, 0); }

void PopularTokens::count(const HeadCache& head) {
    for (const KvToken& token : head.tokens()) ++holders_[token.position];
}

void PopularTokens::choose(KvStats& stats) {
    for (const int holders : holders_) {
        if (holders < min_heads_) continue;
        ++stats.popular_tokens;
        if (!x_saves_bytes(model_, holders)) ++stats.x_saves_nothing_tokens;
    }
    if (!limit_) return;
    popular_.clear();
    for (std::uint32_t position = 0; position < holders_.size(); ++position)
        if (as_x(position)) popular_.push_back(position);
    if (popular_.size() <= *limit_) return;
    // The most-held tokens save the most K/V; among equals the older (stable sort).
    std::stable_sort(popular_.begin(), popular_.end(),
                     [this](std::uint32_t a, std::uint32_t b) { return holders_[a] > holders_[b]; });
    for (std::size_t i = *limit_; i < popular_.size(); ++i) holders_[popular_[i]] = 0;
}

bool PopularTokens::as_x(std::uint32_t position) const {
    const int holders = holders_[position];
    return holders >= min_heads_ && x_saves_bytes(model_, holders);
}

}  // namespace kelle
