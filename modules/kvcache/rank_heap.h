// RankHeap: the first of a changing set of tokens by importance, without a pass over the set.
//
// The eviction victim and 2DRP's class boundary are asked for at every decode step of every
// head; scanning the head each time cost a pass over batch x budget tokens per step (the PG19
// shape holds 2M). A token's relative importance (eviction_policy.h) changes only when a step
// lists it, so a heap of (relative importance, position) entries stays nearly right. Each
// member keeps at least one entry that is a bound: one that would come out no later than the
// member at its importance now (a least-first heap holds lower bounds). So an entry is pushed
// when a token joins the set and when a change takes its importance past its bound (toward the
// heap's first end); a change away from it needs no push. When an entry comes to the top it is
// dropped if its token has left the set, taken if its importance is exact, and otherwise pushed
// again at the token's importance now. Each heap is then popped about once a step, not once
// for every listed score.
//
// Orders: Precedes(a, b) is true when a comes out before b; it must be a strict total order on
// (importance, position) so that the first is the same token a scan would find.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
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
    // Whether a member whose importance went from `before` to `after` needs a new entry to stay
    // bounded (see above).
    static bool passes_bound(double before, double after) {
        return Precedes{}(RankEntry{after, 0}, RankEntry{before, 0});
    }
    // The first member at its exact importance; nullptr when none is left. importance_of(entry)
    // gives the relative importance now of the entry's token, or nothing when it is no longer a
    // member.
    template <class ImportanceOf>
    const RankEntry* first(ImportanceOf importance_of) {
        while (!heap_.empty()) {
            const RankEntry top = heap_.front();
            const std::optional<double> now = importance_of(top);
            if (now && *now == top.relative_importance) return &heap_.front();
            pop();
            if (now) push({*now, top.position});
        }
        return nullptr;
    }
    void pop() {
        std::pop_heap(heap_.begin(), heap_.end(), after_);
        heap_.pop_back();
    }
    // Entries, stale ones included: the owner rebuilds the heap when they outgrow the set.
    std::size_t entries() const { return heap_.size(); }
    void clear() { heap_.clear(); }
    // Replaces every entry with those fill(add) adds, ordered once at the end: linear, where a
    // push each is n log n (a region's whole prompt is ranked at once). Reserves room for
    // `room` entries, the new ones included.
    template <class Fill>
    void rebuild(std::size_t room, Fill fill) {
        heap_.clear();
        heap_.reserve(room);
        fill([this](RankEntry entry) { heap_.push_back(entry); });
        std::make_heap(heap_.begin(), heap_.end(), after_);
    }

private:
    // std's heap functions put the greatest first: "greatest" here is the first to come out.
    struct After {
        bool operator()(const RankEntry& a, const RankEntry& b) const { return Precedes{}(b, a); }
    };
    std::vector<RankEntry> heap_;
    After after_;
};

}  // namespace kelle
