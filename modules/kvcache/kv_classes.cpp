// KvCache's 2DRP part: keeping each region's most-attended K/V tokens in the important class
// (the class is declared in kv_cache.h).
//
// Each region keeps two RankHeaps (rank_heap.h): the important class with its last-ranked
// token first, the other class with its first-ranked token first. A token is pushed when it
// takes a K/V slot, when a step's score takes it past its bound, and when it changes class; so a
// step costs its changes, not a sort of the region. The classes are right when the important class is full and its
// last token ranks before the other class's first.
#include <algorithm>
#include <optional>
#include <stdexcept>

#include "kvcache/kv_cache.h"

namespace kelle {

namespace {
// 2DRP's ranking for the important class: more accumulated attention first, older on ties.
bool ranks_before(const RankEntry& a, const RankEntry& b) { return MostOldestFirst{}(a, b); }

RankEntry entry_of(const KvToken& token) { return {token.relative_importance, token.position}; }

// Stale entries pile up (one per listed score); once both heaps hold more than twice the
// region's tokens and this slack, reclassify rebuilds them.
constexpr std::size_t kStaleSlack = 64;
bool outgrown(std::size_t entries, std::size_t region_tokens) { return entries > 2 * region_tokens + kStaleSlack; }
// Room for a heap of `members` until then, reserved when it is built: decode's pushes then
// neither move the heap nor write memory a first time (page faults are costly in a VM).
std::size_t heap_room(std::size_t members, std::size_t region_tokens) { return members + region_tokens + kStaleSlack; }
}  // namespace

std::optional<double> KvCache::ranked_importance(const HeadCache& head, int importance_class,
                                                 const RankEntry& entry) const {
    const std::size_t index = head.search(entry.position);
    if (index == head.size()) return std::nullopt;
    const KvToken& token = head.tokens()[index];
    if (token.as_x || layout_.class_of(token.slot) != importance_class) return std::nullopt;
    return token.relative_importance;
}

void KvCache::rank(int region, const KvToken& token) {
    if (!classed(region) || token.as_x) return;
    ClassRanks& ranks = class_ranks_[static_cast<std::size_t>(region)];
    if (layout_.class_of(token.slot) == 0) ranks.important.push(entry_of(token));
    else ranks.other.push(entry_of(token));
}

void KvCache::rank_listed(int region) {
    const HeadCache& head = heads_[static_cast<std::size_t>(region)];
    ClassRanks& ranks = class_ranks_[static_cast<std::size_t>(region)];
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

void KvCache::rerank(int region) {
    if (!classed(region)) return;
    ClassRanks& ranks = class_ranks_[static_cast<std::size_t>(region)];
    const auto& tokens = heads_[static_cast<std::size_t>(region)].tokens();
    const auto of_class = [&](int importance_class) {
        return [&, importance_class](auto add) {
            for (const KvToken& token : tokens)
                if (!token.as_x && layout_.class_of(token.slot) == importance_class) add(entry_of(token));
        };
    };
    ranks.important.rebuild(heap_room(slots_.in_use(region, 0), tokens.size()), of_class(0));
    ranks.other.rebuild(heap_room(slots_.in_use(region, 1), tokens.size()), of_class(1));
}

void KvCache::place_prompt(int region, double t_ns) {
    if (!classed(region)) return;
    // Nothing is written yet, so one selection puts every token in its class: the first
    // `important` K/V tokens in 2DRP's order belong in class 0. Forms settle only once the whole
    // prompt is in (x_store.h swaps them), so this runs after them. The selection runs over
    // copies of the ranks, side by side, not over indices into the tokens.
    const auto& tokens = heads_[static_cast<std::size_t>(region)].tokens();
    placement_order_.clear();
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (!tokens[i].as_x) placement_order_.push_back({entry_of(tokens[i]), static_cast<std::uint32_t>(i)});
    const std::size_t important = std::min<std::size_t>(layout_.class_slots(0), placement_order_.size());
    const auto wanted_end = placement_order_.begin() + static_cast<std::ptrdiff_t>(important);
    std::nth_element(placement_order_.begin(), wanted_end, placement_order_.end(),
                     [](const Placement& a, const Placement& b) { return ranks_before(a.rank, b.rank); });
    const auto in_class_0 = [&](const Placement& p) { return layout_.class_of(tokens[p.index].slot) == 0; };
    // Class 0 holds at most `important` tokens, so there are at least as many to bring in as to
    // take out: pair them, and the rest take free class-0 slots.
    auto down = std::find_if(wanted_end, placement_order_.end(), in_class_0);
    for (auto up = placement_order_.begin(); up != wanted_end; ++up) {
        if (in_class_0(*up)) continue;
        if (down == placement_order_.end()) {
            promote(region, up->index, t_ns, ClassChange::slot_only);
            continue;
        }
        swap_classes(region, up->index, down->index, t_ns, ClassChange::slot_only);
        down = std::find_if(down + 1, placement_order_.end(), in_class_0);
    }
    // The selection's two sides are now the classes: rank each from its side.
    const auto ranks_of = [](auto first, auto last) {
        return [first, last](auto add) {
            for (auto p = first; p != last; ++p) add(p->rank);
        };
    };
    ClassRanks& ranks = class_ranks_[static_cast<std::size_t>(region)];
    ranks.important.rebuild(heap_room(important, tokens.size()), ranks_of(placement_order_.begin(), wanted_end));
    ranks.other.rebuild(heap_room(placement_order_.size() - important, tokens.size()),
                        ranks_of(wanted_end, placement_order_.end()));
}

double KvCache::reclassify(int region, double t_ns) {
    HeadCache& head = heads_[static_cast<std::size_t>(region)];
    ClassRanks& ranks = class_ranks_[static_cast<std::size_t>(region)];
    if (outgrown(ranks.important.entries() + ranks.other.entries(), head.size())) rerank(region);
    const auto current = [&](int importance_class) {
        return [&, importance_class](const RankEntry& entry) { return ranked_importance(head, importance_class, entry); };
    };
    // The `important` K/V tokens of highest accumulated attention (older first on ties) belong in
    // class 0; tokens kept as x (AERP) have no K/V slot and take no part. While class 0 has room
    // the other class's first token belongs in it; then each first of the other class that
    // ranks before class 0's last swaps places with it. Either way every token moves at most
    // once: the first of the other class is always one of the `important`, the last of a full
    // class 0 that it outranks never is.
    const std::size_t important = std::min<std::size_t>(layout_.class_slots(0), head.kv_tokens());
    double done_ns = t_ns;
    while (slots_.in_use(region, 0) < important) {
        const RankEntry* best_other = ranks.other.first(current(1));
        if (!best_other) throw std::logic_error("2DRP: the unimportant class lost track of a token");
        done_ns = std::max(done_ns, promote(region, head.index_of(best_other->position), t_ns, ClassChange::move_data));
    }
    for (;;) {
        const RankEntry* worst_important = ranks.important.first(current(0));
        const RankEntry* best_other = ranks.other.first(current(1));
        if (!worst_important || !best_other || !ranks_before(*best_other, *worst_important)) break;
        done_ns = std::max(done_ns, swap_classes(region, head.index_of(best_other->position),
                                                 head.index_of(worst_important->position), t_ns,
                                                 ClassChange::move_data));
    }
    return done_ns;
}

double KvCache::promote(int region, std::size_t index, double t_ns, ClassChange change) {
    KvToken& up = heads_[static_cast<std::size_t>(region)].tokens_for_placement()[index];
    const std::uint32_t slot = slots_.take(region, 0, t_ns);
    double done_ns = t_ns;
    if (change == ClassChange::move_data) {
        done_ns = write_slot(region, slot, values_a_.data(), read_slot(region, up, values_a_.data(), t_ns));
        ++stats_.class_moves;
    }
    slots_.release(region, up.slot, t_ns);
    up.slot = slot;
    if (change == ClassChange::move_data) rank(region, up);
    return done_ns;
}

double KvCache::swap_classes(int region, std::size_t up_index, std::size_t down_index, double t_ns,
                             ClassChange change) {
    auto& tokens = heads_[static_cast<std::size_t>(region)].tokens_for_placement();
    KvToken& up = tokens[up_index];
    KvToken& down = tokens[down_index];
    double done_ns = t_ns;
    if (change == ClassChange::move_data) {  // read both, write each into the other's slot
        const double read_ns = std::max(read_slot(region, up, values_a_.data(), t_ns),
                                        read_slot(region, down, values_b_.data(), t_ns));
        done_ns = std::max(write_slot(region, down.slot, values_a_.data(), read_ns),
                           write_slot(region, up.slot, values_b_.data(), read_ns));
        stats_.class_moves += 2;
    }
    std::swap(up.slot, down.slot);
    if (change == ClassChange::slot_only) return done_ns;
    rank(region, up);
    rank(region, down);
    return done_ns;
}

}  // namespace kelle
