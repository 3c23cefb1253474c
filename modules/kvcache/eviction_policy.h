// KV eviction policies, free of SystemC so they are unit-tested on hand-made score sequences.
//
// A HeadCache is the set of tokens one (layer, KV head) keeps, in position order, each with
// its slot in the KV store and its importance: the attention it has received so far, summed
// over decode steps and over the query heads that share the KV head (H2O's accumulated
// attention; with grouped-query attention the group shares one cache, so it shares one score).
// Every step spreads a head's residual attention evenly over all the tokens it holds; the head
// adds that share to a base of its own instead of to each token (a token keeps its importance
// relative to the base), so a step costs its listed scores, not a pass over the head. The
// uniform share never changes which token ranks before which, and every search compares
// relative importances.
//
// Policies (kv.policy; definitions in docs/kv-policies.md):
//   full    keeps every token; the store spills to off-chip DRAM when it is full.
//   window  keeps the budget_tokens most recent tokens.
//   streaming keeps the first sink_tokens positions (attention sinks) and the most recent
//           tokens up to the budget (StreamingLLM).
//   h2o     keeps the recent_tokens most recent tokens, and fills the rest of the budget with
//           the tokens of highest accumulated attention (heavy hitters); ties evict the oldest.
//           Given sink_tokens, it also always keeps the first that many positions.
//   aep     Kelle's attention-based eviction: by our reading of the paper h2o's rule, which
//           also keeps 10 sinks (given as sink_tokens).
//   aerp    aep's eviction; the KV cache keeps part of the retained tokens as x (x_store.h).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "trace/trace.h"
#include "kvcache/rank_heap.h"

namespace kelle {

enum class KvPolicy { full, window, streaming, h2o, aep, aerp };
inline const Choices<KvPolicy> kKvPolicies{{"full", KvPolicy::full},           {"window", KvPolicy::window},
                                           {"streaming", KvPolicy::streaming}, {"h2o", KvPolicy::h2o},
                                           {"aep", KvPolicy::aep},             {"aerp", KvPolicy::aerp}};
// h2o, aep and aerp: they rank tokens by accumulated attention and keep a recent window.
inline bool ranks_by_importance(KvPolicy policy) {
    return policy == KvPolicy::h2o || policy == KvPolicy::aep || policy == KvPolicy::aerp;
}

class EvictionUnit;  // eviction_unit.h

// The evictor's score registers, one per held token (pe.score_bits; paper sec. 5.1: 4 bits). At
// 64 the importance is exact: the attention received, summed as a double. Below 64 it is a
// register of `bits` bits to which each query head's attention at a step adds its count of
// 2^-bits, rounded down, saturating at 2^bits - 1 [assumption: the paper accumulates pre-softmax
// QK^T logits but gives neither their scale nor how a negative logit enters an unsigned
// register; the platform's scores are attention probabilities]. At 4 bits a token gains one for
// each head that gives it at least 1/16 of its attention, and stops at 15; ties, which become
// common, evict the oldest.
struct ScoreRegisters {
    static constexpr int kExactBits = 64;
    static constexpr int kMaxFixedBits = 16;
    int bits = kExactBits;

    bool exact() const { return bits >= kExactBits; }
    // 2^bits, by a shift below 64 bits: ldexp was a tenth of a 4-bit run's time.
    double scale() const { return exact() ? std::ldexp(1.0, bits) : static_cast<double>(std::uint64_t{1} << bits); }
    double max() const { return scale() - 1; }
    // What `attention` adds to a register (a product by a power of two, exact as ldexp).
    double increment(double attention) const { return std::floor(attention * scale()); }
    // A register holding `value` after `increment` is added.
    double add(double value, double increment) const { return std::min(max(), value + increment); }
};

// A fixed-point register as the evictor sees it at its next search: its value before the last
// step's scores and the sum they added (at most the register's max), so that the block's own
// adder and saturation give the register the cache holds: min(max, before + lane).
struct ScoreLane {
    std::uint16_t before;
    std::uint16_t lane;
};

// 16 bytes (position and form share a word): under `full`, LLaMA-2-7B at 16K tokens of context
// keeps 16K of these in each of its 1024 heads, and the run must stay under 500 MB of RSS.
struct KvToken {
    std::uint32_t position : 31;
    std::uint32_t as_x : 1;  // AERP: kept as the layer input x, K/V recomputed on use
    std::uint32_t slot;      // its K/V slot, or (AERP, as_x) its layer's x entry
    double relative_importance;  // its importance less the head's base (HeadCache::importance)
};
static_assert(sizeof(KvToken) == 16, "KvToken's size sets the RSS of long contexts");

class HeadCache {
public:
    const std::vector<KvToken>& tokens() const { return tokens_; }
    // No token and no attention yet: a prompt may be admitted by replay (PromptEvictions).
    bool fresh() const { return tokens_.empty() && base_ == 0; }
    // For moving tokens between slots: callers may change `slot`, and swap `as_x` between two
    // tokens (so kv_tokens() stays right), never position or order.
    std::vector<KvToken>& tokens_for_placement() { return tokens_; }
    std::size_t size() const { return tokens_.size(); }
    // Room for the most tokens the head will hold, allocated once: growing by doubling would
    // leave the freed smaller arrays in the heap, about doubling the RSS of long contexts.
    void reserve(std::size_t tokens) { tokens_.reserve(tokens); }
    // Tokens kept as K/V (not as_x): counted, not scanned, because every admission asks.
    std::size_t kv_tokens() const { return kv_tokens_; }
    // Index of the token at `position`; it must be held.
    std::size_t index_of(std::uint32_t position) const;
    // Index of the token at `position`, or size() when it is not held.
    std::size_t search(std::uint32_t position) const;
    // The accumulated attention of tokens()[index] (with fixed-point registers, its register).
    double importance(std::size_t index) const { return tokens_[index].relative_importance + base_; }
    // The registers importances are kept in: exact unless set before the first token.
    void use_registers(ScoreRegisters registers) { registers_ = registers; }
    const ScoreRegisters& registers() const { return registers_; }
    // Fixed-point registers only: tokens()[index]'s register as the last step left it to the evictor.
    ScoreLane score_lane(std::size_t index) const { return lanes_[index]; }
    // Fixed-point registers only (a no-op when exact): a new step's scores start, every lane at 0.
    void begin_step();
    // Index of the least important of tokens()[sinks, size() - recent), the oldest of equals:
    // least_important_scan's answer (eviction_unit.h), kept in a RankHeap from call to call
    // instead of scanned. A head must be asked with the same `sinks` every time.
    std::size_t least_important(std::size_t sinks, std::size_t recent);

    // Appends a token with the attention it has already received (from prefill, if known; with
    // fixed-point registers as a register value); positions arrive in increasing order.
    void append(std::uint32_t position, std::uint32_t slot, double importance = 0, bool as_x = false);
    // Removes tokens()[index] and returns it.
    KvToken erase(std::size_t index);
    // AERP: tokens()[index], held as K/V, is held as x from now on, in `x_entry`.
    void make_x(std::size_t index, std::uint32_t x_entry);

    // A token whose importance a step changed, by its index in tokens(), and its relative
    // importance before the step's score.
    struct ListedChange {
        std::size_t index;
        double before;
    };
    // Adds one query head's attention at a step over `context_tokens` cached positions:
    // listed positions get their score, every other position residual / (unlisted count)
    // (with fixed-point registers, each as its increment).
    // Returns the attention mass this head put on the tokens this cache holds (1 = none lost).
    // `listed`, if given, is filled with the listed tokens held, and with fixed-point registers
    // every token the share raised (for rankings kept elsewhere).
    double accumulate(const HeadScores& scores, int context_tokens, std::vector<ListedChange>* listed = nullptr);

private:
    // Pushes the tokens that have left the recent window since the last call.
    void push_candidates(std::size_t sinks, std::size_t end);
    // Adds `gain` to tokens()[index]'s importance (relative, or its register's increment).
    void raise(std::size_t index, double gain, std::vector<ListedChange>* listed);
    // Fixed-point registers: the even share's increment to every token no listed score reached.
    void raise_unlisted(double gain, std::vector<ListedChange>* listed);

    std::vector<KvToken> tokens_;
    ScoreRegisters registers_;
    std::vector<ScoreLane> lanes_;  // fixed-point registers only, one per token
    std::vector<char> scored_;      // raise_unlisted's marks of the listed tokens, reused
    std::size_t kv_tokens_ = 0;
    double base_ = 0;  // attention every token held has received as an even share
    // least_important's candidates: every token past the sinks up to the youngest pushed.
    RankHeap<LeastOldestFirst> candidates_;
    std::int64_t candidates_through_ = -1;  // the youngest position pushed; -1: none yet
    std::size_t sinks_ = 0;
};

// The evictions of a prompt admitted into a fresh head, position after position from 0, found
// without the head: no step adds attention while the prompt goes in, so a policy can tell its
// victims from the positions and their importances alone. Erasing each victim from the middle
// of a HeadCache moves the tail behind it, which for a prompt of thousands of tokens past the
// budget is most of a long run's time.
class PromptEvictions {
public:
    virtual ~PromptEvictions() = default;
    // Admits `position`, the next in order, with the attention it has received; returns the
    // position victim() would evict to make room for it, when the head is full.
    virtual std::optional<std::uint32_t> admit(std::uint32_t position, double importance) = 0;
};

class EvictionPolicy {
public:
    virtual ~EvictionPolicy() = default;
    virtual const char* name() const = 0;
    // Index into head.tokens() of the token to evict; called when the head holds its budget
    // (the budget is its owner's, KvBudget: a policy keeps no budget of its own).
    // The head keeps the search's state (HeadCache::least_important).
    virtual std::size_t victim(HeadCache& head) const = 0;
    // Whether choosing a victim searches the importance values (the eviction unit's min search)
    // rather than taking a fixed position.
    virtual bool searches_importance() const { return false; }
    // A prompt's evictions without the head, for a head that holds at most budget_tokens;
    // nullptr when each must be asked of victim() (an eviction unit decides them) or the policy
    // never evicts.
    virtual std::unique_ptr<PromptEvictions> prompt_evictions(std::size_t /*budget_tokens*/) const { return nullptr; }
};

// sink_tokens: the first positions streaming, h2o, aep and aerp never evict (0: none). The
// budget must hold the recent window and the sinks (check_budget_holds). `unit`, if given, makes
// every victim of a searching policy (h2o, aep, aerp) the unit's decision (eviction_unit.h); it
// must outlive the policy.
std::unique_ptr<EvictionPolicy> make_eviction_policy(KvPolicy policy, std::size_t recent_tokens,
                                                     std::size_t sink_tokens = 0, EvictionUnit* unit = nullptr);
// Throws std::invalid_argument for a budget that cannot hold what `policy` never evicts: the
// sinks (streaming), or the sinks and the recent window (h2o, aep, aerp); none for `full`.
// KvConfig's rules check the same first and name the key; KvBudget::of asks this.
void check_budget_holds(KvPolicy policy, std::size_t budget_tokens, std::size_t recent_tokens,
                        std::size_t sink_tokens);

}  // namespace kelle
