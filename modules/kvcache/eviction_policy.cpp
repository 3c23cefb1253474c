#include "kvcache/eviction_policy.h"

#include "kvcache/eviction_unit.h"

#include <algorithm>
#include <stdexcept>

namespace kelle {

void HeadCache::append(std::uint32_t position, std::uint32_t slot, double importance, bool as_x) {
    if (!tokens_.empty() && tokens_.back().position >= position)
        throw std::logic_error("HeadCache: positions must arrive in increasing order");
    tokens_.push_back(KvToken{position, as_x ? 1u : 0u, slot, importance - base_});
    if (!as_x) ++kv_tokens_;
}

KvToken HeadCache::erase(std::size_t index) {
    const KvToken token = tokens_.at(index);
    tokens_.erase(tokens_.begin() + static_cast<std::ptrdiff_t>(index));
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

KvToken* HeadCache::find(std::uint32_t position) {
    const std::size_t index = search(position);
    return index == tokens_.size() ? nullptr : &tokens_[index];
}

double HeadCache::accumulate(const HeadScores& scores, int context_tokens) {
    const std::size_t unlisted = static_cast<std::size_t>(context_tokens) - scores.top.size();
    const double share = unlisted > 0 ? scores.residual / static_cast<double>(unlisted) : 0.0;
    double listed_held = 0;
    std::size_t listed_held_count = 0;
    base_ += share;
    for (const ScoreEntry& entry : scores.top) {
        if (KvToken* token = find(entry.position)) {
            token->relative_importance += entry.score - share;
            listed_held += entry.score;
            ++listed_held_count;
        }
    }
    return listed_held + share * static_cast<double>(tokens_.size() - listed_held_count);
}

std::size_t EvictionPolicy::least_important(const HeadCache& head, std::size_t first, std::size_t candidates,
                                            FrozenVictims& frozen) {
    auto& heap = frozen.heap_;
    const auto later = [](const FrozenVictims::Candidate& a, const FrozenVictims::Candidate& b) {
        return a.importance != b.importance ? a.importance > b.importance : a.position > b.position;
    };
    // Only victims leave the head and the sinks before `first` never do, so the heap holds exactly
    // the heap.size() tokens from `first` on: the ones after them, up to the candidate boundary,
    // have left the recent window since.
    for (std::size_t i = first + heap.size(); i < candidates; ++i) {
        heap.push_back({head.tokens()[i].relative_importance, head.tokens()[i].position});
        std::push_heap(heap.begin(), heap.end(), later);
    }
    std::pop_heap(heap.begin(), heap.end(), later);
    const std::uint32_t position = heap.back().position;
    heap.pop_back();
    return head.index_of(position);
}

namespace {

class FullPolicy : public EvictionPolicy {
public:
    const char* name() const override { return "full"; }
    std::size_t budget_tokens() const override { return 0; }
    std::size_t victim(const HeadCache&) const override {
        throw std::logic_error("full policy never evicts");
    }
};

class WindowPolicy : public EvictionPolicy {
public:
    explicit WindowPolicy(std::size_t budget) : budget_(budget) {}
    const char* name() const override { return "window"; }
    std::size_t budget_tokens() const override { return budget_; }
    std::size_t victim(const HeadCache&) const override { return 0; }  // the oldest

private:
    std::size_t budget_;
};

class StreamingPolicy : public EvictionPolicy {
public:
    StreamingPolicy(std::size_t budget, std::size_t sinks) : budget_(budget), sinks_(sinks) {}
    const char* name() const override { return "streaming"; }
    std::size_t budget_tokens() const override { return budget_; }
    std::size_t victim(const HeadCache&) const override { return sinks_; }  // the oldest past the sinks

private:
    std::size_t budget_;
    std::size_t sinks_;
};

class H2oPolicy : public EvictionPolicy {
public:
    // `aep` is Kelle's attention-based eviction without recomputation; as we read the paper
    // (kelle-paper.md) its rule is H2O's, so it shares this class under its own name, and so
    // does `aerp`, whose recomputation is the KV cache's business (x_store.h).
    // sinks: the first positions never evicted (Kelle keeps 10; H2O none).
    H2oPolicy(const char* name, std::size_t budget, std::size_t recent, std::size_t sinks, EvictionUnit* unit)
        : name_(name), budget_(budget), recent_(recent), sinks_(sinks), unit_(unit) {}
    const char* name() const override { return name_; }
    bool searches_importance() const override { return true; }
    std::size_t budget_tokens() const override { return budget_; }
    std::size_t victim(const HeadCache& head) const override {
        return unit_ ? unit_->least_important(head, sinks_, recent_) : least_important_scan(head, sinks_, recent_);
    }
    // A unit searches every time: the heap only stands in for the TLM scan.
    std::size_t victim(const HeadCache& head, FrozenVictims& frozen) const override {
        if (unit_) return unit_->least_important(head, sinks_, recent_);
        return least_important(head, sinks_, head.size() - std::min(recent_, head.size()), frozen);
    }

private:
    const char* name_;
    std::size_t budget_;
    std::size_t recent_;
    std::size_t sinks_;
    EvictionUnit* unit_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_eviction_policy(KvPolicy policy, std::size_t budget_tokens,
                                                     std::size_t recent_tokens, std::size_t sink_tokens,
                                                     EvictionUnit* unit) {
    if (policy == KvPolicy::full) return std::make_unique<FullPolicy>();
    if (budget_tokens == 0) throw std::invalid_argument("a budget of 0 tokens keeps nothing");
    if (policy == KvPolicy::window) return std::make_unique<WindowPolicy>(budget_tokens);
    if (policy == KvPolicy::streaming) {
        if (sink_tokens >= budget_tokens) throw std::invalid_argument("the sinks must be fewer than the budget");
        return std::make_unique<StreamingPolicy>(budget_tokens, sink_tokens);
    }
    if (sink_tokens + recent_tokens >= budget_tokens)
        throw std::invalid_argument("the sinks and the recent window must be fewer than the budget");
    return std::make_unique<H2oPolicy>(kKvPolicies.name(policy).c_str(), budget_tokens, recent_tokens, sink_tokens,
                                       unit);
}

}  // namespace kelle
