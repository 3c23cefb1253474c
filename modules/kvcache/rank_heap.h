// RankHeap: the first of a changing set of tokens by importance, without a pass over the set.
//
// The eviction victim and 2DRP's class boundary are asked for at every decode step of every
// head; scanning the head each time cost a pass over batch x budget tokens per step (the PG19
// shape holds 2M). A token's relative importance (eviction_policy.h) changes only when a step
// lists it, so a heap of (relative importance, position) entries stays nearly right: an entry
// is pushed when a token joins the set or its importance changes, and the entries that no
// longer describe a member (evicted, moved to the other class, importance changed since) are
// dropped lazily, when they come to the top. The owner says which entries are current.
//
// Orders: Precedes(a, b) is true when a comes out before b; it must be a strict total order on
// (importance, position) so that the first is the same token a scan would find.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace kelle {

struct RankEntry {
    double relative_importance;
    std::uint32_t position;
};

// Least importance first, the oldest of equals (the eviction victim).
struct LeastOldestFirst {
    bool operator()(const RankEntry& a, const RankEntry& b) const {
        return a.relative_importance != b.relative_importance ? a.relative_importance < b.relative_importance
                                                              : a.position < b.position;
    }
};
// Least importance first, the youngest of equals (the important class's last-ranked token).
struct LeastYoungestFirst {
    bool operator()(const RankEntry& a, const RankEntry& b) const {
        return a.relative_importance != b.relative_importance ? a.relative_importance < b.relative_importance
                                                              : a.position > b.position;
    }
};
// Most importance first, the oldest of equals (the unimportant class's first-ranked token).
struct MostOldestFirst {
    bool operator()(const RankEntry& a, const RankEntry& b) const {
        return a.relative_importance != b.relative_importance ? a.relative_importance > b.relative_importance
                                                              : a.position < b.position;
    }
};

template <class Precedes>
class RankHeap {
public:
    void push(RankEntry entry) {
        heap_.push_back(entry);
        std::push_heap(heap_.begin(), heap_.end(), after_);
    }
    // The first current entry, dropping the stale ones above it; nullptr when none is left.
    // is_current(entry) says whether the entry still describes a member at its importance.
    template <class IsCurrent>
    const RankEntry* first(IsCurrent is_current) {
        while (!heap_.empty() && !is_current(heap_.front())) pop();
        return heap_.empty() ? nullptr : &heap_.front();
    }
    void pop() {
        std::pop_heap(heap_.begin(), heap_.end(), after_);
        heap_.pop_back();
    }
    // Entries, stale ones included: the owner rebuilds the heap when they outgrow the set.
    std::size_t entries() const { return heap_.size(); }
    void clear() { heap_.clear(); }

private:
    // std's heap functions put the greatest first: "greatest" here is the first to come out.
    struct After {
        bool operator()(const RankEntry& a, const RankEntry& b) const { return Precedes{}(b, a); }
    };
    std::vector<RankEntry> heap_;
    After after_;
};

}  // namespace kelle
