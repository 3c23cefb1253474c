#include "kvcache/kv_classes.h"

#include <algorithm>
#include <stdexcept>

namespace kelle {

namespace {
// 2DRP's ranking for the important class: more accumulated attention first, older on ties.
bool ranks_before(const RankEntry& a, const RankEntry& b) { return MostOldestFirst{}(a, b); }

RankEntry entry_of(const KvToken& token) { return {token.relative_importance, token.position}; }

// Stale entries pile up (one per listed score); once both heaps hold more than twice the
// region's tokens and this slack, next_change rebuilds them.
constexpr std::size_t kStaleSlack = 64;
bool outgrown(std::size_t entries, std::size_t region_tokens) { return entries > 2 * region_tokens + kStaleSlack; }
// Room for a heap of `members` until then, reserved when it is built: decode's pushes then
// neither move the heap nor write memory a first time (page faults are costly in a VM).
std::size_t heap_room(std::size_t members, std::size_t region_tokens) { return members + region_tokens + kStaleSlack; }
}  // namespace

ImportanceClasses::ImportanceClasses(const KvLayout& layout, std::size_t regions) : layout_(layout), ranks_(regions) {
    for (std::size_t region = 0; region < regions; ++region)
        region_onchip_.push_back(layout.region_onchip(static_cast<int>(region)));
}

std::optional<double> ImportanceClasses::ranked_importance(const HeadCache& head, int importance_class,
                                                           const RankEntry& entry) const {
    const std::size_t index = head.search(entry.position);
    if (index == head.size()) return std::nullopt;
    const KvToken& token = head.tokens()[index];
    if (token.as_x || layout_.class_of(token.slot) != importance_class) return std::nullopt;
    return token.relative_importance;
}

void ImportanceClasses::rank(int region, const KvToken& token) {
    if (!classed(region) || token.as_x) return;
    Ranks& ranks = ranks_[static_cast<std::size_t>(region)];
    if (layout_.class_of(token.slot) == 0) ranks.important.push(entry_of(token));
    else ranks.other.push(entry_of(token));
}

void ImportanceClasses::rank_listed(int region, const HeadCache& head) {
    Ranks& ranks = ranks_[static_cast<std::size_t>(region)];
    for (const HeadCache::ListedChange& change : listed_) {
        const KvToken& token = head.tokens()[change.index];
        if (token.as_x) continue;
        const double after = token.relative_importance;
        if (layout_.class_of(token.slot) == 0) {
            if (decltype(ranks.important)::passes_bound(change.before, after)) ranks.important.push(entry_of(token));
        } else if (decltype(ranks.other)::passes_bound(change.before, after)) {
            ranks.other.push(entry_of(token));
        }
    }
}

void ImportanceClasses::rerank(int region, const HeadCache& head, std::uint64_t important_in_use) {
    Ranks& ranks = ranks_[static_cast<std::size_t>(region)];
    const auto& tokens = head.tokens();
    const auto of_class = [&](int importance_class) {
        return [&, importance_class](auto add) {
            for (const KvToken& token : tokens)
                if (!token.as_x && layout_.class_of(token.slot) == importance_class) add(entry_of(token));
        };
    };
    // Every K/V token holds one slot, so the other class holds the K/V tokens class 0 does not.
    ranks.important.rebuild(heap_room(important_in_use, tokens.size()), of_class(0));
    ranks.other.rebuild(heap_room(head.kv_tokens() - important_in_use, tokens.size()), of_class(1));
}

const std::vector<ClassChange>& ImportanceClasses::place_prompt(int region, const HeadCache& head) {
    changes_.clear();
    if (!classed(region)) return changes_;
    // Nothing is written yet, so one selection puts every token in its class: the first
    // `important` K/V tokens in 2DRP's order belong in class 0. Forms settle only once the whole
    // prompt is in (x_store.h swaps them), so this runs after them. The selection runs over
    // copies of the ranks, side by side, not over indices into the tokens.
    const auto& tokens = head.tokens();
    placement_order_.clear();
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (!tokens[i].as_x) placement_order_.push_back({entry_of(tokens[i]), static_cast<std::uint32_t>(i)});
    const std::size_t important = std::min<std::size_t>(layout_.class_slots(0), placement_order_.size());
    const auto wanted_end = placement_order_.begin() + static_cast<std::ptrdiff_t>(important);
    std::nth_element(placement_order_.begin(), wanted_end, placement_order_.end(),
                     [](const Placement& a, const Placement& b) { return ranks_before(a.rank, b.rank); });
    const auto in_class_0 = [&](const Placement& p) { return layout_.class_of(tokens[p.index].slot) == 0; };
    // Class 0 holds at most `important` tokens, so there are at least as many to bring in as to
    // take out: pair them, and the rest take free class-0 slots. A change touches only its own
    // two tokens, so deciding them all before any is carried out gives the same pairs.
    auto down = std::find_if(wanted_end, placement_order_.end(), in_class_0);
    for (auto up = placement_order_.begin(); up != wanted_end; ++up) {
        if (in_class_0(*up)) continue;
        if (down == placement_order_.end()) {
            changes_.push_back({up->index, std::nullopt});
            continue;
        }
        changes_.push_back({up->index, down->index});
        down = std::find_if(down + 1, placement_order_.end(), in_class_0);
    }
    // The selection's two sides are the classes once the changes are made: rank each from its side.
    const auto ranks_of = [](auto first, auto last) {
        return [first, last](auto add) {
            for (auto p = first; p != last; ++p) add(p->rank);
        };
    };
    Ranks& ranks = ranks_[static_cast<std::size_t>(region)];
    ranks.important.rebuild(heap_room(important, tokens.size()), ranks_of(placement_order_.begin(), wanted_end));
    ranks.other.rebuild(heap_room(placement_order_.size() - important, tokens.size()),
                        ranks_of(wanted_end, placement_order_.end()));
    return changes_;
}

std::optional<ClassChange> ImportanceClasses::next_change(int region, const HeadCache& head,
                                                          std::uint64_t important_in_use) {
    Ranks& ranks = ranks_[static_cast<std::size_t>(region)];
    if (outgrown(ranks.important.entries() + ranks.other.entries(), head.size())) rerank(region, head, important_in_use);
    const auto current = [&](int importance_class) {
        return [&, importance_class](const RankEntry& entry) { return ranked_importance(head, importance_class, entry); };
    };
    // While class 0 has room the other class's first token belongs in it; then each first of the
    // other class that ranks before class 0's last swaps places with it. Either way every token
    // moves at most once: the first of the other class is always one of the `important`, the last
    // of a full class 0 that it outranks never is.
    const std::size_t important = std::min<std::size_t>(layout_.class_slots(0), head.kv_tokens());
    const RankEntry* best_other = ranks.other.first(current(1));
    if (important_in_use < important) {
        if (!best_other) throw std::logic_error("2DRP: the unimportant class lost track of a token");
        return ClassChange{head.index_of(best_other->position), std::nullopt};
    }
    const RankEntry* worst_important = ranks.important.first(current(0));
    if (!worst_important || !best_other || !ranks_before(*best_other, *worst_important)) return std::nullopt;
    return ClassChange{head.index_of(best_other->position), head.index_of(worst_important->position)};
}

}  // namespace kelle
