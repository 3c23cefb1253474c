// ImportanceClasses: 2DRP's two importance classes (kv_layout.h cuts the on-chip store into
// an important and an unimportant area, refreshed at different intervals). It decides which
// K/V tokens of a region belong in which class; the KV cache carries the changes out (a slot
// change, and in decode a read and a write of the token's data). Plain C++, no SystemC: the
// rule is tested on hand-built heads (testbenches/kvcache/test_importance_classes.cpp).
//
// The rule: the min(class 0's slots, K/V tokens) K/V tokens of highest accumulated attention,
// older first on ties, belong in the important class 0; tokens kept as x (AERP) take no part.
// Only regions with a slot on chip are classed: there the classes are refresh groups; a region
// wholly in DRAM (refreshed by the DRAM itself) keeps its tokens where they were written.
//
// How it stays cheap: each region keeps two RankHeaps (rank_heap.h), the important class with
// its last-ranked token first and the other class with its first-ranked token first. The owner
// calls rank() whenever a K/V token takes a slot (a decode token, or a token that changed class
// in decode) and rank_listed() after each step's scores; so a step costs its changes, not a
// sort of the region. The classes are right when class 0 is full and its last token ranks
// before the other class's first.
//
// Prompt: before the prompt is written, place_prompt() puts every token in its class at once (a
// selection over the region) and ranks the region afresh. Decode: the owner polls
// next_change() and carries out each change it returns until it returns none; every token then
// moves at most once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "kvcache/eviction_policy.h"
#include "kvcache/kv_layout.h"
#include "kvcache/rank_heap.h"

namespace kelle {

// One token into class 0, by index in its head's tokens: into a free slot of class 0 (no
// `down`), or trading slots with `down`, a token of class 0 that leaves it.
struct ClassChange {
    std::size_t up;
    std::optional<std::size_t> down;
};

class ImportanceClasses {
public:
    // regions: (layer, KV head) pairs, numbered as kv_layout.h's. `layout` must outlive it.
    ImportanceClasses(const KvLayout& layout, std::size_t regions);

    // Whether the store has two classes at all, and whether a region's tokens are kept in them.
    bool enabled() const { return layout_.classes() == 2; }
    bool classed(int region) const { return enabled() && region_onchip_[static_cast<std::size_t>(region)]; }

    // A K/V token that took its slot (decode), or changed class: ranked in its slot's class.
    void rank(int region, const KvToken& token);
    // Where HeadCache::accumulate lists the tokens a step scored: a buffer for a classed region,
    // nullptr otherwise. After the step, rank_listed() ranks those whose score passed their bound.
    std::vector<HeadCache::ListedChange>* listing(int region) { return classed(region) ? &listed_ : nullptr; }
    void rank_listed(int region, const HeadCache& head);

    // The changes that put a classed region's unwritten prompt in its classes (empty for a region
    // not classed), to be carried out in order; the region is ranked as if they were.
    const std::vector<ClassChange>& place_prompt(int region, const HeadCache& head);
    // The next change a classed region needs after a step, given how many of its slots of class
    // 0 are in use; nothing once its classes are right. The owner carries it out and rank()s
    // each token it moved before it asks again. Throws std::logic_error if the rankings lost a
    // token (a broken invariant, not an input error).
    std::optional<ClassChange> next_change(int region, const HeadCache& head, std::uint64_t important_in_use);

private:
    struct Ranks {
        RankHeap<LeastYoungestFirst> important;  // class 0, its last-ranked token first
        RankHeap<MostOldestFirst> other;         // class 1, its first-ranked token first
    };
    // The entry's token's relative importance, or nothing when it is not a K/V token of the class.
    std::optional<double> ranked_importance(const HeadCache& head, int importance_class, const RankEntry& entry) const;
    // Every K/V token of the region, afresh (stale entries outgrew the region).
    void rerank(int region, const HeadCache& head, std::uint64_t important_in_use);

    const KvLayout& layout_;
    std::vector<Ranks> ranks_;         // per region
    std::vector<bool> region_onchip_;  // per region: KvLayout::region_onchip, asked per score
    std::vector<HeadCache::ListedChange> listed_;  // one head's listed tokens at a step, reused
    struct Placement {
        RankEntry rank;
        std::uint32_t index;  // of the token in its head
    };
    std::vector<Placement> placement_order_;  // place_prompt's K/V tokens, reused
    std::vector<ClassChange> changes_;        // place_prompt's answer, reused
};

}  // namespace kelle
