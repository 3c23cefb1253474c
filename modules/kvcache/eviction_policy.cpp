#include "kvcache/eviction_policy.h"

#include "kvcache/eviction_unit.h"

#include <algorithm>
#include <stdexcept>

namespace kelle {

void HeadCache::append(std::uint32_t position, std::uint32_t slot, double importance, bool as_x) {
    if (!tokens_.empty() && tokens_.back().position >= position)
        throw std::logic_error("HeadCache: positions must arrive in increasing order");
    tokens_.push_back(KvToken{position, as_x ? 1u : 0u, slot, importance - base_});
    if (!registers_.exact()) lanes_.push_back({static_cast<std::uint16_t>(importance), 0});
    if (!as_x) ++kv_tokens_;
}

KvToken HeadCache::erase(std::size_t index) {
    const KvToken token = tokens_.at(index);
    tokens_.erase(tokens_.begin() + static_cast<std::ptrdiff_t>(index));
    if (!registers_.exact()) lanes_.erase(lanes_.begin() + static_cast<std::ptrdiff_t>(index));
    if (!token.as_x) --kv_tokens_;
    return token;
}

void HeadCache::make_x(std::size_t index, std::uint32_t x_entry) {
    KvToken& token = tokens_.at(index);
    if (token.as_x) throw std::logic_error("HeadCache: the token is held as x already");
    token.as_x = 1;
    token.slot = x_entry;
    --kv_tokens_;
}

std::size_t HeadCache::search(std::uint32_t position) const {
    // Decode admits every position and never evicts the recent window, so the youngest tokens
    // are consecutive positions: where `position` would sit if that held is right most of the
    // time (scores favour recent tokens), and checking it costs no search.
    if (!tokens_.empty() && position <= tokens_.back().position) {
        const std::uint32_t behind_youngest = tokens_.back().position - position;
        if (behind_youngest < tokens_.size() && tokens_[tokens_.size() - 1 - behind_youngest].position == position)
            return tokens_.size() - 1 - behind_youngest;
    }
    // Tokens are kept in position order (append checks it), so a binary search finds one.
    const auto it = std::lower_bound(tokens_.begin(), tokens_.end(), position,
                                     [](const KvToken& t, std::uint32_t p) { return t.position < p; });
    return it != tokens_.end() && it->position == position ? static_cast<std::size_t>(it - tokens_.begin())
                                                           : tokens_.size();
}

std::size_t HeadCache::index_of(std::uint32_t position) const {
    const std::size_t index = search(position);
    if (index == tokens_.size()) throw std::logic_error("HeadCache: position not held");
    return index;
}

void HeadCache::begin_step() {
    for (std::size_t i = 0; i < lanes_.size(); ++i)
        lanes_[i] = {static_cast<std::uint16_t>(tokens_[i].relative_importance), 0};
}

double HeadCache::accumulate(const HeadScores& scores, int context_tokens, std::vector<ListedChange>* listed) {
    const std::size_t unlisted = static_cast<std::size_t>(context_tokens) - scores.top.size();
    const double share = unlisted > 0 ? scores.residual / static_cast<double>(unlisted) : 0.0;
    // Exact: the even share goes to the base. A register adds its increment, and saturates
    // token by token, so a share worth an increment is a pass over the head.
    const double share_gain = registers_.exact() ? 0.0 : registers_.increment(share);
    if (registers_.exact()) base_ += share;
    if (listed) listed->clear();
    if (share_gain > 0) scored_.assign(tokens_.size(), 0);
    double listed_held = 0;
    std::size_t listed_held_count = 0;
    for (const ScoreEntry& entry : scores.top) {
        const std::size_t index = search(entry.position);
        if (index == tokens_.size()) continue;
        raise(index, registers_.exact() ? entry.score - share : registers_.increment(entry.score), listed);
        if (share_gain > 0) scored_[index] = 1;
        listed_held += entry.score;
        ++listed_held_count;
    }
    if (share_gain > 0) raise_unlisted(share_gain, listed);
    return listed_held + share * static_cast<double>(tokens_.size() - listed_held_count);
}

void HeadCache::raise(std::size_t index, double gain, std::vector<ListedChange>* listed) {
    KvToken& token = tokens_[index];
    const double before = token.relative_importance;
    if (registers_.exact()) {
        token.relative_importance += gain;
    } else {
        token.relative_importance = registers_.add(before, gain);
        lanes_[index].lane = static_cast<std::uint16_t>(registers_.add(lanes_[index].lane, gain));
    }
    if (static_cast<std::int64_t>(token.position) <= candidates_through_ && index >= sinks_ &&
        RankHeap<LeastOldestFirst>::passes_bound(before, token.relative_importance))
        candidates_.push({token.relative_importance, token.position});
    if (listed) listed->push_back({index, before});
}

void HeadCache::raise_unlisted(double gain, std::vector<ListedChange>* listed) {
    for (std::size_t i = 0; i < tokens_.size(); ++i)
        if (!scored_[i]) raise(i, gain, listed);
}

void HeadCache::push_candidates(std::size_t sinks, std::size_t end) {
    const auto after_pushed = std::upper_bound(tokens_.begin(), tokens_.end(), candidates_through_,
                                               [](std::int64_t p, const KvToken& t) { return p < t.position; });
    for (auto i = std::max(sinks, static_cast<std::size_t>(after_pushed - tokens_.begin())); i < end; ++i) {
        candidates_.push({tokens_[i].relative_importance, tokens_[i].position});
        candidates_through_ = tokens_[i].position;
    }
}

std::size_t HeadCache::least_important(std::size_t sinks, std::size_t recent) {
    // Stale entries pile up (one per listed score); past twice the head, rebuilding is cheaper.
    if (candidates_.entries() > 2 * tokens_.size() + 64) {
        candidates_.clear();
        candidates_through_ = -1;
    }
    sinks_ = sinks;
    push_candidates(sinks, tokens_.size() - std::min(recent, tokens_.size()));
    const RankEntry* first = candidates_.first([this](const RankEntry& entry) -> std::optional<double> {
        const std::size_t index = search(entry.position);
        if (index == tokens_.size()) return std::nullopt;
        return tokens_[index].relative_importance;
    });
    if (!first) throw std::logic_error("HeadCache: no token may be evicted");
    return index_of(first->position);
}

namespace {

// window and streaming: past the first `kept` positions the head holds consecutive positions,
// so the victim is the oldest of them.
class OldestEvictions : public PromptEvictions {
public:
    OldestEvictions(std::size_t budget, std::uint32_t kept) : budget_(budget), next_victim_(kept) {}
    std::optional<std::uint32_t> admit(std::uint32_t, double) override {
        if (held_ < budget_) {
            ++held_;
            return std::nullopt;
        }
        return next_victim_++;
    }

private:
    std::size_t budget_;
    std::size_t held_ = 0;
    std::uint32_t next_victim_;
};

// h2o, aep, aerp: the victim is the least important held position past the sinks and before the
// recent window, the oldest of equals (HeadCache::least_important). The sinks and the window
// are never evicted, so the window is the `recent` positions before the one admitted; with
// importances fixed, a position enters the heap once, when it leaves the window, and leaves it
// once, when it is evicted.
class LeastImportantEvictions : public PromptEvictions {
public:
    LeastImportantEvictions(std::size_t budget, std::size_t recent, std::size_t sinks)
        : budget_(budget), recent_(recent), next_candidate_(static_cast<std::uint32_t>(sinks)) {}
    std::optional<std::uint32_t> admit(std::uint32_t position, double importance) override {
        std::optional<std::uint32_t> victim;
        if (importances_.size() - evicted_ == budget_) {
            for (; next_candidate_ + recent_ < position; ++next_candidate_)
                candidates_.push({importances_[next_candidate_], next_candidate_});
            victim = candidates_.first([](const RankEntry& entry) { return std::optional<double>(entry.relative_importance); })
                         ->position;
            candidates_.pop();
            ++evicted_;
        }
        importances_.push_back(importance);
        return victim;
    }

private:
    std::size_t budget_;
    std::size_t recent_;
    std::uint32_t next_candidate_;   // the oldest position not yet pushed
    std::vector<double> importances_;  // by position
    std::size_t evicted_ = 0;
    RankHeap<LeastOldestFirst> candidates_;
};

class FullPolicy : public EvictionPolicy {
public:
    const char* name() const override { return "full"; }
    std::size_t victim(HeadCache&) const override {
        throw std::logic_error("full policy never evicts");
    }
};

class WindowPolicy : public EvictionPolicy {
public:
    const char* name() const override { return "window"; }
    std::size_t victim(HeadCache&) const override { return 0; }  // the oldest
    std::unique_ptr<PromptEvictions> prompt_evictions(std::size_t budget_tokens) const override {
        return std::make_unique<OldestEvictions>(budget_tokens, 0);
    }
};

class StreamingPolicy : public EvictionPolicy {
public:
    explicit StreamingPolicy(std::size_t sinks) : sinks_(sinks) {}
    const char* name() const override { return "streaming"; }
    std::size_t victim(HeadCache&) const override { return sinks_; }  // the oldest past the sinks
    std::unique_ptr<PromptEvictions> prompt_evictions(std::size_t budget_tokens) const override {
        return std::make_unique<OldestEvictions>(budget_tokens, static_cast<std::uint32_t>(sinks_));
    }

private:
    std::size_t sinks_;
};

class H2oPolicy : public EvictionPolicy {
public:
    // `aep` is Kelle's attention-based eviction without recomputation; as we read the paper
    // (kelle-paper.md) its rule is H2O's, so it shares this class under its own name, and so
    // does `aerp`, whose recomputation is the KV cache's business (x_store.h).
    // sinks: the first positions never evicted (Kelle keeps 10; H2O none).
    H2oPolicy(const char* name, std::size_t recent, std::size_t sinks, EvictionUnit* unit)
        : name_(name), recent_(recent), sinks_(sinks), unit_(unit) {}
    const char* name() const override { return name_; }
    bool searches_importance() const override { return true; }
    std::size_t victim(HeadCache& head) const override {
        return unit_ ? unit_->least_important(head, sinks_, recent_) : head.least_important(sinks_, recent_);
    }
    std::unique_ptr<PromptEvictions> prompt_evictions(std::size_t budget_tokens) const override {
        if (unit_) return nullptr;  // the unit decides every victim, the prompt's too
        return std::make_unique<LeastImportantEvictions>(budget_tokens, recent_, sinks_);
    }

private:
    const char* name_;
    std::size_t recent_;
    std::size_t sinks_;
    EvictionUnit* unit_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_eviction_policy(KvPolicy policy, std::size_t recent_tokens,
                                                     std::size_t sink_tokens, EvictionUnit* unit) {
    if (policy == KvPolicy::full) return std::make_unique<FullPolicy>();
    if (policy == KvPolicy::window) return std::make_unique<WindowPolicy>();
    if (policy == KvPolicy::streaming) return std::make_unique<StreamingPolicy>(sink_tokens);
    return std::make_unique<H2oPolicy>(kKvPolicies.name(policy).c_str(), recent_tokens, sink_tokens, unit);
}

void check_budget_holds(KvPolicy policy, std::size_t budget_tokens, std::size_t recent_tokens,
                        std::size_t sink_tokens) {
    if (policy == KvPolicy::full) return;
    if (budget_tokens == 0) throw std::invalid_argument("a budget of 0 tokens keeps nothing");
    if (policy == KvPolicy::window) return;
    if (policy == KvPolicy::streaming) {
        if (sink_tokens >= budget_tokens) throw std::invalid_argument("the sinks must be fewer than the budget");
        return;
    }
    if (sink_tokens + recent_tokens >= budget_tokens)
        throw std::invalid_argument("the sinks and the recent window must be fewer than the budget");
}

}  // namespace kelle
