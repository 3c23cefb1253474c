// KvCache's 2DRP part: keeping each region's most-attended K/V tokens in the important class
// (the class is declared in kv_cache.h).
#include <algorithm>
#include <limits>

#include "kvcache/kv_cache.h"

namespace kelle {

namespace {
// 2DRP's ranking for the important class: more accumulated attention first, older on ties.
bool ranks_before(const KvToken& a, const KvToken& b) {
    return a.relative_importance != b.relative_importance ? a.relative_importance > b.relative_importance
                                                          : a.position < b.position;
}
}  // namespace

bool KvCache::classes_settled(int region, const std::vector<KvToken>& tokens, std::size_t important) const {
    // Moves happen only for wanted tokens outside class 0; class 0 never holds more than
    // `important`, so it must hold exactly that many, all ranked before every class-1 token.
    // Checking this costs one pass; most steps it holds and the sort below is skipped.
    if (slots_.in_use(region, 0) != important) return false;
    // The pass selects instead of branching: a token's class does not follow its position, so
    // a branch on it mispredicts half the time, for every head at every step.
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    double worst_important = kInfinity;  // least importance in class 0
    double best_other = -kInfinity;      // most importance in class 1
    // Adding +-infinity takes a token out of a class's extreme (x tokens out of both).
    const double off_class_0[2][2] = {{0, kInfinity}, {kInfinity, kInfinity}};     // [as_x][class]
    const double off_class_1[2][2] = {{-kInfinity, 0}, {-kInfinity, -kInfinity}};
    for (const KvToken& token : tokens) {
        const int c = layout_.class_of(token.slot);
        const double in_0 = token.relative_importance + off_class_0[token.as_x][c];
        const double in_1 = token.relative_importance + off_class_1[token.as_x][c];
        worst_important = in_0 < worst_important ? in_0 : worst_important;
        best_other = in_1 > best_other ? in_1 : best_other;
    }
    if (worst_important != best_other) return worst_important > best_other;
    // A tie at the boundary: older ranks first, so every tied class-0 token must be older than
    // every tied class-1 one.
    std::uint32_t youngest_important = 0;
    std::uint32_t oldest_other = std::numeric_limits<std::uint32_t>::max();
    for (const KvToken& token : tokens) {
        if (token.as_x || token.relative_importance != worst_important) continue;
        if (layout_.class_of(token.slot) == 0) youngest_important = std::max<std::uint32_t>(youngest_important, token.position);
        else oldest_other = std::min<std::uint32_t>(oldest_other, token.position);
    }
    return youngest_important < oldest_other;
}

double KvCache::reclassify(int region, double t_ns) {
    HeadCache& head = heads_[static_cast<std::size_t>(region)];
    // The `important` K/V tokens of highest accumulated attention (older first on ties) belong in
    // class 0; tokens kept as x (AERP) have no K/V slot and take no part.
    const std::size_t important = std::min<std::size_t>(layout_.class_slots(0), head.kv_tokens());
    if (classes_settled(region, head.tokens(), important)) return t_ns;
    auto& tokens = head.tokens_for_placement();
    order_.clear();
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (!tokens[i].as_x) order_.push_back(i);
    std::partial_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(important), order_.end(),
                      [&](std::size_t a, std::size_t b) { return ranks_before(tokens[a], tokens[b]); });
    want_important_.assign(tokens.size(), false);
    for (std::size_t i = 0; i < important; ++i) want_important_[order_[i]] = true;
    promote_.clear();
    demote_.clear();
    for (const std::size_t i : order_) {
        const bool is_important = layout_.class_of(tokens[i].slot) == 0;
        if (want_important_[i] && !is_important) promote_.push_back(i);
        if (!want_important_[i] && is_important) demote_.push_back(i);
    }
    double done_ns = t_ns;
    for (std::size_t k = 0; k < promote_.size(); ++k) {
        KvToken& up = tokens[promote_[k]];
        if (k < demote_.size()) {  // swap places with a token leaving the class: read both, write both
            KvToken& down = tokens[demote_[k]];
            const double read_ns = std::max(read_slot(region, up, values_a_.data(), t_ns),
                                            read_slot(region, down, values_b_.data(), t_ns));
            done_ns = std::max({done_ns, write_slot(region, down.slot, values_a_.data(), read_ns),
                                write_slot(region, up.slot, values_b_.data(), read_ns)});
            std::swap(up.slot, down.slot);
            stats_.class_moves += 2;
        } else {  // a free important slot
            const std::uint32_t slot = slots_.take(region, 0, t_ns);
            const double read_ns = read_slot(region, up, values_a_.data(), t_ns);
            done_ns = std::max(done_ns, write_slot(region, slot, values_a_.data(), read_ns));
            slots_.release(region, up.slot, t_ns);
            up.slot = slot;
            ++stats_.class_moves;
        }
    }
    return done_ns;
}

}  // namespace kelle
